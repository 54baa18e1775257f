/**
 * A tenant's cache figures for the older `GET /api/v1/cache/metrics`, from its own style analyses
 * (the platform cache's counters are per namespace and node, shared by every tenant, so they
 * cannot be split by tenant): every analysis answered from the cache is a hit (`cached`), every
 * other one a miss — the request that ran the analyser. Summed in SQL over the tenant's analyses
 * (all time: the rows stay as records after their selfies expire; DELETE and erasure remove them),
 * and over the last hour for the request figures.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';

type Rows<T> = { rows: T[] };
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
/** ms → s, to the millisecond. */
const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);
const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

export async function tenantCacheFigures(db: Db, tenantId: string, now: Date) {
  const hourAgo = new Date(now.getTime() - 3600_000).toISOString();
  const [r] = ((await db.execute(sql`
    select count(*)::int as total,
      count(*) filter (where cached)::int as hits,
      (avg(took_ms) filter (where cached))::float8 as hit_ms,
      (avg(took_ms) filter (where not cached and status = 'succeeded'))::float8 as run_ms,
      count(*) filter (where created_at >= ${hourAgo}::timestamptz)::int as hour_total,
      count(*) filter (where created_at >= ${hourAgo}::timestamptz and status = 'failed')::int as hour_failed,
      (avg(took_ms) filter (where created_at >= ${hourAgo}::timestamptz and status = 'succeeded'))::float8 as hour_ms
    from style_analyses where tenant_id = ${tenantId}`)) as unknown as Rows<Record<string, unknown>>).rows;
  const total = Number(r?.total ?? 0);
  const hits = Number(r?.hits ?? 0);
  const misses = total - hits;
  const hourTotal = Number(r?.hour_total ?? 0);
  return {
    cache_metrics: {
      hit_ratio: ratio(hits, total),
      total_requests: total,
      hits,
      misses,
      avg_response_time: seconds(num(r?.hit_ms)),
      avg_analysis_time: seconds(num(r?.run_ms)),
      memory_usage_mb: null,
    },
    namespaces: { analysis: { hits, misses, total_requests: total, hit_ratio: ratio(hits, total) } },
    api_metrics: {
      requests_per_minute: Math.round((hourTotal / 60) * 100) / 100,
      avg_response_time: seconds(num(r?.hour_ms)),
      error_rate: ratio(Number(r?.hour_failed ?? 0), hourTotal),
    },
  };
}
