/** Periods (24h, 7d, 30d, custom) → aligned UTC buckets of an hour or a day. */
import { AppError } from '../../platform/errors.js';
import type { TSeriesQuery } from '../../../contracts/analytics.js';
import { HOUR } from './rollup.js';

export type Granularity = 'hour' | 'day';
export type Range = { from: number; to: number; granularity: Granularity; step: number };

const DAY = 24 * HOUR;
const PERIODS = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;
/** Longest custom range (about 13 months) and most points a series may have. */
export const MAX_RANGE_MS = 400 * DAY;
export const MAX_POINTS = 24 * 93;

const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;

export function resolveRange(q: TSeriesQuery, now: number): Range {
  const period = q.period ?? (q.from ? 'custom' : '24h');
  if (period === 'custom') {
    if (!q.from) throw new AppError('VALIDATION_FAILED', 'A custom period needs `from` (and optionally `to`).');
    const from = Date.parse(q.from);
    const to = q.to ? Date.parse(q.to) : now;
    if (!(to > from)) throw new AppError('VALIDATION_FAILED', '`to` must be after `from`.');
    if (to - from > MAX_RANGE_MS) throw new AppError('VALIDATION_FAILED', 'A custom period spans at most 400 days.');
    const granularity = q.granularity ?? (to - from <= 3 * DAY ? 'hour' : 'day');
    const step = granularity === 'hour' ? HOUR : DAY;
    const r = { from: floorTo(from, step), to: ceilTo(to, step), granularity, step };
    if ((r.to - r.from) / step > MAX_POINTS) throw new AppError('VALIDATION_FAILED', `At most ${MAX_POINTS} points: choose granularity=day for long periods.`);
    return r;
  }
  if (q.from || q.to) throw new AppError('VALIDATION_FAILED', '`from` and `to` go with period=custom.');
  const span = PERIODS[period];
  const granularity = q.granularity ?? (period === '24h' ? 'hour' : 'day');
  const step = granularity === 'hour' ? HOUR : DAY;
  // The last bucket is the current hour/day; the range covers `span` of whole buckets.
  const to = floorTo(now, step) + step;
  return { from: to - Math.max(step, ceilTo(span, step)), to, granularity, step };
}

export function bucketStarts(r: Range): number[] {
  const out: number[] = [];
  for (let t = r.from; t < r.to; t += r.step) out.push(t);
  return out;
}

export const presentRange = (r: Range) => ({ from: new Date(r.from).toISOString(), to: new Date(r.to).toISOString(), granularity: r.granularity });
