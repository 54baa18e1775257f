/**
 * The flow interpreter: one event (a shopper's message, a question's timeout, a hand-back from an
 * agent, the start) moves a session's state from step to step until it waits for the shopper
 * again or ends. It knows the DSL and WhatsApp's shapes; everything outside (sending, the
 * catalog, orders, HTTP, try-ons, style, timers, handover) goes through `FlowEnv`, so the same
 * code runs a conversation for real (runner.ts) and a script in the editor's test (test-run.ts).
 * Pure of storage: the caller persists the returned state (with the input marked done) at once.
 */
import type { StepOf, TFlowDefinition, TFlowMessageContent, TFlowStep } from '../../../../contracts/flows.js';
import { LIMITS } from '../channels/index.js';
import type { OutboundContent } from '../channels/index.js';
import { parseAnswer, textOf, type FlowAnswer } from './answers.js';
import { holds } from './conditions.js';
import { clip, lookup, render, renderValue, toText, type Scope } from './template.js';
import type { CartLine, SessionStatus } from './tables.js';

export type SessionState = {
  flowId: string;
  flowVersion: number;
  stepId: string;
  wait: 'input' | 'none';
  waitSeq: number;
  retries: number;
  variables: Record<string, unknown>;
  cart: CartLine[];
  status: SessionStatus;
  endReason?: string | undefined;
};

export type EngineEvent = { kind: 'start' } | { kind: 'message'; answer: FlowAnswer } | { kind: 'timeout'; waitSeq: number } | { kind: 'resume' };

export type { FlowProduct as ProductInfo, FlowOrder as OrderInfo } from '../ports.js';
import type { FlowProduct as ProductInfo, FlowOrder as OrderInfo } from '../ports.js';

export class StepError extends Error {
  override name = 'StepError';
}

export type FlowEnv = {
  /** contact, bot and conversation, for templates. */
  builtins: Scope;
  send(content: OutboundContent, stepId: string): Promise<void>;
  visit(stepId: string): Promise<void> | void;
  product(id: string): Promise<ProductInfo | undefined>;
  products(limit: number): Promise<ProductInfo[]>;
  createOrder(cart: CartLine[], notes: string | undefined, stepId: string): Promise<OrderInfo>;
  orderStatus(orderId: string): Promise<OrderInfo | undefined>;
  http(req: { method: string; url: string; headers: Record<string, string>; body: unknown; timeoutMs: number }): Promise<unknown>;
  tryon(productId: string, image: { key: string; content_type: string }, stepId: string): Promise<{ url: string; contentType: string }>;
  style(image: { key: string; content_type: string }, products: number, stepId: string): Promise<{ value: Record<string, unknown>; text: string; products: ProductInfo[] }>;
  armTimeout(seconds: number, waitSeq: number): Promise<void>;
  /** To the inbox (`waiting_agent`), or to a seller (`agent`). */
  handover(opts: { sellerId?: string | undefined; note?: string | undefined; stepId?: string | undefined }): Promise<void>;
  tag(tag: string): Promise<void>;
  optOut(category: 'marketing' | 'all'): Promise<void>;
  jump(flowId: string): Promise<{ definition: TFlowDefinition; flowId: string; version: number }>;
};

const WAITING = new Set(['question', 'tryon', 'style']);
/** Steps one event may run before the runner stops it (the validator refuses loops that never wait). */
export const MAX_STEPS_PER_EVENT = 200;

export async function advance(def: TFlowDefinition, state: SessionState, ev: EngineEvent, env: FlowEnv): Promise<SessionState> {
  let definition = def;
  let steps = new Map(definition.steps.map((s) => [s.id, s]));
  const s: SessionState = { ...state, variables: { ...state.variables }, cart: state.cart.map((l) => ({ ...l })) };
  const scope = (): Scope => ({ ...env.builtins, cart: { lines: s.cart, count: s.cart.reduce((n, l) => n + l.quantity, 0) }, ...s.variables });
  const invalidMessage = () => definition.settings?.invalid_message;

  const end = async (status: SessionStatus, reason: string, toInbox = false) => {
    s.status = status;
    s.endReason = reason;
    s.wait = 'none';
    if (toInbox) await env.handover({ note: reason });
    return s;
  };

  /** Run from `id` until a wait or the end. */
  async function runFrom(id: string | null | undefined): Promise<SessionState> {
    let next = id;
    for (let n = 0; ; n++) {
      if (next === null || next === undefined) return end('completed', 'end');
      if (n >= MAX_STEPS_PER_EVENT) return end('failed', 'too many steps without waiting for the shopper', true);
      const step = steps.get(next);
      if (!step) return end('failed', `unknown step ${next}`, true);
      s.stepId = step.id;
      await env.visit(step.id);
      if (WAITING.has(step.type)) {
        await prompt(step as StepOf<'question' | 'tryon' | 'style'>);
        return s;
      }
      try {
        const r = await run(step);
        if (r.stop) return s;
        next = r.next;
      } catch (e) {
        if (!(e instanceof StepError) && !isExpected(e)) throw e;
        const onError = 'on_error' in step ? step.on_error : undefined;
        s.variables.error = (e as Error).message.slice(0, 300);
        if (onError === undefined) return end('failed', `${step.id}: ${(e as Error).message.slice(0, 200)}`, true);
        next = onError;
      }
    }
  }

  async function prompt(step: StepOf<'question' | 'tryon' | 'style'>, again = false) {
    const sc = scope();
    const text = render(step.prompt, sc);
    if (step.type === 'question' && step.input.kind === 'choice') await env.send(choiceContent(text, step.input), step.id);
    else if (step.type === 'question' && step.input.kind === 'product') {
      const offer = await env.products(step.input.limit ?? 10);
      s.variables._offer = offer.map((p) => ({ id: p.id, name: p.name }));
      await env.send(offer.length > 0 ? productListContent(text, offer, step.input.button) : { type: 'text', text }, step.id);
    } else await env.send({ type: 'text', text }, step.id);
    s.wait = 'input';
    s.waitSeq += 1;
    if (!again) s.retries = 0;
    if (step.timeout_seconds) await env.armTimeout(step.timeout_seconds, s.waitSeq);
  }

  async function run(step: TFlowStep): Promise<{ next: string | null | undefined; stop?: boolean }> {
    const sc = scope();
    switch (step.type) {
      case 'message':
        await env.send(await messageContent(step.content, sc), step.id);
        return { next: step.next };
      case 'decision': {
        const hit = step.branches.find((b) => holds(b.when, sc));
        return { next: hit ? hit.next : step.else };
      }
      case 'end':
        if (step.message) await env.send({ type: 'text', text: render(step.message, sc) }, step.id);
        await end('completed', 'end');
        return { next: undefined, stop: true };
      case 'api_call': {
        const url = render(step.request.url, sc);
        const headers = Object.fromEntries(Object.entries(step.request.headers ?? {}).map(([k, v]) => [k, render(v, sc)]));
        const out = await env.http({ method: step.request.method, url, headers, body: step.request.body === undefined ? undefined : renderValue(step.request.body, sc), timeoutMs: step.request.timeout_ms ?? 5000 });
        if (step.save_as) s.variables[step.save_as] = step.save_path ? lookup(out as Scope, step.save_path) : out;
        return { next: step.next };
      }
      case 'action':
        return action(step, sc);
      default:
        return { next: undefined };
    }
  }

  async function action(step: StepOf<'action'>, sc: Scope): Promise<{ next: string | null | undefined; stop?: boolean }> {
    const args = (step.args ?? {}) as Record<string, unknown>;
    const arg = (k: string) => renderValue(args[k], sc);
    const save = (v: unknown) => {
      if (step.save_as) s.variables[step.save_as] = v;
    };
    switch (step.action) {
      case 'set':
        s.variables[String(args.var)] = arg('value');
        return { next: step.next };
      case 'cart.add': {
        const productId = toText(arg('product'));
        const product = productId ? await env.product(productId) : undefined;
        if (!product) throw new StepError(`no product ${productId.slice(0, 80)}`);
        const q = Number(arg('quantity') ?? 1);
        if (!Number.isInteger(q) || q < 1 || q > 1000) throw new StepError(`bad quantity ${toText(arg('quantity')).slice(0, 20)}`);
        const variant = args.variant === undefined ? undefined : toText(arg('variant')) || undefined;
        const line = s.cart.find((l) => l.product_id === product.id && l.variant_id === variant);
        if (line) line.quantity += q;
        else s.cart.push({ product_id: product.id, ...(variant ? { variant_id: variant } : {}), quantity: q });
        save(s.cart);
        return { next: step.next };
      }
      case 'cart.remove': {
        const productId = toText(arg('product'));
        s.cart = s.cart.filter((l) => l.product_id !== productId);
        return { next: step.next };
      }
      case 'cart.clear':
        s.cart = [];
        return { next: step.next };
      case 'order.create': {
        if (s.cart.length === 0) throw new StepError('the cart is empty');
        const order = await env.createOrder(s.cart, args.notes === undefined ? undefined : toText(arg('notes')), step.id);
        s.variables.order = order;
        s.cart = [];
        save(order);
        return { next: step.next };
      }
      case 'order.status': {
        const id = args.order === undefined ? toText(lookup(s.variables, 'order.id')) : toText(arg('order'));
        const order = id ? await env.orderStatus(id) : undefined;
        if (!order) throw new StepError('no such order');
        s.variables.order = order;
        save(order);
        return { next: step.next };
      }
      case 'tag':
        await env.tag(toText(arg('tag')).slice(0, 64));
        return { next: step.next };
      case 'opt_out':
        await env.optOut(toText(arg('category')) === 'marketing' ? 'marketing' : 'all');
        return { next: step.next };
      case 'assign':
      case 'handover': {
        const seller = args.seller === undefined ? undefined : toText(arg('seller')) || undefined;
        await env.handover({ sellerId: seller, note: args.note === undefined ? undefined : toText(arg('note')), stepId: step.id });
        // Paused: an agent has it. Handing back resumes at `next`; without one the session is over.
        if (step.next === undefined || step.next === null) {
          await end('handed_over', 'handover');
          return { next: undefined, stop: true };
        }
        s.stepId = step.next;
        s.wait = 'none';
        s.variables._paused = true;
        return { next: undefined, stop: true };
      }
      case 'jump': {
        const target = await env.jump(toText(arg('flow')));
        definition = target.definition;
        steps = new Map(definition.steps.map((x) => [x.id, x]));
        s.flowId = target.flowId;
        s.flowVersion = target.version;
        return { next: definition.start };
      }
    }
  }

  async function messageContent(c: TFlowMessageContent, sc: Scope): Promise<OutboundContent> {
    switch (c.kind) {
      case 'text':
        return { type: 'text', text: render(c.text, sc) };
      case 'media':
        return { type: 'media', media: { kind: c.media_kind, url: render(c.url, sc), ...(c.caption ? { caption: render(c.caption, sc) } : {}) } };
      case 'buttons':
        return {
          type: 'buttons',
          body: render(c.body, sc),
          ...(c.header ? { header: clip(render(c.header, sc), LIMITS.headerText) } : {}),
          ...(c.footer ? { footer: clip(render(c.footer, sc), LIMITS.footer) } : {}),
          buttons: c.buttons.slice(0, LIMITS.buttons).map((b) => ({ id: b.id, title: clip(render(b.title, sc), LIMITS.buttonTitle) })),
        };
      case 'list':
        return {
          type: 'list',
          body: render(c.body, sc),
          button: clip(render(c.button, sc), LIMITS.listButton),
          sections: c.sections.map((sec) => ({
            ...(sec.title ? { title: clip(render(sec.title, sc), LIMITS.sectionTitle) } : {}),
            rows: sec.rows.map((r) => ({ id: r.id, title: clip(render(r.title, sc), LIMITS.rowTitle), ...(r.description ? { description: clip(render(r.description, sc), LIMITS.rowDescription) } : {}) })),
          })),
        };
      case 'product': {
        const id = render(c.product, sc);
        const p = await env.product(id);
        if (!p) throw new StepError(`no product ${id.slice(0, 80)}`);
        const caption = [c.body ? render(c.body, sc) : undefined, `${p.name}${p.price ? ` — ${p.price}` : ''}`].filter(Boolean).join('\n');
        return p.imageUrl ? { type: 'media', media: { kind: 'image', url: p.imageUrl, caption } } : { type: 'text', text: caption };
      }
      case 'product_list': {
        const list = c.products ? (await Promise.all(c.products.map((id) => env.product(render(id, sc))))).filter((p): p is ProductInfo => !!p) : await env.products(c.limit ?? 10);
        if (list.length === 0) throw new StepError('no products to show');
        return productListContent(render(c.body, sc), list, undefined, render(c.header, sc));
      }
      case 'link':
        return { type: 'cta_url', body: render(c.body, sc), displayText: clip(render(c.label, sc), LIMITS.ctaDisplayText), url: render(c.url, sc) };
    }
  }

  // ---------------------------------------------------------------- the event

  if (ev.kind === 'start') return runFrom(definition.start);

  const current = steps.get(s.stepId);
  if (ev.kind === 'resume') {
    delete s.variables._paused;
    if (s.wait === 'input' && current && WAITING.has(current.type)) {
      await prompt(current as StepOf<'question' | 'tryon' | 'style'>, true);
      return s;
    }
    return runFrom(s.stepId);
  }
  if (s.wait !== 'input' || !current || !WAITING.has(current.type)) return s; // nothing waits (paused): the message is the agent's
  const waiting = current as StepOf<'question' | 'tryon' | 'style'>;
  if (ev.kind === 'timeout') {
    if (ev.waitSeq !== s.waitSeq) return s; // an earlier wait's timer
    s.wait = 'none';
    if (waiting.on_timeout === undefined) return end('expired', 'timeout');
    return runFrom(waiting.on_timeout);
  }

  const answer = ev.answer;
  s.variables.last_input = textOf(answer);
  const kind = waiting.type === 'question' ? waiting.input : { kind: 'image' as const };
  const offer = (s.variables._offer as { id: string; name: string }[] | undefined) ?? undefined;
  const parsed = parseAnswer(kind, answer, offer);
  if (!parsed.ok) {
    // Without a retry setting a question that has nowhere else to go asks twice more; other waits do not retry.
    const max = waiting.retry?.max ?? (waiting.type === 'question' && waiting.on_invalid === undefined ? 2 : 0);
    if (s.retries < max) {
      s.retries += 1;
      const msg = waiting.retry?.message ?? invalidMessage() ?? `Please answer with ${parsed.reason}.`;
      await env.send({ type: 'text', text: render(msg, scope()) }, `${waiting.id}#retry${s.retries}`);
      // The question again (buttons and lists are not kept on screen), with a new timer.
      await prompt(waiting, true);
      return s;
    }
    s.wait = 'none';
    const onInvalid = waiting.type === 'question' ? waiting.on_invalid : waiting.on_error;
    if (onInvalid === undefined) return end('failed', `${waiting.id}: no valid answer`, true);
    return runFrom(onInvalid);
  }
  s.wait = 'none';
  s.retries = 0;
  delete s.variables._offer;
  try {
    if (waiting.type === 'question') {
      if (waiting.save_as) s.variables[waiting.save_as] = parsed.value;
      const opt = parsed.optionId ? waiting.input.options?.find((o) => o.id === parsed.optionId) : undefined;
      return runFrom(opt && opt.next !== undefined ? opt.next : waiting.next);
    }
    const image = parsed.value as { key: string; content_type: string };
    if (waiting.type === 'tryon') {
      const productId = render(waiting.product, scope());
      const out = await env.tryon(productId, image, waiting.id);
      await env.send({ type: 'media', media: { kind: 'image', url: out.url, contentType: out.contentType, ...(waiting.caption ? { caption: render(waiting.caption, scope()) } : {}) } }, waiting.id);
      if (waiting.save_as) s.variables[waiting.save_as] = { url: out.url, product_id: productId };
      return runFrom(waiting.next);
    }
    const r = await env.style(image, waiting.products ?? 0, waiting.id);
    await env.send({ type: 'text', text: r.text }, waiting.id);
    if (r.products.length > 0) await env.send(productListContent('These suit you:', r.products, undefined, 'For you'), `${waiting.id}#products`);
    if (waiting.save_as) s.variables[waiting.save_as] = r.value;
    return runFrom(waiting.next);
  } catch (e) {
    if (!(e instanceof StepError) && !isExpected(e)) throw e;
    s.variables.error = (e as Error).message.slice(0, 300);
    if (waiting.type === 'question' || waiting.on_error === undefined) return end('failed', `${waiting.id}: ${(e as Error).message.slice(0, 200)}`, true);
    return runFrom(waiting.on_error);
  }
}

/** Errors a step may meet that the flow handles (`on_error`): the env marks them with `expected`. */
function isExpected(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { expected?: unknown }).expected === true;
}

function choiceContent(body: string, input: StepOf<'question'>['input']): OutboundContent {
  const options = input.options ?? [];
  if (options.length <= LIMITS.buttons) return { type: 'buttons', body, buttons: options.map((o) => ({ id: o.id, title: clip(o.label, LIMITS.buttonTitle) })) };
  return {
    type: 'list',
    body,
    button: clip(input.button ?? 'Options', LIMITS.listButton),
    sections: [{ rows: options.slice(0, LIMITS.rows).map((o) => ({ id: o.id, title: clip(o.label, LIMITS.rowTitle), ...(o.description ? { description: clip(o.description, LIMITS.rowDescription) } : {}) })) }],
  };
}

function productListContent(body: string, products: ProductInfo[], button?: string, header?: string): OutboundContent {
  return {
    type: 'list',
    body,
    ...(header ? { header: clip(header, LIMITS.headerText) } : {}),
    button: clip(button ?? 'Products', LIMITS.listButton),
    sections: [{ rows: products.slice(0, LIMITS.rows).map((p) => ({ id: p.id, title: clip(p.name, LIMITS.rowTitle), ...(p.price ? { description: clip(p.price, LIMITS.rowDescription) } : {}) })) }],
  };
}
