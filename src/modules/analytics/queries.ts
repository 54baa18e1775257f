/**
 * Read side: everything is summed in SQL from the hourly rollups (plus the live hours, see
 * rollup.ts) into the requested buckets; JavaScript only shapes the few rows that come back.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { DAY, aggregateTryons, floorDay, liveFrom } from './rollup.js';
import { bucketStarts, presentRange, type Range } from './range.js';
import { percentile } from './percentiles.js';
import { FUNNEL_EVENT_TYPES, FUNNEL_STEPS, PLATFORM } from './tables.js';

type Row = { b: number; metric: string; dim: string; n: number; total: number };
type Rows<T> = { rows: T[] };
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * Sums of (metric, dim) per bucket for one tenant or the whole platform (`tenantId` null).
 * Day buckets read whole days from `analytics_daily` (platform-wide: the PLATFORM rows, ≈30 rows
 * per (metric, dim) for 30 days whatever the number of tenants), the hourly rows for any part day
 * at either end, and try-on figures from the live boundary on straight from the raw tables.
 */
async function buckets(db: Db, tenantId: string | null, r: Range, metrics: string[], opts: { byTenant?: boolean } = {}): Promise<(Row & { tenant_id?: string })[]> {
  const hourlyTenant = tenantId ? sql`tenant_id = ${tenantId} and ` : sql``;
  const dailyTenant = tenantId ? sql`tenant_id = ${tenantId} and ` : opts.byTenant ? sql`tenant_id <> ${PLATFORM} and ` : sql`tenant_id = ${PLATFORM} and `;
  const list = sql.join(metrics.map((m) => sql`${m}`), sql`, `);
  // Events are counted into both rollups on arrival (exact up to now); try-on figures are final in
  // the rollups only before the live boundary.
  const needsLive = metrics.some((m) => m !== 'event');
  const boundary = needsLive ? Math.min(r.to, Math.max(r.from, await liveFrom(db))) : r.to;
  const hourly = (from: number, to: number) =>
    sql`select tenant_id, hour, metric, dim, n, total from analytics_hourly
      where ${hourlyTenant}metric in (${list}) and hour >= ${new Date(from)} and hour < ${new Date(to)}`;
  const parts: SQL[] = [];
  const dFrom = Math.ceil(r.from / DAY) * DAY;
  const dTo = floorDay(boundary);
  if (r.granularity === 'day' && dTo > dFrom) {
    parts.push(sql`select tenant_id, day as hour, metric, dim, n, total from analytics_daily
      where ${dailyTenant}metric in (${list}) and day >= ${new Date(dFrom)} and day < ${new Date(dTo)}`);
    if (r.from < dFrom) parts.push(hourly(r.from, dFrom));
    if (dTo < boundary) parts.push(hourly(dTo, boundary));
  } else if (r.from < boundary) parts.push(hourly(r.from, boundary));
  if (boundary < r.to) {
    parts.push(sql`select tenant_id, hour, metric, dim, n, total from (${aggregateTryons(new Date(boundary), tenantId)}) live
      where metric in (${list}) and hour >= ${new Date(boundary)} and hour < ${new Date(r.to)}`);
  }
  if (parts.length === 0) return [];
  const source = sql.join(parts, sql` union all `);
  const byTenant = opts.byTenant ? sql`tenant_id, ` : sql``;
  const res = (await db.execute(sql`
    select ${byTenant}(extract(epoch from date_trunc(${r.granularity}, hour, 'UTC')) * 1000)::float8 as b, metric, dim,
      sum(n)::float8 as n, sum(total)::float8 as total
    from (${source}) x group by ${opts.byTenant ? sql`1, 2, 3, 4` : sql`1, 2, 3`}`)) as unknown as Rows<Row & { tenant_id?: string }>;
  return res.rows.map((x) => ({ ...x, b: Number(x.b), n: Number(x.n), total: Number(x.total) }));
}

type TryonAcc = { tryons: number; succeeded: number; failed: number; canceled: number; pending: number; cached: number; cost: number; hist: Map<number, number> };
const emptyAcc = (): TryonAcc => ({ tryons: 0, succeeded: 0, failed: 0, canceled: 0, pending: 0, cached: 0, cost: 0, hist: new Map() });

function addTryonRow(acc: TryonAcc, row: Row) {
  if (row.metric === 'tryon') {
    acc.tryons += row.n;
    acc.cost += row.total;
    if (row.dim === 'succeeded') acc.succeeded += row.n;
    else if (row.dim === 'failed') acc.failed += row.n;
    else if (row.dim === 'canceled') acc.canceled += row.n;
    else acc.pending += row.n;
  } else if (row.metric === 'tryon_cached') acc.cached += row.n;
  else if (row.metric === 'tryon_latency') {
    const b = Number(row.dim);
    acc.hist.set(b, (acc.hist.get(b) ?? 0) + row.n);
  }
}

const figures = (a: TryonAcc) => ({
  tryons: a.tryons,
  succeeded: a.succeeded,
  failed: a.failed,
  cached: a.cached,
  success_rate: ratio(a.succeeded, a.succeeded + a.failed),
  cache_hit_ratio: ratio(a.cached, a.tryons),
  p50_ms: percentile(a.hist, 0.5),
  p95_ms: percentile(a.hist, 0.95),
  cost_usd: round6(a.cost),
});

export async function tryonSeries(db: Db, tenantId: string | null, r: Range) {
  const rows = await buckets(db, tenantId, r, ['tryon', 'tryon_cached', 'tryon_latency']);
  const per = new Map<number, TryonAcc>();
  const all = emptyAcc();
  for (const row of rows) {
    let acc = per.get(row.b);
    if (!acc) per.set(row.b, (acc = emptyAcc()));
    addTryonRow(acc, row);
    addTryonRow(all, row);
  }
  return {
    object: 'tryon_series' as const,
    tenant_id: tenantId,
    range: presentRange(r),
    summary: { ...figures(all), canceled: all.canceled, in_progress: all.pending },
    points: bucketStarts(r).map((t) => ({ t: new Date(t).toISOString(), ...figures(per.get(t) ?? emptyAcc()) })),
  };
}

export async function eventSeries(db: Db, tenantId: string | null, r: Range) {
  const rows = await buckets(db, tenantId, r, ['event']);
  const zero = () => Object.fromEntries(FUNNEL_EVENT_TYPES.map((t) => [t, 0])) as Record<string, number>;
  const per = new Map<number, Record<string, number>>();
  const totals = zero();
  for (const row of rows) {
    let c = per.get(row.b);
    if (!c) per.set(row.b, (c = zero()));
    c[row.dim] = (c[row.dim] ?? 0) + row.n;
    totals[row.dim] = (totals[row.dim] ?? 0) + row.n;
  }
  return {
    object: 'event_series' as const,
    tenant_id: tenantId,
    range: presentRange(r),
    totals,
    points: bucketStarts(r).map((t) => ({ t: new Date(t).toISOString(), counts: per.get(t) ?? zero() })),
  };
}

/**
 * The conversion funnel: per step, the unique shopper sessions that reached it in the period
 * (`sessions`, counted distinct over the period from `analytics_funnel_sessions`) and the raw
 * event count (`events`); conversions are between session counts.
 */
export async function funnel(db: Db, tenantId: string | null, r: Range) {
  const tenant = tenantId ? sql`tenant_id = ${tenantId} and ` : sql``;
  const steps = sql.join(FUNNEL_STEPS.map((s) => sql`${s}`), sql`, `);
  const [{ totals }, uniq] = await Promise.all([
    eventSeries(db, tenantId, r),
    db.execute(sql`
      select step, count(distinct ${tenantId ? sql`session` : sql`(tenant_id, session)`})::float8 as n from analytics_funnel_sessions
      where ${tenant}step in (${steps}) and hour >= ${new Date(r.from)} and hour < ${new Date(r.to)} group by step`) as unknown as Promise<Rows<{ step: string; n: number }>>,
  ]);
  const sessions = new Map(uniq.rows.map((x) => [x.step, Number(x.n)]));
  const first = sessions.get(FUNNEL_STEPS[0]) ?? 0;
  let prev: number | null = null;
  const out = FUNNEL_STEPS.map((type) => {
    const n = sessions.get(type) ?? 0;
    const step = { type, sessions: n, events: totals[type] ?? 0, conversion_from_previous: prev === null ? null : ratio(n, prev), conversion_from_start: ratio(n, first) };
    prev = n;
    return step;
  });
  return { object: 'funnel' as const, tenant_id: tenantId, range: presentRange(r), steps: out };
}

export async function topProducts(db: Db, tenantId: string | null, r: Range, limit: number) {
  const rows = await buckets(db, tenantId, { ...r, granularity: 'day' }, ['product']);
  const sums = new Map<string, number>();
  for (const row of rows) sums.set(row.dim, (sums.get(row.dim) ?? 0) + row.n);
  const data = [...sums.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([product_id, tryons]) => ({ product_id, tryons }));
  return { object: 'top_products' as const, range: presentRange(r), data };
}

export type ProviderInfo = { name: string; breaker: 'closed' | 'open' | 'half-open' | 'unknown' };

export async function providerStats(db: Db, tenantId: string | null, r: Range, known: ProviderInfo[]) {
  const rows = await buckets(db, tenantId, { ...r, granularity: 'day' }, ['attempt', 'attempt_latency']);
  type Acc = { attempts: number; succeeded: number; failed: number; cost: number; hist: Map<number, number>; days: Map<number, { cost: number; attempts: number }> };
  const by = new Map<string, Acc>();
  const accOf = (p: string) => {
    let a = by.get(p);
    if (!a) by.set(p, (a = { attempts: 0, succeeded: 0, failed: 0, cost: 0, hist: new Map(), days: new Map() }));
    return a;
  };
  for (const k of known) accOf(k.name);
  for (const row of rows) {
    const cut = row.dim.lastIndexOf('|');
    const provider = row.dim.slice(0, cut);
    const rest = row.dim.slice(cut + 1);
    const a = accOf(provider);
    if (row.metric === 'attempt') {
      a.attempts += row.n;
      a.cost += row.total;
      if (rest === 'succeeded') a.succeeded += row.n;
      else if (rest === 'failed') a.failed += row.n;
      const d = a.days.get(row.b) ?? { cost: 0, attempts: 0 };
      d.cost += row.total;
      d.attempts += row.n;
      a.days.set(row.b, d);
    } else {
      const b = Number(rest);
      a.hist.set(b, (a.hist.get(b) ?? 0) + row.n);
    }
  }
  const days = bucketStarts({ ...r, granularity: 'day', step: 24 * 3600_000, from: Math.floor(r.from / 86400_000) * 86400_000 });
  const data = [...by.entries()]
    .map(([provider, a]) => {
      const breaker = known.find((k) => k.name === provider)?.breaker ?? 'unknown';
      const errorRate = ratio(a.failed, a.succeeded + a.failed);
      return {
        provider,
        attempts: a.attempts,
        succeeded: a.succeeded,
        failed: a.failed,
        error_rate: errorRate,
        p50_ms: percentile(a.hist, 0.5),
        p95_ms: percentile(a.hist, 0.95),
        cost_usd: round6(a.cost),
        cost_per_day: days.map((d) => ({ day: new Date(d).toISOString().slice(0, 10), cost_usd: round6(a.days.get(d)?.cost ?? 0), attempts: a.days.get(d)?.attempts ?? 0 })),
        breaker,
        healthy: breaker !== 'open' && (errorRate === null || errorRate < 0.5),
      };
    })
    .sort((x, y) => y.attempts - x.attempts || x.provider.localeCompare(y.provider));
  return { object: 'providers' as const, range: presentRange(r), data };
}

/** Operator overview: try-on figures per tenant for the period, busiest first. */
export async function tenantBreakdown(db: Db, r: Range) {
  const rows = await buckets(db, null, { ...r, granularity: 'day' }, ['tryon', 'tryon_cached'], { byTenant: true });
  const by = new Map<string, TryonAcc>();
  for (const row of rows) {
    const id = row.tenant_id!;
    let acc = by.get(id);
    if (!acc) by.set(id, (acc = emptyAcc()));
    addTryonRow(acc, row);
  }
  const data = [...by.entries()]
    .map(([tenant_id, a]) => {
      const f = figures(a);
      return { tenant_id, tryons: f.tryons, succeeded: f.succeeded, failed: f.failed, cached: f.cached, success_rate: f.success_rate, cost_usd: f.cost_usd };
    })
    .sort((x, y) => y.tryons - x.tryons || x.tenant_id.localeCompare(y.tenant_id));
  return { object: 'tenant_breakdown' as const, range: presentRange(r), data };
}
