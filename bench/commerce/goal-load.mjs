/**
 * Goals 3 and 4 of bench/commerce.mjs, on PostgreSQL + Redis + BullMQ with an API node and 2
 * worker processes (all started from the bench's bundle, as `npm start` starts them, not pinned).
 *
 * Goal 3 — 100 bots (a Meta connection each) × 10 shoppers: signed Meta webhooks to the API node,
 * each a new text message in one of the 1,000 conversations (contacts and conversations made by a
 * warm-up first). End to end = the `message.created` event of the inbound message row (published by
 * the worker's `commerce.inbound` job after the contact, conversation, message row and window
 * update; the conversation's move to the inbox follows in the same job), seen on Redis. Open-loop
 * load at the goal's rate for a fixed time: messages processed per second over that time, the
 * backlog left when it ends and how long it takes to drain; then a closed-loop flood for capacity.
 *
 * Goal 4 — the same database grown to 1,000 bots and 10,000 open conversations (through the same
 * webhooks and workers), then a fresh API node (`--role api`): its RSS after start-up and under a
 * little traffic (webhooks across all 1,000 connections, conversation and bot lists).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { cpuDelta, cpuOfMatching, median } from '../tryon/common.mjs';
import { cpuTimeMs, memoryOf, rssSampler, stopChild } from '../lib/children.mjs';
import { api, createMetaBots } from './api.mjs';
import { webhookLoad } from './goal-ack.mjs';
import { startNode } from './launcher.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Wait until `events` has seen `total` inbound messages since its mark (or `timeoutS`); seconds waited. */
async function drained(events, total, timeoutS = 600) {
  const t0 = performance.now();
  while (events.inbound() < total && performance.now() - t0 < timeoutS * 1000) await sleep(50);
  if (events.inbound() < total) throw new Error(`only ${events.inbound()} of ${total} inbound messages processed after ${timeoutS} s`);
  const s = (performance.now() - t0) / 1000;
  // Then quiet for a second: a closed loop's last requests (answered after its window, so not in
  // its count) are processed before the next run starts counting.
  for (let n = events.inbound(); ; n = events.inbound()) {
    await sleep(1000);
    if (events.inbound() === n) break;
  }
  return s;
}

/** Busy and total CPU time of the machine so far (ms, all cores), from /proc/stat. */
function machineMs() {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { busy: (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 10, all: v.reduce((a, b) => a + b, 0) * 10 };
}

/** Statements (transactions: each autocommit statement is one) and rows of the database so far. */
async function dbStats(dbUrl) {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    await c.query('select pg_stat_force_next_flush()').catch(() => undefined);
    const r = (await c.query('select xact_commit, tup_inserted, tup_updated, tup_fetched from pg_stat_database where datname = current_database()')).rows[0];
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
  } finally {
    await c.end();
  }
}

/**
 * CPU of the nodes, of the database's PostgreSQL backends, of redis-server and of everything else
 * (the machine's other work: other engineers' processes; the bench and its generator excluded) over
 * a run; and the database's transactions and rows.
 */
export async function cpuMeter(pids, dbName, dbUrl) {
  const pgRe = new RegExp(`^postgres: .* ${dbName} `);
  const p0 = pids.map((p) => cpuTimeMs(p));
  const pg0 = await cpuOfMatching(pgRe);
  const r0 = await cpuOfMatching(/^\S*redis-server /);
  const m0 = machineMs();
  const me0 = process.cpuUsage();
  const d0 = await dbStats(dbUrl);
  return async (generatorMs = 0) => {
    const nodesMs = pids.map((p, i) => cpuTimeMs(p) - p0[i]);
    const pgMs = cpuDelta(pg0, await cpuOfMatching(pgRe));
    const redisMs = cpuDelta(r0, await cpuOfMatching(/^\S*redis-server /));
    const m1 = machineMs();
    const me = process.cpuUsage(me0);
    const ours = nodesMs.reduce((a, b) => a + b, 0) + pgMs + redisMs + (me.user + me.system) / 1000 + generatorMs;
    const d1 = await dbStats(dbUrl);
    return { nodesMs, pgMs, redisMs, othersPct: (100 * Math.max(0, m1.busy - m0.busy - ours)) / (m1.all - m0.all), db: Object.fromEntries(Object.keys(d1).map((k) => [k, d1[k] - d0[k]])) };
  };
}

/** One load run (open loop at `rate`, or closed loop with `connections`) and what the workers made of it. */
async function endToEnd(ctx, targets, { rate, connections, duration, label, profile = false }) {
  const { events, log } = ctx;
  const cpu = await cpuMeter(ctx.pids, ctx.dbName, ctx.dbUrl);
  events.mark();
  if (profile && ctx.probe) await ctx.probe();
  const t0 = performance.now();
  const r = await webhookLoad(ctx.base, targets, { duration, warmup: 0, shoppers: 10, ...(rate ? { rate, connections: 64 } : { connections }) });
  const t1 = performance.now();
  const windowS = (t1 - t0) / 1000;
  const acked = r.ok;
  const bad = r.non2xx + r.errors + r.timeouts + r.mismatches;
  const processedInWindow = events.inbound();
  const perSecond = [...events.perSecond()].filter(([s]) => s >= 2 && s < Math.floor(windowS) - 1).map(([, v]) => v);
  const drainS = await drained(events, acked);
  if (profile && ctx.probe) await ctx.probe();
  const c = await cpu(r.generatorCpuMs);
  const out = {
    label,
    offered: rate ?? null,
    acked,
    bad,
    statusCodes: r.statusCodes,
    windowS,
    ackedPerS: acked / windowS,
    processedPerS: processedInWindow / windowS,
    secondMedian: median(perSecond),
    secondMin: perSecond.length ? Math.min(...perSecond) : NaN,
    backlog: acked - processedInWindow,
    drainS,
    ackP50: r.latency.p50,
    ackP99: r.latency.p99,
    cpuMsPerMsg: { api: c.nodesMs[0] / acked, workers: c.nodesMs.slice(1).reduce((a, b) => a + b, 0) / acked, pg: c.pgMs / acked, redis: c.redisMs / acked },
    othersPct: c.othersPct,
    perMsg: { transactions: c.db.xact_commit / acked, inserted: c.db.tup_inserted / acked, updated: c.db.tup_updated / acked, fetched: c.db.tup_fetched / acked },
  };
  log(
    `  ${label}: acked ${out.ackedPerS.toFixed(0)}/s, processed ${out.processedPerS.toFixed(0)}/s in the window (per second: median ${out.secondMedian}, min ${out.secondMin}), backlog ${out.backlog} at the end, drained in ${drainS.toFixed(1)} s; ` +
      `CPU ms per message: API ${out.cpuMsPerMsg.api.toFixed(2)}, workers ${out.cpuMsPerMsg.workers.toFixed(2)}, PostgreSQL ${out.cpuMsPerMsg.pg.toFixed(2)}, Redis ${out.cpuMsPerMsg.redis.toFixed(2)}; per message ${out.perMsg.transactions.toFixed(1)} PostgreSQL transactions, ${out.perMsg.inserted.toFixed(1)} rows inserted, ${out.perMsg.updated.toFixed(1)} updated; others ${out.othersPct.toFixed(0)} % of the machine${bad ? `; FAULTS ${bad} ${JSON.stringify(r.statusCodes)}` : ''}`,
  );
  return out;
}

export async function throughputGoal(ctx, S) {
  const { base, key, events, log } = ctx;
  log(`goal 3: creating ${S.bots} bots with a Meta connection each`);
  const targets = await createMetaBots(base, key, 'load', 0, S.bots);
  ctx.targets = targets;
  const conversations = S.bots * 10;
  // Warm-up: every conversation gets its contact and conversation, then the processes warm up.
  events.mark();
  const warmN = conversations * S.warmPasses;
  const w = await webhookLoad(base, targets, { rate: 500, duration: warmN / 500, warmup: 0, shoppers: 10, connections: 64 });
  await drained(events, w.ok);
  log(`  warm-up: ${w.ok} messages over ${conversations} conversations processed`);
  // Capacity first (a closed-loop flood: the processing rate while a backlog grows), then an open
  // loop at the goal's rate, or at 90 % of that capacity when it is below the goal, to show
  // whether that rate is sustained (the backlog stays small) rather than only reached.
  const flood = await endToEnd(ctx, targets, { connections: S.floodConnections, duration: S.floodS, label: `capacity: closed loop, ${S.floodConnections} connections, ${S.floodS} s` });
  const rate = Math.min(S.rate, Math.max(10, Math.floor(0.9 * flood.processedPerS)));
  const sustained = await endToEnd(ctx, targets, { rate, duration: S.loadS, label: `sustained: open loop at ${rate}/s for ${S.loadS} s${rate < S.rate ? ' (90 % of the capacity, which is below the goal)' : ''}`, profile: true });
  return { bots: S.bots, conversations, warm: w.ok, sustained, flood };
}

/** Count what the database holds (checks for goals 3 and 4). */
async function counts(dbUrl, botIds) {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const q = async (sql, params) => Number((await c.query(sql, params)).rows[0].n);
    return {
      bots: await q('select count(*) as n from commerce_bots where id = any($1)', [botIds]),
      openConversations: await q("select count(*) as n from commerce_conversations where bot_id = any($1) and status <> 'closed'", [botIds]),
      inbound: await q("select count(*) as n from commerce_messages where bot_id = any($1) and direction = 'in'", [botIds]),
      unprocessed: await q('select count(*) as n from commerce_inbound_events where processed_at is null'),
    };
  } finally {
    await c.end();
  }
}

export async function memoryGoal(ctx, S, restartApi) {
  const { key, events, log } = ctx;
  log(`goal 4: growing to ${S.memBots} bots and ${S.memBots * 10} conversations`);
  const more = await createMetaBots(ctx.base, key, 'load', ctx.targets.length, S.memBots);
  const all = [...ctx.targets, ...more];
  events.mark();
  const seedRate = 400;
  const seedN = more.length * 10;
  const s = await webhookLoad(ctx.base, more, { rate: seedRate, duration: seedN / seedRate, warmup: 0, shoppers: 10, connections: 64 });
  await drained(events, s.ok);
  const held = await counts(ctx.dbUrl, all.map((t) => t.bot));
  log(`  the database holds ${held.bots} of these bots, ${held.openConversations} open conversations, ${held.inbound} inbound messages (${held.unprocessed} ledger events unprocessed)`);
  const seedingHwmKb = memoryOf(ctx.apiPid)?.hwmKb;
  // A fresh API node: what a node restarted on this database holds.
  const api2 = await restartApi();
  const startupKb = memoryOf(api2.child.pid);
  const rss = rssSampler(api2.child.pid);
  await sleep(2000);
  const settledKb = memoryOf(api2.child.pid)?.rssKb;
  rss.reset();
  log(`  fresh API node: VmRSS ${(settledKb / 1024).toFixed(0)} MB settled; under a little traffic for ${S.memS} s…`);
  let stop = false;
  let reads = 0;
  const reader = (async () => {
    for (let i = 0; !stop; i++) {
      const t = all[(i * 37) % all.length];
      await api(api2.base, key, 'GET', `/v1/conversations?bot_id=${t.bot}&limit=20`);
      if (i % 5 === 0) await api(api2.base, key, 'GET', '/v1/bots?limit=100');
      if (i % 5 === 1) await api(api2.base, key, 'GET', '/v1/conversations?status=waiting_agent&limit=50');
      reads++;
      await sleep(200);
    }
  })();
  events.mark();
  const traffic = await webhookLoad(api2.base, all, { rate: S.memRate, duration: S.memS, warmup: 0, shoppers: 10, connections: 8 });
  stop = true;
  await reader;
  await drained(events, traffic.ok);
  const end = memoryOf(api2.child.pid);
  const out = {
    bots: held.bots,
    openConversations: held.openConversations,
    inbound: held.inbound,
    seedingHwmKb,
    startupHwmKb: startupKb?.hwmKb,
    settledKb,
    maxKb: rss.max(),
    endKb: end?.rssKb,
    hwmKb: end?.hwmKb,
    webhooks: traffic.ok,
    webhookBad: traffic.non2xx + traffic.errors + traffic.timeouts + traffic.mismatches,
    reads,
    memS: S.memS,
    memRate: S.memRate,
  };
  rss.stop();
  log(`  API node: VmRSS max ${(out.maxKb / 1024).toFixed(0)} MB under traffic, VmHWM ${(out.hwmKb / 1024).toFixed(0)} MB (${out.webhooks} webhooks, ${reads} list reads)`);
  return out;
}

/** Start the API node of the PostgreSQL + Redis phase (again, for goal 4). */
export async function startApi(entry, config, opts = {}) {
  return startNode(entry, 'probador api (postgres)', config, { role: 'api', ...opts });
}

export { stopChild };
