/**
 * Analytics bench: the dashboard's 30-day series queries over 1,000,000 synthetic events (and
 * 100,000 try-ons), on PGlite and on PostgreSQL, next to a baseline — the same aggregation over the
 * raw rows. Writes the "## Analytics" section of bench/RESULTS.md.
 *
 *   npm run bench:analytics                       # build, then PGlite + PostgreSQL (DATABASE_URL or local default)
 *   EVENTS=100000 node bench/analytics.mjs        # quick, smaller run (RESULTS.md left alone)
 */
import { writeResultsSection } from './lib/results.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, loadavg, cpus } from 'node:os';
import { execSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { seedAnalytics, tenantId } from './analytics-seed.mjs';

const dist = (p) => new URL(`../dist/src/${p}`, import.meta.url).href;
const { openDatabase } = await import(dist('platform/db/client.js'));
const { eventSeries, tryonSeries, funnel } = await import(dist('modules/analytics/queries.js'));
const { resolveRange } = await import(dist('modules/analytics/range.js'));
const { runRollup } = await import(dist('modules/analytics/rollup.js'));

const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const TRYONS = Number(process.env.TRYONS ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 15);
const BASE_RUNS = Math.min(RUNS, 5); // the raw baselines take seconds each
const WRITE = EVENTS === 1_000_000 || process.env.BENCH_WRITE === '1';
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RESULTS = new URL('./RESULTS.md', import.meta.url).pathname;
const SECTION = '## Analytics: 30-day series over 1 M events';
const log = (...a) => console.log('[analytics]', ...a);

async function time(fn, runs = RUNS) {
  for (let i = 0; i < 3; i++) await fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)] };
}

async function suite(db, label) {
  const now = Date.now();
  const clock = { now: () => now };
  await seedAnalytics(db, { events: EVENTS, tryons: TRYONS, now, log: (m) => log(label, m) });
  const t0 = performance.now();
  await runRollup(db, clock);
  const rollupMs = performance.now() - t0;
  log(label, `rollup job (first run, all history): ${rollupMs.toFixed(0)} ms`);
  await db.execute(sql`analyze`);

  const hot = tenantId(0);
  const day = resolveRange({ period: '30d' }, now);
  const hour = resolveRange({ period: '30d', granularity: 'hour' }, now);
  const from = new Date(day.from);
  const to = new Date(day.to);
  const rawFunnel = (tenant) =>
    db.execute(sql`select type, count(distinct session)::int as sessions, count(*)::int as n from analytics_events
      where ${tenant ? sql`tenant_id = ${tenant} and ` : sql``}at >= ${from} and at < ${to}
        and type in ('opened', 'consented', 'uploaded', 'generated', 'added_to_cart') group by 1`);
  const raw = (tenant, gran) =>
    db.execute(sql`select date_trunc(${gran}, at, 'UTC') as b, type, count(*)::int as n from analytics_events
      where ${tenant ? sql`tenant_id = ${tenant} and ` : sql``}at >= ${from} and at < ${to} group by 1, 2`);
  const rawTryons = (tenant) =>
    db.execute(sql`select date_trunc('day', queued_at, 'UTC') as b, count(*)::int as n,
        count(*) filter (where status in ('succeeded','expired'))::int as ok, count(*) filter (where cached)::int as cached, sum(cost_usd) as cost,
        percentile_cont(array[0.5, 0.95]) within group (order by extract(epoch from finished_at - queued_at) * 1000) filter (where status = 'succeeded' and not cached) as p
      from tryons where ${tenant ? sql`tenant_id = ${tenant} and ` : sql``}queued_at >= ${from} and queued_at < ${to} group by 1`);

  // Sanity: the rollup answers equal the raw aggregation.
  const e = await eventSeries(db, hot, day);
  const r = (await raw(hot, 'day')).rows.reduce((n, x) => n + Number(x.n), 0);
  const sum = Object.values(e.totals).reduce((a, b) => a + b, 0);
  if (sum !== r) throw new Error(`rollup events ${sum} != raw ${r}`);
  const ts = await tryonSeries(db, hot, day);
  const rt = (await rawTryons(hot)).rows.reduce((n, x) => n + Number(x.n), 0);
  if (ts.summary.tryons !== rt) throw new Error(`rollup try-ons ${ts.summary.tryons} != raw ${rt}`);
  const fu = await funnel(db, hot, day);
  const rf = (await rawFunnel(hot)).rows;
  for (const st of fu.steps) {
    const x = rf.find((y) => y.type === st.type);
    if (st.sessions !== Number(x?.sessions ?? 0) || st.events !== Number(x?.n ?? 0)) throw new Error(`funnel ${st.type} ${st.sessions}/${st.events} != raw ${x?.sessions}/${x?.n}`);
  }
  const pt = await tryonSeries(db, null, day);
  const prt = (await rawTryons(null)).rows.reduce((n, x) => n + Number(x.n), 0);
  if (pt.summary.tryons !== prt) throw new Error(`platform try-ons ${pt.summary.tryons} != raw ${prt}`);
  const pe = await eventSeries(db, null, day);
  const pre = (await raw(null, 'day')).rows.reduce((n, x) => n + Number(x.n), 0);
  if (Object.values(pe.totals).reduce((a, b) => a + b, 0) !== pre) throw new Error('platform events != raw');
  log(label, `hot tenant: ${sum.toLocaleString('en-US')} events, ${rt.toLocaleString('en-US')} try-ons in 30 days (checked equal)`);

  const rows = [
    { q: 'events per day, hot tenant (30 points)', ours: () => eventSeries(db, hot, day), base: () => raw(hot, 'day') },
    { q: 'events per hour, hot tenant (720 points)', ours: () => eventSeries(db, hot, hour), base: () => raw(hot, 'hour') },
    { q: 'funnel (unique sessions + events), hot tenant', ours: () => funnel(db, hot, day), base: () => rawFunnel(hot) },
    { q: 'events per day, platform (20 tenants)', ours: () => eventSeries(db, null, day), base: () => raw(null, 'day') },
    { q: 'try-ons per day with p50/p95, hot tenant', ours: () => tryonSeries(db, hot, day), base: () => rawTryons(hot) },
    { q: 'try-ons per day with p50/p95, platform', ours: () => tryonSeries(db, null, day), base: () => rawTryons(null) },
  ];
  const out = [];
  for (const row of rows) {
    const ours = await time(row.ours);
    const base = await time(row.base, BASE_RUNS);
    out.push({ q: row.q, ours, base });
    log(label, `${row.q}: ${ours.median.toFixed(1)} ms (p95 ${ours.p95.toFixed(1)}) vs raw ${base.median.toFixed(1)} ms → ×${(base.median / ours.median).toFixed(1)}`);
  }
  return { rows: out, rollupMs, hotEvents: sum, hotTryons: rt };
}

async function pglite() {
  const dir = mkdtempSync(join(tmpdir(), 'probador-bench-analytics-'));
  const database = await openDatabase({ driver: 'pglite', dataDir: join(dir, 'pg') });
  try {
    await database.migrate();
    return await suite(database.db, 'pglite');
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres() {
  const name = 'probador_bench_analytics';
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch (e) {
    log('postgres unreachable, skipped:', e.message);
    return undefined;
  }
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const database = await openDatabase({ driver: 'postgres', url: u.toString(), poolMax: 4 });
  try {
    await database.migrate();
    return await suite(database.db, 'postgres');
  } finally {
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

const f = (v) => (v === undefined ? '—' : `${v.toFixed(1)} ms`);
const uptime = () => execSync('uptime').toString().trim();
const up0 = uptime();
const load0 = loadavg()[0];
const P = await pglite();
const G = await postgres();
const load1 = loadavg()[0];
const up1 = uptime();

const lines = [
  SECTION,
  '',
  `\`npm run bench:analytics\` — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average ${load0.toFixed(1)} → ${load1.toFixed(1)} (other work on the machine), Node ${process.version}.`,
  `\`uptime\` before: \`${up0}\`; after: \`${up1}\`.`,
  `Data: ${EVENTS.toLocaleString('en-US')} widget events and ${TRYONS.toLocaleString('en-US')} try-ons over 30 days, 20 tenants; the hot tenant has ${P.hotEvents.toLocaleString('en-US')} events and ${P.hotTryons.toLocaleString('en-US')} try-ons.`,
  'Ours: the API\'s query functions — day series read whole days from the daily rollups (per tenant, and platform-wide rows for the platform), hour series the hourly rollups, both summed in SQL into the buckets; try-on figures add the hours since the last rollup live from the raw table; the funnel counts distinct sessions per step over the period from the per-hour session table. Baseline: the same aggregation straight over the raw rows. Median of ' + RUNS + ' runs after 3 warm-ups (p95 in brackets); baselines median of ' + BASE_RUNS + '. Goal: under 200 ms.',
  '',
  '| query | PGlite ours | PGlite raw baseline | × | PostgreSQL ours | PostgreSQL raw baseline | × |',
  '|---|---|---|---|---|---|---|',
  ...P.rows.map((r, i) => {
    const g = G?.rows[i];
    return `| ${r.q} | ${f(r.ours.median)} (${f(r.ours.p95)}) | ${f(r.base.median)} | ${(r.base.median / r.ours.median).toFixed(1)} | ${g ? `${f(g.ours.median)} (${f(g.ours.p95)})` : '—'} | ${g ? f(g.base.median) : '—'} | ${g ? (g.base.median / g.ours.median).toFixed(1) : '—'} |`;
  }),
  '',
  `The rollup job's first run over all ${TRYONS.toLocaleString('en-US')} try-ons took ${P.rollupMs.toFixed(0)} ms on PGlite${G ? ` and ${G.rollupMs.toFixed(0)} ms on PostgreSQL` : ''}; later runs rewrite only the last few hours. Events, try-ons (hot tenant and platform) and the funnel's sessions and events were checked equal to the raw aggregation before timing.`,
  '',
];
const section = lines.join('\n');
console.log('\n' + section);
if (WRITE) {
  writeResultsSection(RESULTS, SECTION, section);
  log('wrote', RESULTS);
} else log('RESULTS.md not written (EVENTS != 1,000,000; BENCH_WRITE=1 to force)');
