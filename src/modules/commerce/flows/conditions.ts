/** A decision step's conditions over the session's variables and the built-in roots. */
import type { TCondition } from '../../../../contracts/flows.js';
import { lookup, normalise, render, toText, type Scope } from './template.js';

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v.trim().replace(',', '.')))) return Number(v.trim().replace(',', '.'));
  return undefined;
};
const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

export function test(c: TCondition, scope: Scope): boolean {
  const left = lookup(scope, c.var);
  const right = typeof c.value === 'string' ? render(c.value, scope) : c.value;
  switch (c.op) {
    case 'is_set':
      return !isEmpty(left);
    case 'is_empty':
      return isEmpty(left);
    case 'equals':
    case 'not_equals': {
      const l = num(left);
      const r = num(right);
      const eq = l !== undefined && r !== undefined ? l === r : normalise(toText(left)) === normalise(toText(right));
      return c.op === 'equals' ? eq : !eq;
    }
    case 'contains':
    case 'not_contains': {
      const has = Array.isArray(left) ? left.some((x) => normalise(toText(x)) === normalise(toText(right))) : normalise(toText(left)).includes(normalise(toText(right)));
      return c.op === 'contains' ? has : !has;
    }
    case 'starts_with':
      return normalise(toText(left)).startsWith(normalise(toText(right)));
    case 'ends_with':
      return normalise(toText(left)).endsWith(normalise(toText(right)));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const l = num(left);
      const r = num(right);
      if (l === undefined || r === undefined) return false;
      return c.op === 'gt' ? l > r : c.op === 'gte' ? l >= r : c.op === 'lt' ? l < r : l <= r;
    }
    case 'matches': {
      try {
        // The validator refuses patterns that do not compile; the text is bounded (a message).
        return new RegExp(toText(c.value), 'iu').test(toText(left).slice(0, 4096));
      } catch {
        return false;
      }
    }
  }
}

export function holds(group: { all?: TCondition[] | undefined; any?: TCondition[] | undefined }, scope: Scope): boolean {
  if (group.all && !group.all.every((c) => test(c, scope))) return false;
  if (group.any && !group.any.some((c) => test(c, scope))) return false;
  return Boolean(group.all || group.any);
}
