/**
 * Try-on and provider rollups: the same aggregation (raw `tryons` / `tryon_attempts` → hourly
 * rows) serves the `analytics.rollup` job, which rewrites every hour from a few hours before its
 * last run, and the read path, which adds the hours since the last run live from the raw tables.
 * So figures are exact and current, while a 30-day query reads at most a couple of raw hours.
 * The job also rewrites the daily rows (per tenant and platform-wide) of the days it touched, so
 * day-granular series read whole days before the live boundary from `analytics_daily`.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import { tryonsTable, tryonAttemptsTable } from '../tryon/index.js';
import { PLATFORM } from './tables.js';

export const HOUR = 3600_000;
/** Latency histograms: bucket b holds [1.2^b, 1.2^(b+1)) ms (±10% at worst for a percentile); -1 holds < 1 ms. */
export const LATENCY_BASE = 1.2;
/** Metrics written by the job (event counts are written on arrival instead). */
export const TRYON_METRICS = ['tryon', 'tryon_cached', 'tryon_latency', 'product', 'attempt', 'attempt_latency'] as const;
/** Try-ons still queued or running when a rollup runs are re-counted by the next runs for this long. */
export const REWRITE_HOURS = 3;
const STATUSES = sql`('queued','processing','succeeded','failed','canceled','expired')`;
const WATERMARK = 'tryons';

export const DAY = 24 * HOUR;
export const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;
export const floorDay = (ms: number) => Math.floor(ms / DAY) * DAY;
/** Bucket -1 holds sub-millisecond values (cache-like answers, or a test's frozen clock). */
export const bucketOf = (ms: SQL) => sql`(case when ${ms} < 1 then -1 else floor(ln(${ms}) / ln(${LATENCY_BASE}))::int end)::text`;

/**
 * Hourly rows `(tenant_id, hour, metric, dim, n, total)` for every hour from `from`, optionally for one tenant.
 * - tryon/<succeeded|failed|canceled|pending>: count, cost (expired results count as succeeded)
 * - tryon_cached: cache hits; tryon_latency/<bucket>: generated (not cached) try-ons, queued → finished
 * - product/<product_id>: try-ons per product
 * - attempt/<provider>|<outcome>: provider calls and their cost; attempt_latency/<provider>|<bucket>: succeeded calls
 */
export function aggregateTryons(from: Date, tenantId: string | null): SQL {
  const t = tryonsTable;
  const a = tryonAttemptsTable;
  const tenant = tenantId ? sql` and ${t.tenantId} = ${tenantId}` : sql``;
  const attemptTenant = tenantId ? sql` and a.tenant_id = ${tenantId}` : sql``;
  return sql`
    with t as (
      select tenant_id, date_trunc('hour', queued_at) as hour, status, cached, cost_usd, garments,
        case when status in ('succeeded','expired') and not cached and finished_at is not null
          then extract(epoch from (finished_at - queued_at)) * 1000 end as ms
      from ${t} where status in ${STATUSES} and queued_at >= ${from}${tenant}
    ), a as (
      select a.tenant_id, date_trunc('hour', a.started_at) as hour, a.provider, a.outcome, a.cost_usd, a.latency_ms
      from ${a} a join ${t} tr on tr.id = a.tryon_id
      where tr.status in ${STATUSES} and tr.queued_at >= ${new Date(from.getTime() - HOUR)} and a.started_at >= ${from}${attemptTenant}
    )
    select tenant_id, hour, 'tryon' as metric,
      case when status in ('succeeded','expired') then 'succeeded' when status in ('queued','processing') then 'pending' else status end as dim,
      count(*)::bigint as n, coalesce(sum(cost_usd), 0)::float8 as total
      from t group by 1, 2, 3, 4
    union all
    select tenant_id, hour, 'tryon_cached', '', count(*)::bigint, 0::float8 from t where cached and status in ('succeeded','expired') group by 1, 2
    union all
    select tenant_id, hour, 'tryon_latency', ${bucketOf(sql`ms`)}, count(*)::bigint, sum(ms)::float8 from t where ms is not null group by 1, 2, 4
    union all
    select tenant_id, hour, 'product', g->>'product_id', count(*)::bigint, 0::float8
      from t cross join lateral jsonb_array_elements(t.garments) g where g->>'product_id' is not null group by 1, 2, 4
    union all
    select tenant_id, hour, 'attempt', provider || '|' || outcome, count(*)::bigint, coalesce(sum(cost_usd), 0)::float8 from a group by 1, 2, 4
    union all
    select tenant_id, hour, 'attempt_latency', provider || '|' || ${bucketOf(sql`latency_ms`)}, count(*)::bigint, sum(latency_ms)::float8
      from a where outcome = 'succeeded' group by 1, 2, 4`;
}

type Rows<T> = { rows: T[] };

/**
 * The first hour read live: hours before it are final in the rollups (the job rewrote them after
 * they could last change); later hours are aggregated from the raw tables at query time. The job
 * rewrites from the same boundary, so a read racing a rollup sees the same figures either way.
 */
export async function liveFrom(db: Db): Promise<number> {
  const r = (await db.execute(sql`select (extract(epoch from up_to) * 1000)::float8 as ms from analytics_watermarks where name = ${WATERMARK}`)) as unknown as Rows<{ ms: number }>;
  return r.rows[0] ? rewriteFrom(Number(r.rows[0].ms)) : 0;
}

const rewriteFrom = (lastRun: number) => floorHour(Math.max(0, lastRun - REWRITE_HOURS * HOUR));

/** Rewrite the try-on rollups from REWRITE_HOURS before the last run (all history on the first run). */
export async function runRollup(db: Db, clock: Clock): Promise<{ from: Date; rows: number }> {
  const now = clock.now();
  return db.transaction(async (tx) => {
    // One rollup at a time across processes; others wait, then find little left to do.
    await tx.execute(sql`select pg_advisory_xact_lock(72017101)`);
    const r = (await tx.execute(sql`select (extract(epoch from up_to) * 1000)::float8 as ms from analytics_watermarks where name = ${WATERMARK}`)) as unknown as Rows<{ ms: number }>;
    const from = new Date(r.rows[0] ? rewriteFrom(Math.min(Number(r.rows[0].ms), now)) : 0);
    const metrics = sql.join(TRYON_METRICS.map((m) => sql`${m}`), sql`, `);
    await tx.execute(sql`delete from analytics_hourly where metric in (${metrics}) and hour >= ${from}`);
    const ins = (await tx.execute(sql`
      insert into analytics_hourly (tenant_id, hour, metric, dim, n, total)
      select tenant_id, hour, metric, dim, n, total from (${aggregateTryons(from, null)}) agg
      on conflict (tenant_id, metric, hour, dim) do update set n = excluded.n, total = excluded.total`)) as unknown as { rowCount?: number; affectedRows?: number };
    // Daily rows (per tenant and platform-wide) for every day that had hours rewritten, summed
    // from the hourly rows: whole days, so the part of a day before `from` (final) is included.
    const fromDay = new Date(floorDay(from.getTime()));
    await tx.execute(sql`delete from analytics_daily where metric in (${metrics}) and day >= ${fromDay}`);
    await tx.execute(sql`
      insert into analytics_daily (tenant_id, day, metric, dim, n, total)
      select tenant_id, date_trunc('day', hour, 'UTC'), metric, dim, sum(n), sum(total)
        from analytics_hourly where metric in (${metrics}) and hour >= ${fromDay} group by 1, 2, 3, 4
      union all
      select ${PLATFORM}, date_trunc('day', hour, 'UTC'), metric, dim, sum(n), sum(total)
        from analytics_hourly where metric in (${metrics}) and hour >= ${fromDay} group by 2, 3, 4`);
    await tx.execute(sql`
      insert into analytics_watermarks (name, up_to) values (${WATERMARK}, ${new Date(now)})
      on conflict (name) do update set up_to = excluded.up_to`);
    return { from, rows: Number(ins.rowCount ?? ins.affectedRows ?? 0) };
  });
}
