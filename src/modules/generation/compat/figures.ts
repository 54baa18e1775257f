/**
 * A client's figures for the older API's `GET /metrics` and `/metrics/client/:id`, in the shape
 * of its ClientMetrics (totalGenerations, lastGeneration, generationsByModel, recentEvents — the
 * last 50) plus what the platform knows more: outcomes, cache hits, latency, cost, providers, and
 * the tenant's try-on figures from the analytics module. Generation figures are summed in SQL
 * over the tenant's generations (all time: rows stay as records after their images expire).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';

type Rows<T> = { rows: T[] };
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const round = (v: number | null) => (v === null ? null : Math.round(v));
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date).toISOString());

export async function generationFigures(db: Db, tenantId: string) {
  const done = sql`status in ('succeeded', 'expired') and not cached and finished_at is not null`;
  const latency = sql`extract(epoch from (finished_at - queued_at)) * 1000`;
  const [totals] = ((await db.execute(sql`
    select count(*)::int as total,
      count(*) filter (where status in ('succeeded', 'expired'))::int as succeeded,
      count(*) filter (where status = 'failed')::int as failed,
      count(*) filter (where status = 'canceled')::int as canceled,
      count(*) filter (where status in ('queued', 'processing'))::int as pending,
      count(*) filter (where cached)::int as cached,
      coalesce(sum(cost_usd), 0)::float8 as cost,
      max(created_at) as last,
      (avg(${latency}) filter (where ${done}))::float8 as avg_ms,
      (percentile_cont(0.5) within group (order by ${latency}) filter (where ${done}))::float8 as p50_ms,
      (percentile_cont(0.95) within group (order by ${latency}) filter (where ${done}))::float8 as p95_ms
    from generations where tenant_id = ${tenantId}`)) as unknown as Rows<Record<string, unknown>>).rows;
  const groups = ((await db.execute(sql`
    select 'model' as kind, coalesce(model, requested_model, 'default') as name, count(*)::int as n from generations where tenant_id = ${tenantId} group by 2
    union all
    select 'provider' as kind, coalesce(provider, requested_provider, 'auto') as name, count(*)::int as n from generations where tenant_id = ${tenantId} group by 2`)) as unknown as Rows<{ kind: string; name: string; n: number }>).rows;
  const recent = ((await db.execute(sql`
    select id, created_at, status, cached, coalesce(model, requested_model) as model, coalesce(provider, requested_provider) as provider,
      case when finished_at is null then null else (${latency})::float8 end as duration_ms
    from generations where tenant_id = ${tenantId} order by id desc limit 50`)) as unknown as Rows<Record<string, unknown>>).rows;
  const by = (kind: string) => Object.fromEntries(groups.filter((g) => g.kind === kind).map((g) => [g.name, Number(g.n)]));
  const t = totals ?? {};
  const succeeded = Number(t.succeeded ?? 0);
  const failed = Number(t.failed ?? 0);
  return {
    totalGenerations: Number(t.total ?? 0),
    successfulGenerations: succeeded,
    failedGenerations: failed,
    canceledGenerations: Number(t.canceled ?? 0),
    pendingGenerations: Number(t.pending ?? 0),
    cachedGenerations: Number(t.cached ?? 0),
    successRate: succeeded + failed > 0 ? succeeded / (succeeded + failed) : null,
    lastGeneration: iso(t.last),
    averageDurationMs: round(num(t.avg_ms)),
    p50DurationMs: round(num(t.p50_ms)),
    p95DurationMs: round(num(t.p95_ms)),
    totalCostUsd: Math.round(Number(t.cost ?? 0) * 1e6) / 1e6,
    generationsByModel: by('model'),
    generationsByProvider: by('provider'),
    recentEvents: recent.map((r) => ({
      id: String(r.id),
      type: 'generation' as const,
      timestamp: iso(r.created_at),
      status: String(r.status),
      cached: Boolean(r.cached),
      model: (r.model as string | null) ?? null,
      provider: (r.provider as string | null) ?? null,
      durationMs: round(num(r.duration_ms)),
    })),
  };
}
