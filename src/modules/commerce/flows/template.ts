/**
 * `{{path}}` in a flow's texts: a session variable (`qty`), a dotted path into one (`pay.url`) or
 * into the built-in roots (`contact.name`, `bot.name`, `order.total`, `cart.count`). Unknown paths
 * render as the empty string; objects render as JSON. Also the lookups conditions use.
 */
export type Scope = Record<string, unknown>;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}/g;

/** The value at a dotted path (undefined when any part is missing). */
export function lookup(scope: Scope, path: string): unknown {
  let cur: unknown = scope;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function render(text: string, scope: Scope): string {
  return text.replace(PLACEHOLDER, (_m, path: string) => toText(lookup(scope, path)));
}

/** A template that is one placeholder alone keeps its value's type (`{{qty}}` → 3, not "3"). */
export function renderValue(v: unknown, scope: Scope): unknown {
  if (typeof v === 'string') {
    const whole = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}$/.exec(v);
    if (whole) return lookup(scope, whole[1]!);
    return render(v, scope);
  }
  if (Array.isArray(v)) return v.map((x) => renderValue(x, scope));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderValue(x, scope)]));
  return v;
}

/** Trim a label to WhatsApp's limit in code points (an ellipsis when cut). */
export function clip(s: string, max: number): string {
  const cps = [...s];
  return cps.length <= max ? s : `${cps.slice(0, max - 1).join('')}…`;
}

/** Keyword comparison: case, accents and surrounding spaces ignored. */
export function normalise(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .trim()
    .toLowerCase();
}

/** A flow's exit or restart keyword in a shopper's text, if it is one. */
export function keywordOf(settings: { exit_keywords?: string[] | undefined; restart_keywords?: string[] | undefined } | undefined, text: string): 'exit' | 'restart' | undefined {
  const t = normalise(text);
  if (settings?.exit_keywords?.some((k) => normalise(k) === t)) return 'exit';
  if (settings?.restart_keywords?.some((k) => normalise(k) === t)) return 'restart';
  return undefined;
}
