/**
 * The flow DSL's validator (issue 23): every mistake in a definition, located by JSON pointer, so
 * the editor can underline it and publishing can refuse it. Pure and synchronous; it never throws,
 * whatever it is given. Passes, in order:
 *
 * 1. the shape (`SCHEMA`): the top level, then each step against its own type's schema (and a
 *    message against its own kind's), so an error names the field rather than an 8-way union; plus
 *    what a schema cannot say (a choice needs options, an action needs its arguments…);
 * 2. the graph: duplicate ids, edges to no step, steps `start` cannot reach, loops that never wait
 *    for the shopper;
 * 3. WhatsApp's limits (`LIMITS` of the channels), counted in code points, on the literal text of
 *    templates: placeholders that may make a field too long are a warning, not an error;
 * 4. regular expressions that do not compile, variables nothing defines (warnings), a timeout
 *    with nowhere to go, an API call over plain http (warnings).
 *
 * Compiled TypeBox validators (built once per schema, on first use) keep a 300-step flow at about
 * a millisecond; at most MAX_ERRORS errors are reported, then the validator stops.
 */
import Type, { type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  Condition,
  FlowDefinition,
  FlowMessageContent,
  MessageStep,
  QuestionStep,
  STEP_ID_PATTERN,
  STEP_SCHEMAS,
  STEP_TYPES,
  type StepType,
  type TFlowDefinition,
  type TFlowIssue,
  type TFlowStep,
} from '../../../../contracts/flows.js';
import { LIMITS } from '../channels/index.js';
import { WAITING_STEP_TYPES, cycleThrough, cyclicComponents, looseEdgesOf, reachableFrom } from './graph.js';

export { edgesOf, type FlowEdge } from './graph.js';

export type FlowValidation = { valid: boolean; errors: TFlowIssue[]; warnings: TFlowIssue[]; definition?: TFlowDefinition };

/** Errors reported before the validator stops (one more issue then says some were left out). */
export const MAX_ERRORS = 100;
const MAX_WARNINGS = 100;
/** Past this many steps (the schema allows 300) only the top level is checked. */
const HARD_STEP_CAP = 1000;
/** How long a `{{placeholder}}` is assumed to render when deciding whether to warn about a limit. */
const PLACEHOLDER_GUESS = 20;
// `error`: the message of the step whose on_error the flow took (engine.ts).
const BUILT_IN_ROOTS = new Set(['contact', 'bot', 'conversation', 'cart', 'order', 'last_input', 'flow', 'error']);
const WAIT_TIMEOUT_TYPES = new Set(['question', 'tryon', 'style']);

// ---------------------------------------------------------------- schemas

type Code = TFlowIssue['code'];
type SchemaError = { keyword: string; schemaPath: string; instancePath: string; params: object; message: string };
type Checker = { Check(value: unknown): boolean; Errors(value: unknown): SchemaError[] };

const checkers = new Map<TSchema, Checker>();
function checker(schema: TSchema): Checker {
  let c = checkers.get(schema);
  if (!c) checkers.set(schema, (c = Compile(schema) as unknown as Checker));
  return c;
}

const patternOf = (schema: unknown): string => (schema as { pattern?: string }).pattern ?? '';
const MAX_STEPS = (FlowDefinition.properties.steps as { maxItems?: number }).maxItems ?? 300;
const MAX_PATTERN = (QuestionStep.properties.input.properties.pattern as { maxLength?: number }).maxLength ?? 300;
const VAR_NAME = new RegExp(patternOf(QuestionStep.properties.save_as));
/** The top level, with each step left to its own schema. */
const TOP_LEVEL = Type.Object({ ...FlowDefinition.properties, steps: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_STEPS }) }, { additionalProperties: false });
const MESSAGE_BY_KIND = new Map<string, TSchema>(
  FlowMessageContent.anyOf.map((member) => [(member.properties.kind as { const: string }).const, Type.Object({ ...MessageStep.properties, content: member }, { additionalProperties: false })]),
);
const MESSAGE_ANY_CONTENT = Type.Object({ ...MessageStep.properties, content: Type.Unknown() }, { additionalProperties: false });
const PATTERN_WORDS = new Map([
  [STEP_ID_PATTERN, 'must be a step id: 1 to 64 letters, digits, _ or -'],
  [patternOf(QuestionStep.properties.save_as), 'must be a variable name: a letter or _, then up to 63 letters, digits or _'],
  [patternOf(Condition.properties.var), 'must be a variable path such as qty or order.id'],
]);

// ---------------------------------------------------------------- issues

class Full extends Error {}

class Issues {
  readonly errors: TFlowIssue[] = [];
  readonly warnings: TFlowIssue[] = [];
  error(code: Code, path: string, message: string, stepId?: string): void {
    if (this.errors.length >= MAX_ERRORS) {
      this.errors.push({ code: 'SCHEMA', path: '', message: `more errors were left out: only the first ${MAX_ERRORS} are reported` });
      throw new Full();
    }
    this.errors.push(issue(code, path, message, stepId));
  }
  warn(code: Code, path: string, message: string, stepId?: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(issue(code, path, message, stepId));
    else if (this.warnings.length === MAX_WARNINGS) this.warnings.push({ code, path: '', message: `more warnings were left out: only the first ${MAX_WARNINGS} are reported` });
  }
}
const issue = (code: Code, path: string, message: string, stepId?: string): TFlowIssue => (stepId === undefined ? { code, path, message } : { code, path, step_id: stepId, message });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const pointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
/** A value for a message: short, quoted. */
function quote(v: unknown): string {
  if (typeof v !== 'string') return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
}
const listOf = (words: readonly string[]) => (words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`);

/** TypeBox's errors as one issue per field: a union's noise folded into its one fitting branch, or into "must be a string or null". */
function schemaIssues(errors: SchemaError[]): { path: string; message: string; keyword: string }[] {
  const gone = new Set<SchemaError>();
  const words = new Map<SchemaError, string>();
  const list = errors.filter((e) => !(e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')));
  for (const union of list.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length)) {
    if (gone.has(union)) continue;
    const prefix = `${union.schemaPath}/anyOf/`;
    const branches = new Map<string, SchemaError[]>();
    for (const e of list) {
      if (e === union || gone.has(e) || !e.schemaPath.startsWith(prefix)) continue;
      const b = e.schemaPath.slice(prefix.length).split('/')[0] ?? '';
      branches.set(b, [...(branches.get(b) ?? []), e]);
    }
    const wrongType = (errs: SchemaError[]) => errs.some((e) => e.instancePath === union.instancePath && (e.keyword === 'type' || e.keyword === 'const'));
    const fitting = [...branches].filter(([, errs]) => !wrongType(errs));
    for (const [b, errs] of branches) if (fitting.length !== 1 || fitting[0]![0] !== b) errs.forEach((e) => gone.add(e));
    if (fitting.length === 1) gone.add(union);
    else {
      const kinds = [...branches.values()].flat().filter((e) => e.instancePath === union.instancePath && (e.keyword === 'type' || e.keyword === 'const'));
      const named = kinds.map((e) => (e.keyword === 'type' ? String((e.params as { type?: unknown }).type) : JSON.stringify((e.params as { allowedValue?: unknown }).allowedValue)));
      words.set(union, named.length ? `must be ${listOf([...new Set(named)].map((t) => (t === 'null' || t.startsWith('"') ? t : `a ${t}`)))}` : union.message);
    }
  }
  const out: { path: string; message: string; keyword: string }[] = [];
  for (const e of list) {
    if (gone.has(e)) continue;
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required' && Array.isArray(params.requiredProperties)) {
      for (const p of params.requiredProperties) out.push({ path: `${e.instancePath}/${pointer(String(p))}`, message: 'is required', keyword: e.keyword });
    } else if (e.keyword === 'additionalProperties' && Array.isArray(params.additionalProperties)) {
      for (const p of params.additionalProperties) out.push({ path: `${e.instancePath}/${pointer(String(p))}`, message: 'is not a field here', keyword: e.keyword });
    } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      out.push({ path: e.instancePath, message: `must be one of: ${params.allowedValues.join(', ')}`, keyword: e.keyword });
    } else if (e.keyword === 'pattern' && PATTERN_WORDS.has(String(params.pattern))) {
      out.push({ path: e.instancePath, message: PATTERN_WORDS.get(String(params.pattern))!, keyword: e.keyword });
    } else out.push({ path: e.instancePath, message: words.get(e) ?? e.message, keyword: e.keyword });
  }
  const seen = new Set<string>();
  return out.filter((i) => !seen.has(`${i.path}\n${i.message}`) && !!seen.add(`${i.path}\n${i.message}`));
}

// ---------------------------------------------------------------- steps

type StepAt = { index: number; path: string; id: string | undefined; type: StepType | undefined; raw: Record<string, unknown> | undefined; ok: boolean };

function isStepType(v: unknown): v is StepType {
  return typeof v === 'string' && (STEP_TYPES as readonly string[]).includes(v);
}

function checkStep(raw: unknown, index: number, issues: Issues): StepAt {
  const path = `/steps/${index}`;
  if (!isRecord(raw)) {
    issues.error('SCHEMA', path, 'a step is an object with an id and a type');
    return { index, path, id: undefined, type: undefined, raw: undefined, ok: false };
  }
  const id = typeof raw.id === 'string' ? raw.id : undefined;
  if (!isStepType(raw.type)) {
    const what = raw.type === undefined ? 'a step needs a type' : `unknown step type ${quote(raw.type)}`;
    issues.error('SCHEMA', `${path}/type`, `${what}: one of ${STEP_TYPES.join(', ')}`, id);
    return { index, path, id, type: undefined, raw, ok: false };
  }
  const type = raw.type;
  let schema: TSchema = STEP_SCHEMAS[type];
  let ok = true;
  if (type === 'message') {
    const content = raw.content;
    const kind = isRecord(content) ? content.kind : undefined;
    if (typeof kind === 'string' && MESSAGE_BY_KIND.has(kind)) schema = MESSAGE_BY_KIND.get(kind)!;
    else {
      schema = MESSAGE_ANY_CONTENT;
      const kinds = [...MESSAGE_BY_KIND.keys()].join(', ');
      if (isRecord(content)) issues.error('SCHEMA', `${path}/content/kind`, `${kind === undefined ? 'a message needs a kind' : `unknown message kind ${quote(kind)}`}: one of ${kinds}`, id);
      else if (content !== undefined) issues.error('SCHEMA', `${path}/content`, `must be an object with a kind: one of ${kinds}`, id);
      ok = content === undefined;
    }
  }
  const c = checker(schema);
  if (!c.Check(raw)) {
    ok = false;
    for (const e of schemaIssues(c.Errors(raw))) {
      // A text question's pattern too long is an INVALID_PATTERN (checkPatterns), not a SCHEMA error.
      if (type === 'question' && e.path === '/input/pattern' && e.keyword === 'maxLength') continue;
      issues.error('SCHEMA', `${path}${e.path}`, e.message, id);
    }
  }
  const at: StepAt = { index, path, id, type, raw, ok };
  checkRules(at, issues);
  checkPatterns(at, issues);
  return at;
}

/** The conditions of a decision step, wherever they are well enough formed to read. */
function conditionsOf(step: Record<string, unknown>, path: string): { cond: Record<string, unknown>; path: string }[] {
  const out: { cond: Record<string, unknown>; path: string }[] = [];
  if (!Array.isArray(step.branches)) return out;
  step.branches.forEach((b: unknown, i) => {
    if (!isRecord(b) || !isRecord(b.when)) return;
    for (const group of ['all', 'any'] as const) {
      const conds = b.when[group];
      if (Array.isArray(conds)) conds.forEach((cond: unknown, j) => isRecord(cond) && out.push({ cond, path: `${path}/branches/${i}/when/${group}/${j}` }));
    }
  });
  return out;
}

const REQUIRED_ARG: Partial<Record<string, string>> = { set: 'var', 'cart.add': 'product', 'cart.remove': 'product', assign: 'seller', tag: 'tag', jump: 'flow' };
const present = (v: unknown) => (typeof v === 'string' ? v.trim() !== '' : typeof v === 'number' || typeof v === 'boolean');

/** What the schema cannot say: a choice needs options, a branch conditions, an action its arguments. */
function checkRules(at: StepAt, issues: Issues): void {
  const step = at.raw!;
  const { path, id } = at;
  if (at.type === 'question' && isRecord(step.input)) {
    const options = step.input.options;
    if (step.input.kind === 'choice' && options === undefined) issues.error('SCHEMA', `${path}/input/options`, 'a choice question needs options (1 to 10)', id);
    if (Array.isArray(options)) {
      const ids = new Set<unknown>();
      options.forEach((o: unknown, i) => {
        if (!isRecord(o) || typeof o.id !== 'string') return;
        if (ids.has(o.id)) issues.error('SCHEMA', `${path}/input/options/${i}/id`, `option id ${quote(o.id)} is used twice`, id);
        ids.add(o.id);
      });
    }
  }
  if (at.type === 'decision') {
    if (Array.isArray(step.branches)) {
      step.branches.forEach((b: unknown, i) => {
        if (isRecord(b) && isRecord(b.when) && b.when.all === undefined && b.when.any === undefined) issues.error('SCHEMA', `${path}/branches/${i}/when`, 'a branch needs conditions: all, any or both', id);
      });
    }
    for (const { cond, path: p } of conditionsOf(step, path)) {
      if (typeof cond.op === 'string' && cond.op !== 'is_set' && cond.op !== 'is_empty' && cond.value === undefined) issues.error('SCHEMA', `${p}/value`, `${cond.op} needs a value to compare with`, id);
    }
  }
  if (at.type === 'action' && typeof step.action === 'string') {
    const args = isRecord(step.args) ? step.args : {};
    const needed = REQUIRED_ARG[step.action];
    if (needed !== undefined && !present(args[needed])) issues.error('SCHEMA', `${path}/args/${needed}`, `${step.action} needs args.${needed}`, id);
    else if (step.action === 'set' && !VAR_NAME.test(String(args.var))) issues.error('SCHEMA', `${path}/args/var`, 'must be a variable name: a letter or _, then up to 63 letters, digits or _', id);
    if (step.action === 'opt_out' && args.category !== 'marketing' && args.category !== 'all') issues.error('SCHEMA', `${path}/args/category`, 'opt_out needs args.category: marketing or all', id);
  }
}

/** `matches` values and text patterns: they must compile, within the length limit; nested quantifiers are a warning. */
function checkPatterns(at: StepAt, issues: Issues): void {
  const step = at.raw!;
  const found: { pattern: string; path: string }[] = [];
  if (at.type === 'question' && isRecord(step.input) && typeof step.input.pattern === 'string') found.push({ pattern: step.input.pattern, path: `${at.path}/input/pattern` });
  if (at.type === 'decision') {
    for (const { cond, path } of conditionsOf(step, at.path)) {
      if (cond.op === 'matches' && cond.value !== undefined && cond.value !== null && typeof cond.value !== 'object') found.push({ pattern: String(cond.value), path: `${path}/value` });
    }
  }
  for (const { pattern, path } of found) {
    if (pattern.length > MAX_PATTERN) {
      issues.error('INVALID_PATTERN', path, `a pattern is at most ${MAX_PATTERN} characters (has ${pattern.length})`, at.id);
      continue;
    }
    try {
      new RegExp(pattern);
    } catch (e) {
      issues.error('INVALID_PATTERN', path, `not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`, at.id);
      continue;
    }
    if (hasNestedQuantifier(pattern)) issues.warn('INVALID_PATTERN', path, 'a repeated group that itself repeats (like (a+)+) can take exponential time on some answers', at.id);
  }
}

/** Whether a group containing an unbounded quantifier (+, *, {n,}) is itself followed by one. */
function hasNestedQuantifier(p: string): boolean {
  const groups: boolean[] = [];
  let inClass = false;
  let closedRepeating = false;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') {
      i++;
      closedRepeating = false;
    } else if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '[') {
      inClass = true;
      closedRepeating = false;
    } else if (ch === '+' || ch === '*' || (ch === '{' && /^\{\d+,\}/.test(p.slice(i, i + 12)))) {
      if (closedRepeating) return true;
      if (groups.length > 0) groups[groups.length - 1] = true;
    } else if (ch === '(') {
      groups.push(false);
      closedRepeating = false;
    } else if (ch === ')') {
      closedRepeating = groups.pop() ?? false;
      if (closedRepeating && groups.length > 0) groups[groups.length - 1] = true;
    } else if (ch !== '?') closedRepeating = false;
  }
  return false;
}

// ---------------------------------------------------------------- graph

function checkGraph(def: Record<string, unknown>, steps: StepAt[], issues: Issues): void {
  const ids = new Map<string, number>();
  for (const at of steps) {
    if (at.id === undefined) continue;
    const first = ids.get(at.id);
    if (first === undefined) ids.set(at.id, at.index);
    else issues.error('DUPLICATE_STEP_ID', `${at.path}/id`, `step id ${quote(at.id)} is already the id of /steps/${first}`, at.id);
  }
  const isNode = (at: StepAt | undefined): at is StepAt & { id: string } => at?.id !== undefined && ids.get(at.id) === at.index;
  const succ: number[][] = steps.map(() => []);
  for (const at of steps) {
    for (const edge of looseEdgesOf(at.raw)) {
      if (edge.to === null) continue;
      const to = ids.get(edge.to);
      if (to === undefined) issues.error('UNKNOWN_STEP', `${at.path}${edge.path}`, `${edge.path.startsWith('/input/options/') ? `option ${quote(edge.label)}` : edge.label} goes to ${quote(edge.to)}, which is no step of this flow`, at.id);
      else if (isNode(at)) succ[at.index]!.push(to);
    }
  }
  const start = def.start;
  if (typeof start === 'string') {
    const from = ids.get(start);
    if (from === undefined) issues.error('UNKNOWN_STEP', '/start', `start is ${quote(start)}, which is no step of this flow`);
    else {
      const reached = reachableFrom(from, succ);
      for (const at of steps) if (isNode(at) && !reached[at.index]) issues.error('UNREACHABLE_STEP', at.path, `step ${quote(at.id)} cannot be reached from start (${quote(start)})`, at.id);
    }
  }
  const loops = cyclicComponents(succ, (i) => isNode(steps[i]) && !WAITING_STEP_TYPES.has(steps[i]!.type ?? ''));
  for (const members of loops.sort((a, b) => a[0]! - b[0]!)) {
    const first = steps[members[0]!]!;
    const cycle = cycleThrough(first.index, new Set(members), succ);
    const others = members.filter((m) => !cycle.includes(m));
    const names = (list: number[]) => list.map((i) => steps[i]!.id).join(' → ');
    const more = others.length > 0 ? ` (and ${others.length} more step(s) loop with them: ${others.map((i) => steps[i]!.id).join(', ')})` : '';
    issues.error('LOOP_WITHOUT_WAIT', first.path, `these steps loop without ever waiting for the shopper: ${names(cycle)}${more}; put a question in the loop or give it a way out`, first.id);
  }
}

// ---------------------------------------------------------------- WhatsApp's limits

/** Characters as WhatsApp counts them: Unicode code points. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

function limitsOf(step: TFlowStep, at: StepAt, issues: Issues): void {
  const { path: base, id } = at;
  const max = (path: string, value: string | undefined, limit: number, what: string) => {
    if (value === undefined) return;
    const k = value.includes('{{') ? (value.match(PLACEHOLDER)?.length ?? 0) : 0;
    if (k === 0 && value.length <= limit) return; // code points never outnumber UTF-16 units
    const n = codePoints(k > 0 ? value.replace(PLACEHOLDER, '') : value);
    if (n > limit) issues.error('WHATSAPP_LIMIT', `${base}${path}`, `${what} is at most ${limit} characters; it has ${n}${k > 0 ? ' without its placeholders' : ''}`, id);
    else if (k > 0 && n + k * PLACEHOLDER_GUESS > limit) issues.warn('WHATSAPP_LIMIT', `${base}${path}`, `${what} is at most ${limit} characters; it has ${n} without its placeholders, which may make it longer`, id);
  };
  const count = (path: string, n: number, limit: number, what: string, hint = '') => {
    if (n > limit) issues.error('WHATSAPP_LIMIT', `${base}${path}`, `WhatsApp allows at most ${limit} ${what} (has ${n})${hint}`, id);
  };
  const unique = (path: (i: number) => string, ids: string[], what: string) => {
    const seen = new Set<string>();
    ids.forEach((x, i) => (seen.has(x) ? issues.error('WHATSAPP_LIMIT', `${base}${path(i)}`, `${what} ids must be unique (${quote(x)} is used twice)`, id) : seen.add(x)));
  };
  switch (step.type) {
    case 'message': {
      const c = step.content;
      switch (c.kind) {
        case 'text':
          max('/content/text', c.text, LIMITS.textBody, 'a text message');
          break;
        case 'media':
          max('/content/caption', c.caption, LIMITS.caption, 'a caption');
          if (c.caption !== undefined && c.media_kind === 'audio') issues.error('WHATSAPP_LIMIT', `${base}/content/caption`, 'an audio message cannot have a caption', id);
          break;
        case 'buttons':
          count('/content/buttons', c.buttons.length, LIMITS.buttons, 'reply buttons', '; use a list for more');
          c.buttons.forEach((b, i) => max(`/content/buttons/${i}/title`, b.title, LIMITS.buttonTitle, 'a reply button title'));
          unique((i) => `/content/buttons/${i}/id`, c.buttons.map((b) => b.id), 'button');
          max('/content/body', c.body, LIMITS.interactiveBody, 'the body');
          max('/content/header', c.header, LIMITS.headerText, 'a header');
          max('/content/footer', c.footer, LIMITS.footer, 'a footer');
          break;
        case 'list': {
          count('/content/sections', c.sections.length, LIMITS.sections, 'sections in a list');
          count('/content/sections', c.sections.reduce((n, s) => n + s.rows.length, 0), LIMITS.rows, 'rows in a list (all sections together)');
          c.sections.forEach((s, i) => {
            if (c.sections.length > 1 && s.title === undefined) issues.error('WHATSAPP_LIMIT', `${base}/content/sections/${i}/title`, 'a list with several sections needs a title for each', id);
            max(`/content/sections/${i}/title`, s.title, LIMITS.sectionTitle, 'a section title');
            s.rows.forEach((r, j) => {
              max(`/content/sections/${i}/rows/${j}/title`, r.title, LIMITS.rowTitle, 'a list row title');
              max(`/content/sections/${i}/rows/${j}/description`, r.description, LIMITS.rowDescription, 'a list row description');
            });
          });
          const rows = c.sections.flatMap((s, i) => s.rows.map((r, j) => ({ id: r.id, path: `/content/sections/${i}/rows/${j}/id` })));
          unique((i) => rows[i]!.path, rows.map((r) => r.id), 'row');
          max('/content/button', c.button, LIMITS.listButton, 'the list button');
          max('/content/body', c.body, LIMITS.listBody, 'the body');
          max('/content/header', c.header, LIMITS.headerText, 'a header');
          max('/content/footer', c.footer, LIMITS.footer, 'a footer');
          break;
        }
        case 'product':
          max('/content/body', c.body, LIMITS.interactiveBody, 'the body');
          break;
        case 'product_list':
          count('/content/products', c.products?.length ?? 0, LIMITS.products, 'products in a product list');
          max('/content/header', c.header, LIMITS.headerText, 'a header');
          max('/content/body', c.body, LIMITS.interactiveBody, 'the body');
          break;
        case 'link':
          max('/content/label', c.label, LIMITS.ctaDisplayText, 'a link button label');
          max('/content/body', c.body, LIMITS.interactiveBody, 'the body');
          break;
      }
      break;
    }
    case 'question': {
      const options = step.input.kind === 'choice' ? (step.input.options ?? []) : [];
      const asList = options.length > LIMITS.buttons;
      options.forEach((o, i) => {
        if (asList) {
          max(`/input/options/${i}/label`, o.label, LIMITS.rowTitle, 'an option label (4 options or more: a list row title)');
          max(`/input/options/${i}/description`, o.description, LIMITS.rowDescription, 'an option description (a list row description)');
        } else max(`/input/options/${i}/label`, o.label, LIMITS.buttonTitle, `an option label (${LIMITS.buttons} options or fewer: a reply button title)`);
      });
      if (asList || step.input.kind === 'product') max('/input/button', step.input.button, LIMITS.listButton, 'the list button');
      const body = options.length === 0 ? LIMITS.textBody : asList ? LIMITS.listBody : LIMITS.interactiveBody;
      max('/prompt', step.prompt, body, 'the prompt');
      max('/retry/message', step.retry?.message, LIMITS.textBody, 'a retry message');
      break;
    }
    case 'tryon':
      max('/prompt', step.prompt, LIMITS.textBody, 'the prompt');
      max('/caption', step.caption, LIMITS.caption, 'a caption');
      max('/retry/message', step.retry?.message, LIMITS.textBody, 'a retry message');
      break;
    case 'style':
      max('/prompt', step.prompt, LIMITS.textBody, 'the prompt');
      max('/retry/message', step.retry?.message, LIMITS.textBody, 'a retry message');
      break;
    case 'end':
      max('/message', step.message, LIMITS.textBody, 'a text message');
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- variables and warnings

/** Every string of a JSON value with its pointer, skipping the keys given; bounded in depth and size. */
function walkStrings(value: unknown, path: string, out: [string, string][], skip: ReadonlySet<string> = new Set()): void {
  const stack: [unknown, string, number][] = [[value, path, 0]];
  let budget = 10_000;
  while (stack.length > 0 && budget-- > 0) {
    const [v, p, depth] = stack.pop()!;
    if (typeof v === 'string') out.push([p, v]);
    else if (depth >= 32) continue;
    else if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${p}/${i}`, depth + 1]));
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (!skip.has(k)) stack.push([x, `${p}/${pointer(k)}`, depth + 1]);
  }
}

const CONTENT_NOT_TEMPLATES = new Set(['kind', 'media_kind', 'id']);

/** The template fields of a valid step (what `{{…}}` is rendered in), with their pointers. */
function templatesOf(step: TFlowStep, base: string): [string, string][] {
  const out: [string, string][] = [];
  const add = (path: string, v: string | undefined) => v !== undefined && out.push([`${base}${path}`, v]);
  switch (step.type) {
    case 'message':
      walkStrings(step.content, `${base}/content`, out, CONTENT_NOT_TEMPLATES);
      break;
    case 'question':
      add('/prompt', step.prompt);
      add('/retry/message', step.retry?.message);
      add('/input/button', step.input.button);
      step.input.options?.forEach((o, i) => (add(`/input/options/${i}/label`, o.label), add(`/input/options/${i}/description`, o.description)));
      break;
    case 'decision':
      step.branches.forEach((b, i) =>
        (['all', 'any'] as const).forEach((g) => b.when[g]?.forEach((c, j) => c.op !== 'matches' && typeof c.value === 'string' && add(`/branches/${i}/when/${g}/${j}/value`, c.value))),
      );
      break;
    case 'action':
      for (const [k, v] of Object.entries(step.args ?? {})) if (k !== 'var' && typeof v === 'string') add(`/args/${k}`, v);
      break;
    case 'api_call':
      add('/request/url', step.request.url);
      walkStrings(step.request.headers, `${base}/request/headers`, out);
      walkStrings(step.request.body, `${base}/request/body`, out);
      break;
    case 'tryon':
      add('/product', step.product);
      add('/prompt', step.prompt);
      add('/caption', step.caption);
      add('/retry/message', step.retry?.message);
      break;
    case 'style':
      add('/prompt', step.prompt);
      add('/retry/message', step.retry?.message);
      break;
    case 'end':
      add('/message', step.message);
      break;
  }
  return out;
}

/** The variables something defines: declared, saved by a step (`save_as`), or set by a `set` action. */
function definedVariables(def: Record<string, unknown>, steps: StepAt[]): Set<string> {
  const known = new Set(BUILT_IN_ROOTS);
  if (Array.isArray(def.variables)) for (const v of def.variables) if (isRecord(v) && typeof v.name === 'string') known.add(v.name);
  for (const { raw } of steps) {
    if (typeof raw?.save_as === 'string') known.add(raw.save_as);
    if (raw?.type === 'action' && raw.action === 'set' && isRecord(raw.args) && typeof raw.args.var === 'string') known.add(raw.args.var);
  }
  return known;
}

function checkVariables(fields: [string, string][], known: ReadonlySet<string>, issues: Issues, stepId?: string): void {
  for (const [path, text] of fields) {
    if (!text.includes('{{')) continue;
    const reported = new Set<string>();
    for (const m of text.matchAll(PLACEHOLDER)) {
      const name = (m[1] ?? '').trim();
      const root = name.split('.')[0]!;
      if (known.has(root) || reported.has(root)) continue;
      reported.add(root);
      issues.warn('UNKNOWN_VARIABLE', path, `{{${name.length > 60 ? `${name.slice(0, 60)}…` : name}}}: ${root} is not declared in variables, saved by a step or built in (${[...BUILT_IN_ROOTS].join(', ')}); it renders as empty`, stepId);
    }
  }
}

function warningsOf(step: TFlowStep, at: StepAt, known: ReadonlySet<string>, issues: Issues): void {
  if (WAIT_TIMEOUT_TYPES.has(step.type) && 'timeout_seconds' in step && step.timeout_seconds !== undefined && step.on_timeout === undefined) {
    issues.warn('SCHEMA', `${at.path}/timeout_seconds`, 'there is no on_timeout: when the shopper does not answer in time, the session ends and the conversation goes to the inbox', at.id);
  }
  if (step.type === 'api_call') {
    const url = step.request.url.trim();
    if (/^http:\/\//i.test(url)) issues.warn('SCHEMA', `${at.path}/request/url`, 'a plain http URL: the request and its answer travel unencrypted; use https', at.id);
    else if (!/^https:\/\//i.test(url) && !url.startsWith('{{')) issues.error('SCHEMA', `${at.path}/request/url`, 'must be an https URL (or start with a {{variable}} holding one)', at.id);
  }
  if (step.type === 'decision') {
    step.branches.forEach((b, i) =>
      (['all', 'any'] as const).forEach((g) =>
        b.when[g]?.forEach((c, j) => {
          const root = c.var.split('.')[0]!;
          if (!known.has(root)) issues.warn('UNKNOWN_VARIABLE', `${at.path}/branches/${i}/when/${g}/${j}/var`, `${root} is not declared in variables, saved by a step or built in; the condition sees it as not set`, at.id);
        }),
      ),
    );
  }
}

// ---------------------------------------------------------------- entry

function check(def: unknown, issues: Issues): void {
  if (!isRecord(def)) {
    issues.error('SCHEMA', '', 'a flow definition is a JSON object with start and steps');
    return;
  }
  const top = checker(TOP_LEVEL);
  if (!top.Check(def)) for (const e of schemaIssues(top.Errors(def))) issues.error('SCHEMA', e.path, e.message);
  if (!Array.isArray(def.steps) || def.steps.length > HARD_STEP_CAP) return;
  const steps = Array.from(def.steps as unknown[], (s, i) => checkStep(s, i, issues)); // holes read as undefined
  checkGraph(def, steps, issues);
  const known = definedVariables(def, steps);
  for (const at of steps) {
    if (!at.ok) continue;
    const step = at.raw as TFlowStep;
    limitsOf(step, at, issues);
    warningsOf(step, at, known, issues);
    checkVariables(templatesOf(step, at.path), known, issues, at.id);
  }
  const settings = def.settings;
  if (isRecord(settings) && typeof settings.invalid_message === 'string') checkVariables([['/settings/invalid_message', settings.invalid_message]], known, issues);
}

/**
 * Checks a flow definition: `errors` refuse it (publishing needs none), `warnings` are worth a
 * look. `definition` is the input, typed, when there are no errors. Never throws.
 */
export function validateFlow(def: unknown): FlowValidation {
  const issues = new Issues();
  try {
    check(def, issues);
  } catch (e) {
    if (!(e instanceof Full)) issues.errors.push({ code: 'SCHEMA', path: '', message: `the definition could not be checked (${e instanceof Error ? e.message : 'unknown failure'})` });
  }
  const valid = issues.errors.length === 0;
  return valid ? { valid, errors: [], warnings: issues.warnings, definition: def as TFlowDefinition } : { valid, errors: issues.errors, warnings: issues.warnings };
}
