/**
 * The flow validator (issue 23): a realistic shop flow passes; each error code and each of
 * WhatsApp's limits is reported at its exact JSON pointer and step; junk never makes it throw and
 * a 300-step flow is checked fast; `edgesOf` lists every way out of each step type.
 */
import { describe, expect, it } from 'vitest';
import type { StepOf, StepType, TFlowDefinition, TFlowStep } from '../../../../contracts/flows.js';
import { MAX_ERRORS, edgesOf, validateFlow, type FlowValidation } from './validate.js';

/** The shop flow of the reference notes: welcome → menu → product → quantity → decision → order → payment link → handover. */
function shopFlow(): TFlowDefinition {
  return {
    start: 'welcome',
    variables: [{ name: 'source', value: 'whatsapp' }],
    settings: { restart_keywords: ['menu'], invalid_message: 'Sorry, I did not get that, {{contact.name}}.' },
    steps: [
      { id: 'welcome', type: 'message', content: { kind: 'text', text: 'Hi {{contact.name}}! Welcome to {{bot.name}} 👋' }, next: 'menu' },
      {
        id: 'menu',
        type: 'question',
        prompt: 'What would you like to do?',
        input: {
          kind: 'choice',
          options: [
            { id: 'browse', label: 'See products', next: 'product' },
            { id: 'status', label: 'My order', next: 'status' },
            { id: 'human', label: 'Talk to us', next: 'handover' },
          ],
        },
        save_as: 'menu_choice',
        timeout_seconds: 3600,
        on_timeout: 'bye',
      },
      { id: 'product', type: 'question', prompt: 'Which one would you like?', input: { kind: 'product', button: 'See products', limit: 10 }, save_as: 'product', next: 'quantity' },
      {
        id: 'quantity',
        type: 'question',
        prompt: 'How many {{product.name}} would you like?',
        input: { kind: 'number', min: 1, max: 10 },
        retry: { max: 2, message: 'Please send a number from 1 to 10.' },
        on_invalid: 'handover',
        save_as: 'qty',
        next: 'check',
      },
      { id: 'check', type: 'decision', branches: [{ when: { all: [{ var: 'qty', op: 'gte', value: 5 }] }, next: 'big_order' }], else: 'add_to_cart' },
      { id: 'big_order', type: 'message', content: { kind: 'text', text: 'For {{qty}} items a seller will confirm the stock.' }, next: 'add_to_cart' },
      { id: 'add_to_cart', type: 'action', action: 'cart.add', args: { product: '{{product.id}}', quantity: '{{qty}}' }, on_error: 'handover', next: 'order' },
      { id: 'order', type: 'action', action: 'order.create', save_as: 'order', on_error: 'handover', next: 'payment' },
      {
        id: 'payment',
        type: 'api_call',
        request: { method: 'POST', url: 'https://payments.example.com/v1/links', body: { order: { id: '{{order.id}}', amount: '{{order.total}}', currency: '{{order.currency}}' } }, timeout_ms: 5000 },
        save_as: 'pay',
        save_path: 'data.url',
        on_error: 'handover',
        next: 'pay_link',
      },
      { id: 'pay_link', type: 'message', content: { kind: 'link', body: 'Order {{order.id}}: {{order.total}} {{order.currency}}. Pay here:', label: 'Pay now', url: '{{pay}}' }, next: 'handover' },
      { id: 'handover', type: 'action', action: 'handover', args: { note: 'Order {{order.id}} from {{source}}' }, next: 'bye' },
      { id: 'status', type: 'action', action: 'order.status', save_as: 'status', next: 'status_msg' },
      { id: 'status_msg', type: 'message', content: { kind: 'text', text: 'Order {{status.id}} is {{status.status}}.' }, next: null },
      { id: 'bye', type: 'end', message: 'Talk soon!' },
    ],
  };
}
// The shop flow's step indexes, for pointers.
const I = { welcome: 0, menu: 1, product: 2, quantity: 3, check: 4, big_order: 5, add_to_cart: 6, order: 7, payment: 8, pay_link: 9, handover: 10, status: 11, status_msg: 12, bye: 13 } as const;

function stepOf<T extends StepType>(flow: TFlowDefinition, id: keyof typeof I, type: T): StepOf<T> {
  const step = flow.steps[I[id]]!;
  if (step.type !== type) throw new Error(`${id} is a ${step.type}`);
  return step as StepOf<T>;
}
/** The shop flow, changed by `edit`. */
function shop(edit: (f: TFlowDefinition) => void): TFlowDefinition {
  const f = shopFlow();
  edit(f);
  return f;
}
/** A flow of this one step (which should end: next null). */
const single = (step: TFlowStep): TFlowDefinition => ({ start: step.id, steps: [step] });
const brief = (issues: FlowValidation['errors']) => issues.map((i) => [i.code, i.path, i.step_id]);
/** The result's errors, as [code, path, step_id]. */
const errorsOf = (def: unknown) => brief(validateFlow(def).errors);
const warningsOf = (def: unknown) => brief(validateFlow(def).warnings);

describe('a valid flow', () => {
  it('accepts the shop flow, with no warnings, and returns it as the definition', () => {
    const flow = shopFlow();
    const r = validateFlow(flow);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.definition).toBe(flow);
  });

  it('accepts loops that wait for the shopper (a question, a try-on, a style step)', () => {
    expect(errorsOf(shop((f) => (stepOf(f, 'status_msg', 'message').next = 'menu')))).toEqual([]);
    const tryon: TFlowDefinition = {
      start: 't',
      steps: [
        { id: 't', type: 'tryon', product: 'prd_1', prompt: 'Send a photo', on_timeout: null, next: 'again' },
        { id: 'again', type: 'message', content: { kind: 'buttons', body: 'Again?', buttons: [{ id: 'y', title: 'Yes' }] }, next: 's' },
        { id: 's', type: 'style', prompt: 'Send a selfie', next: 't' },
      ],
    };
    expect(validateFlow(tryon)).toMatchObject({ valid: true, errors: [], warnings: [] });
  });
});

describe('SCHEMA', () => {
  it('checks the top level', () => {
    expect(errorsOf({ steps: 'no' })).toEqual([
      ['SCHEMA', '/start', undefined],
      ['SCHEMA', '/steps', undefined],
    ]);
    expect(errorsOf({ ...shopFlow(), colour: 'red' })).toEqual([['SCHEMA', '/colour', undefined]]);
    expect(errorsOf({ start: 'a', steps: [] })).toEqual([
      ['SCHEMA', '/steps', undefined],
      ['UNKNOWN_STEP', '/start', undefined],
    ]);
    expect(errorsOf(shop((f) => f.variables!.push({ name: '1bad' })))).toEqual([['SCHEMA', '/variables/1/name', undefined]]);
    for (const junk of [null, 1, 'x', [], true]) expect(errorsOf(junk)).toEqual([['SCHEMA', '', undefined]]);
  });

  it('gives a step with no type, or an unknown one, one error at /type naming the types', () => {
    const noType = validateFlow(shop((f) => delete (f.steps[I.bye] as Partial<TFlowStep>).type));
    expect(brief(noType.errors)).toEqual([['SCHEMA', '/steps/13/type', 'bye']]);
    expect(noType.errors[0]!.message).toContain('message, question, decision, action, api_call, tryon, style, end');
    expect(errorsOf(shop((f) => ((f.steps[I.bye] as { type: string }).type = 'wait')))).toEqual([['SCHEMA', '/steps/13/type', 'bye']]);
    expect(errorsOf(shop((f) => f.steps.push(42 as unknown as TFlowStep)))).toEqual([['SCHEMA', '/steps/14', undefined]]);
  });

  it('checks a step against its own type (and a message against its own kind), field by field', () => {
    expect(errorsOf(shop((f) => (stepOf(f, 'welcome', 'message').content = { kind: 'text', text: '' })))).toEqual([['SCHEMA', '/steps/0/content/text', 'welcome']]);
    expect(errorsOf(shop((f) => delete (stepOf(f, 'pay_link', 'message').content as Partial<{ url: string }>).url))).toEqual([['SCHEMA', '/steps/9/content/url', 'pay_link']]);
    expect(errorsOf(shop((f) => ((stepOf(f, 'welcome', 'message').content as { kind: string }).kind = 'sticker')))).toEqual([['SCHEMA', '/steps/0/content/kind', 'welcome']]);
    expect(errorsOf(shop((f) => Object.assign(stepOf(f, 'welcome', 'message'), { colour: 'red' })))).toEqual([['SCHEMA', '/steps/0/colour', 'welcome']]);
    expect(errorsOf(shop((f) => (stepOf(f, 'order', 'action').save_as = 'my order')))).toEqual([['SCHEMA', '/steps/7/save_as', 'order']]);
    // A union's branches fold into one message.
    const wrongNext = validateFlow(shop((f) => ((stepOf(f, 'status_msg', 'message') as { next: unknown }).next = 3)));
    expect(brief(wrongNext.errors)).toEqual([['SCHEMA', '/steps/12/next', 'status_msg']]);
    expect(wrongNext.errors[0]!.message).toBe('must be a string or null');
    // A malformed id is both a schema error and no step.
    expect(errorsOf(shop((f) => (stepOf(f, 'status_msg', 'message').next = 'no such')))).toEqual([
      ['SCHEMA', '/steps/12/next', 'status_msg'],
      ['UNKNOWN_STEP', '/steps/12/next', 'status_msg'],
    ]);
  });

  it('requires options on a choice question, conditions on a branch and a value to compare with', () => {
    const q: TFlowStep = { id: 'q', type: 'question', prompt: 'Pick one', input: { kind: 'choice' }, next: null };
    expect(errorsOf(single(q))).toEqual([['SCHEMA', '/steps/0/input/options', 'q']]);
    expect(errorsOf(shop((f) => (stepOf(f, 'check', 'decision').branches[0]!.when = {})))).toEqual([['SCHEMA', '/steps/4/branches/0/when', 'check']]);
    expect(errorsOf(shop((f) => delete stepOf(f, 'check', 'decision').branches[0]!.when.all![0]!.value))).toEqual([['SCHEMA', '/steps/4/branches/0/when/all/0/value', 'check']]);
    const dup = shop((f) => (stepOf(f, 'menu', 'question').input.options![2]!.id = 'browse'));
    expect(errorsOf(dup)).toEqual([['SCHEMA', '/steps/1/input/options/2/id', 'menu']]);
  });

  it.each([
    ['set', {}, 'var'],
    ['set', { var: 'not a name' }, 'var'],
    ['cart.add', { quantity: 1 }, 'product'],
    ['cart.remove', { product: ' ' }, 'product'],
    ['assign', {}, 'seller'],
    ['tag', {}, 'tag'],
    ['opt_out', { category: 'sms' }, 'category'],
    ['opt_out', {}, 'category'],
    ['jump', {}, 'flow'],
  ] as const)('requires the arguments of %s (%j)', (action, args, field) => {
    const f = shop((fl) => Object.assign(stepOf(fl, 'add_to_cart', 'action'), { action, args }));
    expect(errorsOf(f)).toEqual([['SCHEMA', `/steps/6/args/${field}`, 'add_to_cart']]);
  });

  it('accepts the actions with their arguments', () => {
    for (const [action, args] of [['set', { var: 'coupon', value: 'X' }], ['assign', { seller: 'sel_1' }], ['tag', { tag: 'vip' }], ['opt_out', { category: 'marketing' }], ['jump', { flow: 'flw_1' }]] as const) {
      expect(errorsOf(shop((f) => Object.assign(stepOf(f, 'add_to_cart', 'action'), { action, args })))).toEqual([]);
    }
  });

  it(`stops after ${MAX_ERRORS} errors, saying more were left out`, () => {
    const steps = Array.from({ length: 250 }, (_, i) => ({ id: `s${i}`, type: 'nope' }));
    const r = validateFlow({ start: 's0', steps });
    expect(r.errors).toHaveLength(MAX_ERRORS + 1);
    expect(r.errors[MAX_ERRORS - 1]).toMatchObject({ code: 'SCHEMA', path: `/steps/${MAX_ERRORS - 1}/type` });
    expect(r.errors[MAX_ERRORS]!.message).toMatch(/left out/);
  });
});

describe('DUPLICATE_STEP_ID', () => {
  it('reports the second step with an id', () => {
    expect(errorsOf(shop((f) => f.steps.push({ id: 'bye', type: 'end' })))).toEqual([['DUPLICATE_STEP_ID', '/steps/14/id', 'bye']]);
  });
});

describe('UNKNOWN_STEP', () => {
  it.each([
    ['start', (f: TFlowDefinition) => (f.start = 'nope'), '/start', undefined],
    ['next', (f: TFlowDefinition) => (stepOf(f, 'status_msg', 'message').next = 'nope'), '/steps/12/next', 'status_msg'],
    ['on_error', (f: TFlowDefinition) => (stepOf(f, 'order', 'action').on_error = 'nope'), '/steps/7/on_error', 'order'],
    ['on_timeout', (f: TFlowDefinition) => (stepOf(f, 'menu', 'question').on_timeout = 'nope'), '/steps/1/on_timeout', 'menu'],
    ['on_invalid', (f: TFlowDefinition) => (stepOf(f, 'quantity', 'question').on_invalid = 'nope'), '/steps/3/on_invalid', 'quantity'],
    ['an option', (f: TFlowDefinition) => (stepOf(f, 'menu', 'question').input.options![2]!.next = 'nope'), '/steps/1/input/options/2/next', 'menu'],
    ['else', (f: TFlowDefinition) => (stepOf(f, 'check', 'decision').else = 'nope'), '/steps/4/else', 'check'],
  ])('reports %s naming no step', (_what, edit, path, stepId) => {
    expect(errorsOf(shop(edit))).toEqual([['UNKNOWN_STEP', path, stepId]]);
  });

  it('reports a branch naming no step (and the step it no longer reaches)', () => {
    const r = validateFlow(shop((f) => (stepOf(f, 'check', 'decision').branches[0]!.next = 'nope')));
    expect(brief(r.errors)).toEqual([
      ['UNKNOWN_STEP', '/steps/4/branches/0/next', 'check'],
      ['UNREACHABLE_STEP', '/steps/5', 'big_order'],
    ]);
    expect(r.errors[0]!.message).toBe('branch 1 goes to "nope", which is no step of this flow');
  });
});

describe('UNREACHABLE_STEP', () => {
  it('reports each step start cannot reach', () => {
    const f = shop((fl) => fl.steps.push({ id: 'orphan', type: 'end' }, { id: 'orphan2', type: 'message', content: { kind: 'text', text: 'x' }, next: 'orphan' }));
    expect(errorsOf(f)).toEqual([
      ['UNREACHABLE_STEP', '/steps/14', 'orphan'],
      ['UNREACHABLE_STEP', '/steps/15', 'orphan2'],
    ]);
  });
});

describe('LOOP_WITHOUT_WAIT', () => {
  it('reports a loop of steps that never wait, once, at its first step, naming its steps', () => {
    const r = validateFlow(shop((f) => (stepOf(f, 'status_msg', 'message').next = 'status')));
    expect(brief(r.errors)).toEqual([['LOOP_WITHOUT_WAIT', '/steps/11', 'status']]);
    expect(r.errors[0]!.message).toContain('status → status_msg → status');
  });

  it('reports a step that retries itself on error', () => {
    expect(errorsOf(shop((f) => (stepOf(f, 'payment', 'api_call').on_error = 'payment')))).toEqual([['LOOP_WITHOUT_WAIT', '/steps/8', 'payment']]);
  });

  it('reports each separate loop once, and two cycles through one step once', () => {
    const m = (id: string, next: string | null): TFlowStep => ({ id, type: 'message', content: { kind: 'text', text: id }, next });
    const d = (id: string, a: string, b: string): TFlowStep => ({ id, type: 'decision', branches: [{ when: { any: [{ var: 'x', op: 'is_set' }] }, next: a }], else: b });
    const f: TFlowDefinition = {
      start: 'a',
      variables: [{ name: 'x' }],
      steps: [d('a', 'b', 'c'), m('b', 'a'), d('c', 'a', 'e'), m('e', 'f'), d('f', 'g', 'q'), m('g', 'f'), { id: 'q', type: 'question', prompt: '?', input: { kind: 'text' }, next: 'q' }],
    };
    const r = validateFlow(f);
    expect(brief(r.errors)).toEqual([
      ['LOOP_WITHOUT_WAIT', '/steps/0', 'a'],
      ['LOOP_WITHOUT_WAIT', '/steps/4', 'f'],
    ]);
    expect(r.errors[0]!.message).toMatch(/a → b → a .*1 more step\(s\).*: c/);
    expect(r.errors[1]!.message).toContain('f → g → f');
  });
});

describe('WHATSAPP_LIMIT', () => {
  const msg = (content: StepOf<'message'>['content']): TFlowDefinition => single({ id: 'm', type: 'message', content, next: null });
  const buttons = (titles: string[]) => msg({ kind: 'buttons', body: 'Pick', buttons: titles.map((title, i) => ({ id: `b${i}`, title })) });
  const rows = (n: number, extra: Partial<{ title: string; description: string }> = {}) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: `Row ${i}`, ...extra }));
  const list = (over: Partial<Extract<StepOf<'message'>['content'], { kind: 'list' }>>) => msg({ kind: 'list', body: 'Pick', button: 'Open', sections: [{ rows: rows(2) }], ...over });
  const choice = (labels: string[], over: Partial<StepOf<'question'>['input']> = {}, descriptions?: string): TFlowDefinition =>
    single({ id: 'q', type: 'question', prompt: 'Pick', input: { kind: 'choice', options: labels.map((label, i) => ({ id: `o${i}`, label, ...(descriptions ? { description: descriptions } : {}) })), ...over }, next: null });
  const t = (n: number) => 'x'.repeat(n);

  it('reply buttons: at most 3, titles at most 20 code points', () => {
    expect(errorsOf(buttons(['a', 'b', 'c']))).toEqual([]);
    expect(errorsOf(buttons(['a', 'b', 'c', 'd']))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/buttons', 'm']]);
    expect(errorsOf(buttons(['a', t(21)]))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/buttons/1/title', 'm']]);
    expect(errorsOf(buttons([t(20)]))).toEqual([]);
    expect(errorsOf(buttons(['👗'.repeat(20)]))).toEqual([]); // 40 UTF-16 units, 20 code points
    const r = validateFlow(buttons(['👗'.repeat(21)]));
    expect(brief(r.errors)).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/buttons/0/title', 'm']]);
    expect(r.errors[0]!.message).toContain('has 21');
  });

  it('headers and footers: at most 60', () => {
    expect(errorsOf(msg({ kind: 'buttons', body: 'b', header: t(60), footer: t(60), buttons: [{ id: 'a', title: 'a' }] }))).toEqual([]);
    expect(errorsOf(msg({ kind: 'list', body: 'b', button: 'Open', header: t(60), footer: t(60), sections: [{ rows: rows(1) }] }))).toEqual([]);
    // The schema caps them at 60 too: 61 is a schema error before it is WhatsApp's.
    expect(errorsOf(msg({ kind: 'buttons', body: 'b', header: t(61), buttons: [{ id: 'a', title: 'a' }] }))).toEqual([['SCHEMA', '/steps/0/content/header', 'm']]);
  });

  it('lists: 10 rows in all, 10 sections, row titles 24, descriptions 72, the button 20, section titles 24', () => {
    expect(errorsOf(list({ sections: [{ title: 'A', rows: rows(5) }, { title: 'B', rows: rows(5).map((r) => ({ ...r, id: `${r.id}b` })) }] }))).toEqual([]);
    expect(errorsOf(list({ sections: [{ title: 'A', rows: rows(6) }, { title: 'B', rows: rows(5).map((r) => ({ ...r, id: `${r.id}b` })) }] }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/sections', 'm']]);
    const sections = validateFlow(list({ sections: Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: [{ id: `r${i}`, title: 'r' }] })) }));
    expect(brief(sections.errors)).toEqual([
      ['WHATSAPP_LIMIT', '/steps/0/content/sections', 'm'],
      ['WHATSAPP_LIMIT', '/steps/0/content/sections', 'm'],
    ]);
    expect(sections.errors.map((e) => e.message).join('\n')).toMatch(/10 sections[\s\S]*10 rows/);
    expect(errorsOf(list({ sections: [{ rows: [{ id: 'r', title: t(24), description: t(72) }] }] }))).toEqual([]);
    expect(errorsOf(list({ sections: [{ rows: [{ id: 'r', title: t(25) }] }] }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/sections/0/rows/0/title', 'm']]);
    expect(errorsOf(list({ sections: [{ rows: [{ id: 'r', title: 'r', description: t(73) }] }] }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/sections/0/rows/0/description', 'm']]);
    expect(errorsOf(list({ button: t(21) }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/button', 'm']]);
    expect(errorsOf(list({ sections: [{ title: t(25), rows: rows(1) }] }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/sections/0/title', 'm']]);
    expect(errorsOf(list({ sections: [{ title: 'A', rows: rows(1) }, { rows: [{ id: 'z', title: 'z' }] }] }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/sections/1/title', 'm']]);
    expect(errorsOf(list({ sections: [{ rows: [{ id: 'r', title: 'a' }, { id: 'r', title: 'b' }] }] }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/sections/0/rows/1/id', 'm']]);
  });

  it('link buttons: a label of at most 20', () => {
    expect(errorsOf(msg({ kind: 'link', body: 'Pay', label: t(20), url: 'https://x.example' }))).toEqual([]);
    expect(errorsOf(msg({ kind: 'link', body: 'Pay', label: t(21), url: 'https://x.example' }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/label', 'm']]);
  });

  it('product lists: at most 30 products', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `prd_${i}`);
    expect(errorsOf(msg({ kind: 'product_list', header: 'New', body: 'Look', products: ids(30) }))).toEqual([]);
    expect(errorsOf(msg({ kind: 'product_list', header: 'New', body: 'Look', products: ids(31) }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/products', 'm']]);
  });

  it('an audio message has no caption', () => {
    expect(errorsOf(msg({ kind: 'media', media_kind: 'audio', url: 'https://x.example/a.ogg', caption: 'hi' }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/caption', 'm']]);
  });

  it('choice questions: up to 3 options are buttons (labels 20), 4 to 10 a list (labels 24, descriptions 72, button 20)', () => {
    expect(errorsOf(choice(['a', 'b', t(20)]))).toEqual([]);
    expect(errorsOf(choice(['a', 'b', t(21)]))).toEqual([['WHATSAPP_LIMIT', '/steps/0/input/options/2/label', 'q']]);
    expect(errorsOf(choice(['a', 'b', 'c', t(24)]))).toEqual([]);
    expect(errorsOf(choice(['a', 'b', 'c', t(25)]))).toEqual([['WHATSAPP_LIMIT', '/steps/0/input/options/3/label', 'q']]);
    expect(errorsOf(choice(['a', 'b', 'c', 'd'], {}, t(72)))).toEqual([]);
    const desc = errorsOf(choice(['a', 'b', 'c', 'd'], {}, t(73)));
    expect(desc).toHaveLength(4);
    expect(desc[0]).toEqual(['WHATSAPP_LIMIT', '/steps/0/input/options/0/description', 'q']);
    expect(errorsOf(choice(['a', 'b', 'c', 'd'], { button: t(21) }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/input/button', 'q']]);
    expect(errorsOf(choice(['a', 'b', 'c'], { button: t(21) }))).toEqual([]); // buttons: no list button
    expect(errorsOf(single({ id: 'q', type: 'question', prompt: 'Which?', input: { kind: 'product', button: t(21) }, next: null }))).toEqual([['WHATSAPP_LIMIT', '/steps/0/input/button', 'q']]);
  });

  it('checks a template on its literal text; placeholders that may make it too long are a warning', () => {
    const withName = (title: string): TFlowDefinition => ({ ...buttons([title]), variables: [{ name: 'name' }] });
    const over = validateFlow(withName(`${t(21)}{{name}}`));
    expect(brief(over.errors)).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/buttons/0/title', 'm']]);
    expect(over.errors[0]!.message).toContain('without its placeholders');
    const maybe = validateFlow(withName('Buy {{name}}'));
    expect(maybe.errors).toEqual([]);
    expect(brief(maybe.warnings)).toEqual([['WHATSAPP_LIMIT', '/steps/0/content/buttons/0/title', 'm']]);
    expect(validateFlow(withName('{{name}}'))).toMatchObject({ valid: true, warnings: [] });
  });
});

describe('INVALID_PATTERN', () => {
  const matches = (value: string) => shop((f) => stepOf(f, 'check', 'decision').branches[0]!.when.all!.push({ var: 'qty', op: 'matches', value }));
  const text = (pattern: string): TFlowDefinition => single({ id: 'q', type: 'question', prompt: 'Code?', input: { kind: 'text', pattern }, next: null });

  it('reports a matches value or a text pattern that does not compile', () => {
    expect(errorsOf(matches('^\\d+$'))).toEqual([]);
    expect(errorsOf(matches('('))).toEqual([['INVALID_PATTERN', '/steps/4/branches/0/when/all/1/value', 'check']]);
    expect(errorsOf(text('[a-'))).toEqual([['INVALID_PATTERN', '/steps/0/input/pattern', 'q']]);
  });

  it('reports a pattern longer than 300 characters', () => {
    expect(errorsOf(text('a'.repeat(300)))).toEqual([]);
    expect(errorsOf(text('a'.repeat(301)))).toEqual([['INVALID_PATTERN', '/steps/0/input/pattern', 'q']]);
    expect(errorsOf(matches('a'.repeat(301)))).toEqual([['INVALID_PATTERN', '/steps/4/branches/0/when/all/1/value', 'check']]);
  });

  it('warns of nested quantifiers', () => {
    expect(warningsOf(text('^(a+)+$'))).toEqual([['INVALID_PATTERN', '/steps/0/input/pattern', 'q']]);
    expect(warningsOf(matches('(\\w*\\s?)*x'))).toEqual([['INVALID_PATTERN', '/steps/4/branches/0/when/all/1/value', 'check']]);
    for (const fine of ['(ab)+', '\\(a+\\)+', '[(a+)]+', '(a+)?', '(?:\\d{3})+']) expect(warningsOf(text(fine))).toEqual([]);
  });
});

describe('UNKNOWN_VARIABLE (warnings)', () => {
  it('warns of a {{variable}} nothing defines', () => {
    const r = validateFlow(shop((f) => (stepOf(f, 'welcome', 'message').content = { kind: 'text', text: 'Hi {{nickname}} and {{ nickname.first }}' })));
    expect(r.valid).toBe(true);
    expect(brief(r.warnings)).toEqual([['UNKNOWN_VARIABLE', '/steps/0/content/text', 'welcome']]);
    expect(r.warnings[0]!.message).toContain('nickname');
    const body = shop((f) => ((stepOf(f, 'payment', 'api_call').request.body as { order: Record<string, string> }).order.ref = '{{secret}}'));
    expect(warningsOf(body)).toEqual([['UNKNOWN_VARIABLE', '/steps/8/request/body/order/ref', 'payment']]);
    expect(warningsOf(shop((f) => (f.settings!.invalid_message = 'Try again {{whoever}}')))).toEqual([['UNKNOWN_VARIABLE', '/settings/invalid_message', undefined]]);
  });

  it('knows declared variables, save_as, set actions and the built-in roots', () => {
    const text = 'Hi {{nickname}}, {{coupon}}, {{cart.total}}, {{conversation.id}}, {{last_input}}, {{flow.name}}';
    const declared = shop((f) => {
      f.variables!.push({ name: 'nickname' });
      stepOf(f, 'welcome', 'message').content = { kind: 'text', text };
      Object.assign(stepOf(f, 'add_to_cart', 'action'), { action: 'set', args: { var: 'coupon', value: 'X' } });
    });
    expect(validateFlow(declared)).toMatchObject({ valid: true, warnings: [] });
  });

  it('warns of a condition on a variable nothing defines', () => {
    const f = shop((fl) => (stepOf(fl, 'check', 'decision').branches[0]!.when.all![0]!.var = 'coupon.code'));
    expect(warningsOf(f)).toEqual([['UNKNOWN_VARIABLE', '/steps/4/branches/0/when/all/0/var', 'check']]);
  });
});

describe('other warnings', () => {
  it('a timeout with no on_timeout', () => {
    const r = validateFlow(shop((f) => delete stepOf(f, 'menu', 'question').on_timeout));
    expect(r.valid).toBe(true);
    expect(brief(r.warnings)).toEqual([['SCHEMA', '/steps/1/timeout_seconds', 'menu']]);
    expect(warningsOf(shop((f) => (stepOf(f, 'menu', 'question').on_timeout = null)))).toEqual([]);
  });

  it('an API call over http (a warning); another scheme is an error', () => {
    const r = validateFlow(shop((f) => (stepOf(f, 'payment', 'api_call').request.url = 'http://payments.example.com/v1/links')));
    expect(r.valid).toBe(true);
    expect(brief(r.warnings)).toEqual([['SCHEMA', '/steps/8/request/url', 'payment']]);
    expect(errorsOf(shop((f) => (stepOf(f, 'payment', 'api_call').request.url = 'ftp://payments.example.com')))).toEqual([['SCHEMA', '/steps/8/request/url', 'payment']]);
    expect(validateFlow(shop((f) => (stepOf(f, 'payment', 'api_call').request.url = '{{pay}}/links')))).toMatchObject({ valid: true, warnings: [] });
  });
});

describe('junk', () => {
  const deep = (n: number) => {
    const root: Record<string, unknown> = {};
    let at = root;
    for (let i = 0; i < n; i++) at = (at.a = {}) as Record<string, unknown>;
    return root;
  };
  const deepArray = (n: number) => {
    const root: unknown[] = [];
    let at = root;
    for (let i = 0; i < n; i++) at.push((at = []));
    return root;
  };
  const huge = 'x'.repeat(5_000_000);

  it('never throws, whatever it is given', () => {
    const junk: unknown[] = [
      null,
      undefined,
      1,
      'x',
      [],
      {},
      { steps: 'no' },
      { start: 1, steps: [null, 1, 'x', [], {}, { id: 1, type: 2 }] },
      { start: 'a', steps: [{ id: 'a', type: 'message', content: deep(100_000), next: 'a' }] },
      { start: 'a', steps: [{ id: 'a', type: 'api_call', request: { method: 'GET', url: 'https://x', body: deep(100_000), headers: deepArray(10_000) } }] },
      { start: 'a', steps: [{ id: 'a', type: 'question', prompt: huge, input: { kind: 'choice', options: [{ id: 'x', label: huge, next: huge }], pattern: `(${huge}` } }] },
      { start: huge, steps: [{ id: huge, type: huge }, { id: 'b', type: 'decision', branches: [{ when: { all: [{ var: huge, op: 'matches', value: `{{${huge}` }] }, next: {} }], else: [] }] },
      { start: 'a', steps: Array.from({ length: 5000 }, () => ({})) },
      JSON.parse('{"__proto__": {"x": 1}, "start": "__proto__", "steps": [{"id": "__proto__", "type": "end"}, {"id": "constructor", "type": "action", "action": "set", "args": {"__proto__": 1}}]}'),
      { start: 'a', steps: [{ id: 'a', type: 'decision', branches: 'many', else: 'a' }, { id: 'q', type: 'question', input: { options: [null, 1, { next: 5 }] } }] },
      deep(100_000),
      deepArray(100_000),
      { start: 'a', steps: [{ id: 'a', type: 'api_call', request: { method: 'POST', url: 'https://x', body: { list: deepArray(100_000), obj: deep(100_000), wide: Array.from({ length: 100_000 }, () => '{{who}}') } } }] },
    ];
    for (const def of junk) {
      const started = performance.now();
      const r = validateFlow(def);
      expect(typeof r.valid).toBe('boolean');
      expect(r.errors.length).toBeLessThanOrEqual(MAX_ERRORS + 1);
      expect(r.valid).toBe(r.errors.length === 0);
      expect(performance.now() - started).toBeLessThan(2000);
    }
    expect(validateFlow(junk[13]).errors.map((e) => e.code)).toEqual(expect.arrayContaining(['SCHEMA', 'UNREACHABLE_STEP']));
  });

  it('never throws on random damage to the shop flow', () => {
    let seed = 23;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T,>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const values = [null, 0, -1, Number.POSITIVE_INFINITY, '', 'menu', 'nope', '{{x}}', '(', [], {}, [null], { kind: 'list' }, true, 'x'.repeat(5000), deep(50)];
    for (let round = 0; round < 400; round++) {
      const flow = shopFlow() as unknown as Record<string, unknown>;
      for (let edits = 0; edits < 3; edits++) {
        // Walk down to a random object and damage one of its fields.
        let at: Record<string, unknown> | unknown[] = flow;
        for (let depth = 0; depth < 6; depth++) {
          const keys = Object.keys(at);
          const next = (at as Record<string, unknown>)[pick(keys.length ? keys : ['x'])];
          if (typeof next !== 'object' || next === null || random() < 0.2) break;
          at = next as Record<string, unknown>;
        }
        const keys = Object.keys(at);
        const key = random() < 0.2 ? 'extra' : pick(keys.length ? keys : ['x']);
        if (random() < 0.2) delete (at as Record<string, unknown>)[key];
        else (at as Record<string, unknown>)[key] = pick(values);
      }
      const r = validateFlow(flow);
      expect(r.valid).toBe(r.errors.length === 0);
      for (const e of [...r.errors, ...r.warnings]) expect(e.path === '' || e.path.startsWith('/')).toBe(true);
    }
  });

  it('checks a 300-step flow fast', () => {
    const steps: TFlowStep[] = Array.from({ length: 300 }, (_, i): TFlowStep => {
      const next = i === 299 ? null : `s${i + 1}`;
      if (i % 3 === 0) return { id: `s${i}`, type: 'question', prompt: `Question ${i} for {{contact.name}}?`, input: { kind: 'choice', options: [{ id: 'a', label: 'Yes', next }, { id: 'b', label: 'No', next: 's0' }] }, save_as: `a${i}` };
      if (i % 3 === 1) return { id: `s${i}`, type: 'decision', branches: [{ when: { all: [{ var: `a${i - 1}`, op: 'matches', value: '^y' }] }, next }], else: next };
      return { id: `s${i}`, type: 'message', content: { kind: 'buttons', body: 'Next {{contact.name}}', buttons: [{ id: 'n', title: 'Next' }] }, next };
    });
    const flow: TFlowDefinition = { start: 's0', steps };
    expect(validateFlow(flow)).toMatchObject({ valid: true, errors: [], warnings: [] }); // warm: compiles the schemas
    const runs = 20;
    const started = performance.now();
    for (let i = 0; i < runs; i++) validateFlow(flow);
    const each = (performance.now() - started) / runs;
    console.log(`validateFlow: ${each.toFixed(2)} ms for 300 steps`);
    expect(each).toBeLessThan(200);
    const broken = structuredClone(flow);
    (broken.steps[299] as StepOf<'message'>).next = 's298'; // a loop without a wait: 298 → 299 → 298
    expect(errorsOf(broken)).toEqual([['LOOP_WITHOUT_WAIT', '/steps/298', 's298']]);
  });
});

describe('edgesOf', () => {
  it('message: next, or next to null', () => {
    expect(edgesOf({ id: 'm', type: 'message', content: { kind: 'text', text: 'x' }, next: 'b' })).toEqual([{ to: 'b', label: 'next', path: '/next' }]);
    expect(edgesOf({ id: 'm', type: 'message', content: { kind: 'text', text: 'x' }, next: null })).toEqual([{ to: null, label: 'next', path: '/next' }]);
  });

  it('question: each option (labelled), next, on_invalid, on_timeout; a field left out is no edge', () => {
    const step: TFlowStep = {
      id: 'q',
      type: 'question',
      prompt: '?',
      input: { kind: 'choice', options: [{ id: 'a', label: 'Yes', next: 'y' }, { id: 'b', label: 'No' }, { id: 'c', label: 'Stop', next: null }] },
      on_invalid: 'help',
      on_timeout: 'bye',
      next: 'after',
    };
    expect(edgesOf(step)).toEqual([
      { to: 'y', label: 'Yes', path: '/input/options/0/next' },
      { to: null, label: 'Stop', path: '/input/options/2/next' },
      { to: 'after', label: 'next', path: '/next' },
      { to: 'help', label: 'on_invalid', path: '/on_invalid' },
      { to: 'bye', label: 'on_timeout', path: '/on_timeout' },
    ]);
    expect(edgesOf({ id: 'q', type: 'question', prompt: '?', input: { kind: 'text' } })).toEqual([]);
  });

  it('decision: branch 1…, else', () => {
    const when = { all: [{ var: 'x', op: 'is_set' as const }] };
    expect(edgesOf({ id: 'd', type: 'decision', branches: [{ when, next: 'a' }, { when, next: null }], else: 'z' })).toEqual([
      { to: 'a', label: 'branch 1', path: '/branches/0/next' },
      { to: null, label: 'branch 2', path: '/branches/1/next' },
      { to: 'z', label: 'else', path: '/else' },
    ]);
  });

  it('action, api_call, try-on and style: next, on_timeout, on_error', () => {
    expect(edgesOf({ id: 'a', type: 'action', action: 'cart.clear', on_error: 'oops', next: 'b' })).toEqual([
      { to: 'b', label: 'next', path: '/next' },
      { to: 'oops', label: 'on_error', path: '/on_error' },
    ]);
    expect(edgesOf({ id: 'a', type: 'action', action: 'handover' })).toEqual([]);
    expect(edgesOf({ id: 'c', type: 'api_call', request: { method: 'GET', url: 'https://x' }, on_error: null, next: 'b' })).toEqual([
      { to: 'b', label: 'next', path: '/next' },
      { to: null, label: 'on_error', path: '/on_error' },
    ]);
    const tail = [
      { to: 'b', label: 'next', path: '/next' },
      { to: 't', label: 'on_timeout', path: '/on_timeout' },
      { to: 'e', label: 'on_error', path: '/on_error' },
    ];
    expect(edgesOf({ id: 't', type: 'tryon', product: 'prd_1', prompt: 'Photo?', on_timeout: 't', on_error: 'e', next: 'b' })).toEqual(tail);
    expect(edgesOf({ id: 's', type: 'style', prompt: 'Selfie?', on_timeout: 't', on_error: 'e', next: 'b' })).toEqual(tail);
  });

  it('end: none', () => {
    expect(edgesOf({ id: 'e', type: 'end', message: 'bye' })).toEqual([]);
  });
});
