/**
 * Seeds synthetic analytics data straight into the tables (SQL generate_series: fast, no HTTP):
 * `events` widget funnel events over the last 30 days across `tenants` tenants (the first tenant
 * gets half of them, the hot store) in widget sessions of 8 events, with their hourly and daily
 * rollups and unique funnel sessions as POST /v1/events builds them;
 * and `tryons` finished try-ons with one provider attempt each (the rollup job aggregates them).
 *
 *   node bench/analytics-seed.mjs                  # 1,000,000 events into PGlite at bench/out/analytics-pg
 *   DATABASE_URL=postgres://… node bench/analytics-seed.mjs
 * Used by bench/analytics.mjs.
 */
import { sql } from 'drizzle-orm';

export const TYPES = ['opened', 'consented', 'uploaded', 'precheck_failed', 'generated', 'viewed', 'downloaded', 'shared', 'added_to_cart'];
// Relative frequencies: a plausible funnel (each step a share of the one before).
const WEIGHTS = [100, 70, 55, 6, 45, 40, 12, 5, 9];

export const tenantId = (i) => `ten_BENCH${String(i).padStart(4, '0')}`;

export async function seedAnalytics(db, { events = 1_000_000, tryons = 100_000, tenants = 20, now = Date.now(), log = console.log } = {}) {
  const end = new Date(now);
  const start = new Date(now - 30 * 86400_000);
  const total = WEIGHTS.reduce((a, b) => a + b, 0);
  // Cumulative weights → the type of event i by a deterministic hash of i.
  let acc = 0;
  const cases = WEIGHTS.map((w, k) => {
    acc += w;
    return `when (i * 7919 % ${total}) < ${acc} then '${TYPES[k]}'`;
  }).join(' ');
  // Widget sessions of 8 events each (i / 8), a minute apart from a session's start; a session
  // belongs to one tenant (half of them to the hot one).
  const tenantOf = `case when (i / 8) % 2 = 0 then 'ten_BENCH0000' else 'ten_BENCH' || lpad((1 + (i / 16) % ${tenants - 1})::text, 4, '0') end`;
  const at = `to_timestamp(${start.getTime() / 1000} + (((i / 8) * 2654435761::bigint) % ${Math.floor((end - start) / 1000) - 600}) + (i % 8) * 60)`;
  const t0 = Date.now();
  const batch = 250_000;
  for (let from = 0; from < events; from += batch) {
    const to = Math.min(events, from + batch) - 1;
    await db.execute(
      sql.raw(`insert into analytics_events (id, tenant_id, type, product_id, tryon_id, session, key_id, properties, at, received_at)
        select 'evt_BENCH' || lpad(i::text, 10, '0'), ${tenantOf}, case ${cases} end,
               'sku-' || (i % 500), null, md5((i / 8)::text), 'key_BENCH', null, ${at}, ${at}
        from generate_series(${from}::bigint, ${to}::bigint) i`),
    );
  }
  // The rollups exactly as recordEvents() keeps them: one row per tenant, hour and type.
  await db.execute(sql`
    insert into analytics_hourly (tenant_id, hour, metric, dim, n, total)
    select tenant_id, date_trunc('hour', at), 'event', type, count(*), 0 from analytics_events where id like 'evt_BENCH%' group by 1, 2, 4
    on conflict (tenant_id, metric, hour, dim) do update set n = excluded.n`);
  // …and per day, per tenant and platform-wide ('*'), plus the unique sessions per funnel step and hour.
  await db.execute(sql`
    insert into analytics_daily (tenant_id, day, metric, dim, n, total)
    select tenant_id, date_trunc('day', hour, 'UTC'), metric, dim, sum(n), sum(total) from analytics_hourly where metric = 'event' group by 1, 2, 3, 4
    union all
    select '*', date_trunc('day', hour, 'UTC'), metric, dim, sum(n), sum(total) from analytics_hourly where metric = 'event' group by 2, 3, 4
    on conflict (tenant_id, metric, day, dim) do update set n = excluded.n`);
  await db.execute(sql`
    insert into analytics_funnel_sessions (tenant_id, hour, step, session)
    select distinct tenant_id, date_trunc('hour', at), type, session from analytics_events
    where id like 'evt_BENCH%' and type in ('opened', 'consented', 'uploaded', 'generated', 'added_to_cart')
    on conflict do nothing`);
  log(`seeded ${events.toLocaleString('en-US')} events in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  if (tryons > 0) {
    const t1 = Date.now();
    const q = `to_timestamp(${start.getTime() / 1000} + ((i * 2654435761::bigint) % ${Math.floor((end - start) / 1000)}))`;
    await db.execute(
      sql.raw(`insert into tryons (id, tenant_id, environment, status, mode, person_upload_id, garments, cached, provider, cost_usd, error_code, queued_at, started_at, finished_at, provider_ms, created_at, updated_at)
        select 'try_BENCH' || lpad(i::text, 10, '0'), ${tenantOf}, 'live',
               case when i % 20 = 0 then 'failed' else 'succeeded' end, 'balanced', 'upl_BENCH',
               jsonb_build_array(jsonb_build_object('upload_id', 'upl_BENCH', 'category', 'tops', 'sha256', 'x', 'product_id', 'sku-' || (i % 300))),
               i % 5 = 0, 'fal', case when i % 5 = 0 then 0 else 0.075 end, case when i % 20 = 0 then 'PROVIDER_ERROR' end,
               ${q}, ${q}, ${q} + ((2000 + (i * 37) % 18000) || ' milliseconds')::interval, 2000 + (i * 37) % 18000, ${q}, ${q}
        from generate_series(0::bigint, ${tryons - 1}::bigint) i`),
    );
    await db.execute(
      sql.raw(`insert into tryon_attempts (id, tryon_id, tenant_id, provider, step, hedged, outcome, latency_ms, cost_usd, started_at)
        select 'att_' || substr(id, 5), id, tenant_id, 'fal', 0, false, case when status = 'failed' then 'failed' else 'succeeded' end,
               coalesce(provider_ms, 0), cost_usd, started_at
        from tryons where id like 'try_BENCH%' and not cached`),
    );
    log(`seeded ${tryons.toLocaleString('en-US')} try-ons in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { openDatabase } = await import('../dist/src/platform/db/client.js');
  const { mkdirSync } = await import('node:fs');
  const url = process.env.DATABASE_URL;
  if (!url) mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
  const database = await openDatabase(url ? { driver: 'postgres', url, poolMax: 4 } : { driver: 'pglite', dataDir: new URL('./out/analytics-pg', import.meta.url).pathname });
  await database.migrate();
  await seedAnalytics(database.db, { events: Number(process.env.EVENTS ?? 1_000_000) });
  await database.close();
}
