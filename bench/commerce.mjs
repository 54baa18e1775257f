#!/usr/bin/env node
/**
 * Conversational commerce benchmark (issue 22, "Must show"), in one run:
 *  1. a signed Meta inbound webhook acknowledged by Probador beside bare node:http doing the HMAC
 *     check and an in-memory enqueue — peak req/s ratio, embedded and PostgreSQL + Redis;
 *  2. inbound → reply enqueued through the simulator, p95, embedded and PostgreSQL + Redis;
 *  3. 100 bots × 10 conversations, sustained messages/s end to end, PostgreSQL + Redis + BullMQ,
 *     2 worker processes;
 *  4. API node RSS on PostgreSQL with 1,000 bots and 10,000 open conversations, a little traffic.
 * See bench/README.md ("Commerce") and the files under bench/commerce/.
 *
 *   npm run bench:commerce                 # build, then the full run (writes its section of RESULTS.md)
 *   BENCH_QUICK=1 node bench/commerce.mjs  # short run; prints, leaves RESULTS.md alone
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { writeResultsSection } from './lib/results.mjs';
import { onCleanup, shutdown, stopChild, runNode, waitOutput } from './lib/children.mjs';
import { ackGoal } from './commerce/goal-ack.mjs';
import { replyGoal } from './commerce/goal-reply.mjs';
import { memoryGoal, startApi, throughputGoal } from './commerce/goal-load.mjs';
import { ipcEvents, redisEvents } from './commerce/events.mjs';
import { bundleServer, dataDirFor, freshDatabase, freshRedis, nodeEnv, ROOT, startNode } from './commerce/launcher.mjs';
import { KEPT, report, SECTION } from './commerce/report.mjs';

const env = process.env;
const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
const QUICK = env.BENCH_QUICK === '1';
const S = {
  quick: QUICK,
  modes: (env.BENCH_MODES ?? 'embedded,postgres').split(',').map((s) => s.trim()).filter(Boolean),
  goals: new Set((env.BENCH_GOALS ?? '1,2,3,4').split(',').map((s) => s.trim())),
  duration: num(env.BENCH_DURATION, QUICK ? 3 : 10),
  warmup: num(env.BENCH_WARMUP, QUICK ? 2 : 5),
  rounds: num(env.BENCH_ROUNDS, QUICK ? 1 : 5),
  connections: num(env.BENCH_CONNECTIONS, 50),
  replyN: num(env.BENCH_REPLY_N, QUICK ? 30 : 200),
  replyWarm: QUICK ? 5 : 20,
  bots: 100,
  warmPasses: QUICK ? 1 : 2,
  rate: num(env.BENCH_RATE, 1000),
  loadS: num(env.BENCH_LOAD_S, QUICK ? 10 : 60),
  floodS: num(env.BENCH_FLOOD_S, QUICK ? 8 : 30),
  floodConnections: 64,
  memBots: num(env.BENCH_MEM_BOTS, QUICK ? 300 : 1000),
  memS: num(env.BENCH_MEM_S, QUICK ? 10 : 60),
  memRate: 20,
  workers: 2,
  pin: env.BENCH_PIN !== '0' && cpus().length >= 2,
  profile: env.BENCH_PROFILE === '1',
};
const WRITE = env.BENCH_WRITE === '1' ? true : env.BENCH_WRITE === '0' ? false : !QUICK;
const log = (m) => process.stderr.write(`[bench:commerce ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

async function embeddedReply(entry) {
  const node = await startNode(entry, 'probador (embedded, all)', nodeEnv({ dataDir: dataDirFor('reply') }), { role: 'all', seed: true, tap: true });
  const events = ipcEvents(node.child);
  log('goal 2 (embedded): inbound → reply enqueued, through the simulator');
  const out = await replyGoal({ base: node.base, key: node.seed.key, events, n: S.replyN, warm: S.replyWarm, phoneBase: 10_000_000, log });
  await stopChild(node.child);
  return out;
}

async function postgresPhase(entry, r, meta) {
  const db = await freshDatabase('load');
  const redis = await freshRedis('load');
  Object.assign(meta, { postgres: db.version, autovacuum: db.autovacuum, redis: redis.version });
  const config = nodeEnv({ dataDir: dataDirFor('load'), databaseUrl: db.url, redisPrefix: redis.prefix });
  const profileArgs = (name) => (S.profile ? { nodeArgs: ['--import', join(ROOT, 'bench/lib/probe.mjs')], extraEnv: { BENCH_PROBE_DIR: join(ROOT, 'bench/out/profiles'), BENCH_PROBE_NAME: `commerce-${name}-${process.pid}` } } : {});
  const apiNode = await startApi(entry, config, { seed: true, ...profileArgs('api') });
  const workers = [];
  for (let i = 0; i < S.workers; i++) workers.push(await startNode(entry, `probador worker ${i + 1}`, config, { role: 'worker', ...profileArgs(`worker-${i + 1}`) }));
  const events = await redisEvents(redis.redis, redis.prefix);
  onCleanup(() => events.close());
  const ctx = { base: apiNode.base, key: apiNode.seed.key, events, log, pids: [apiNode.child.pid, ...workers.map((w) => w.child.pid)], dbName: db.name, dbUrl: db.url, apiPid: apiNode.child.pid };
  if (S.profile) {
    // BENCH_PROFILE=1: CPU and allocation profiles of the API node and the workers during goal 3's sustained run.
    const nodes = [apiNode, ...workers];
    let on = false;
    ctx.probe = async () => {
      on = !on;
      await Promise.all(nodes.map((n) => probeToggle(n.child, on)));
      if (!on) for (const n of nodes) log(`profile of ${n.child.name}:\n${await runNode('profile summary', [join(ROOT, 'bench/lib/profile-summary.mjs'), n.probeFile, '40'], { cwd: ROOT })}`);
    };
    apiNode.probeFile = join(ROOT, 'bench/out/profiles', `commerce-api-${process.pid}.cpuprofile`);
    workers.forEach((w, i) => (w.probeFile = join(ROOT, 'bench/out/profiles', `commerce-worker-${i + 1}-${process.pid}.cpuprofile`)));
  }
  if (S.goals.has('2')) {
    log('goal 2 (PostgreSQL + Redis): inbound → reply enqueued, through the simulator');
    r.reply.postgres = await replyGoal({ base: ctx.base, key: ctx.key, events, n: S.replyN, warm: S.replyWarm, phoneBase: 20_000_000, log });
  }
  if (S.goals.has('3') || S.goals.has('4')) {
    log('goal 3: end to end with 2 workers');
    r.load = await throughputGoal(ctx, S);
  }
  if (S.goals.has('4')) {
    r.memory = await memoryGoal(ctx, S, async () => {
      await stopChild(apiNode.child);
      const api2 = await startApi(entry, config);
      return api2;
    });
  }
  r.standIns.push(...apiNode.standIns);
}

/** Start (on) or stop and write (off) bench/lib/probe.mjs in a node started with it. */
async function probeToggle(child, on) {
  const from = child.output().length;
  child.proc.kill('SIGUSR2');
  await waitOutput(child, on ? /PROBE STARTED/ : /PROBE (WRITTEN|FAILED)/, from);
}

async function main() {
  const t0 = Date.now();
  const load0 = loadavg()[0];
  if (S.pin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).toString().trim() + (execFileSync('git', ['-C', ROOT, 'status', '--porcelain', 'src']).toString().trim() ? '+changes' : '');
  const outdir = join(ROOT, 'bench/out', `commerce-server-${process.pid}`);
  onCleanup(() => execFileSync('rm', ['-rf', outdir]), { final: true });
  log(`${QUICK ? 'QUICK run' : 'full run'}: bundling the node from src/ (${commit})…`);
  const entry = await bundleServer(outdir);
  const r = { ack: {}, reply: {}, standIns: [] };
  const meta = { commit, load0 };
  const others = [];
  if (S.goals.has('1')) {
    for (const mode of S.modes) {
      log(`goal 1 (${mode}): webhook acknowledged, Probador beside bare node:http`);
      r.ack[mode] = await ackGoal(mode, entry, S, log);
      Object.assign(meta, r.ack[mode].notes);
      r.standIns.push(...r.ack[mode].standIns);
      for (const s of r.ack[mode].servers) for (const p of s.peaks) others.push(p.busy.othersPct);
      if (r.ack[mode].profile) log(await runNode('profile summary', [join(ROOT, 'bench/lib/profile-summary.mjs'), r.ack[mode].profile, '30', '--requests', String(r.ack[mode].servers[0].peaks[0].rps * S.duration)], { cwd: ROOT }));
      await shutdown();
    }
  }
  if (S.goals.has('2') && S.modes.includes('embedded')) {
    r.reply.embedded = await embeddedReply(entry);
    await shutdown();
  }
  if (S.modes.includes('postgres') && (S.goals.has('2') || S.goals.has('3') || S.goals.has('4'))) {
    await postgresPhase(entry, r, meta);
    await shutdown();
  }
  for (const x of [r.load?.flood, r.load?.sustained]) if (x) others.push(x.othersPct);
  const faults = [...Object.values(r.ack).flatMap((a) => a.servers.map((s) => s.faults)), r.load?.sustained.bad ?? 0, r.load?.flood.bad ?? 0, r.memory?.webhookBad ?? 0].reduce((a, b) => a + b, 0);
  const standIns = [...new Set(r.standIns)];
  Object.assign(meta, {
    date: new Date(t0).toISOString().slice(0, 16).replace('T', ' '),
    tookS: (Date.now() - t0) / 1000,
    load1: loadavg()[0],
    othersMin: others.length ? Math.min(...others) : NaN,
    othersMax: others.length ? Math.max(...others) : NaN,
    invalid: faults ? `${faults} webhook requests were not answered 200 OK (see the tables)` : '',
    method: method(standIns),
  });
  const section = report(r, S, meta);
  console.log(`\n${section}`);
  if (WRITE && !meta.invalid) {
    writeResultsSection(join(ROOT, 'bench/RESULTS.md'), SECTION, section, { keep: KEPT });
    log('wrote bench/RESULTS.md');
  } else log('RESULTS.md not written (quick run, BENCH_WRITE=0 or an invalid run)');
  return meta.invalid ? 1 : 0;
}

function method(standIns) {
  return [
    '- **What runs.** Every Probador process is started as `npm start` starts the server (its Node.js flags and environment variables from package.json), from a bundle of `bench/commerce/server-entry.mjs` built at the start of the run from src/ with the server bundle\'s esbuild settings: `probador start` (config → deps → `buildApp` → listen; housekeeping except on `--role api`), the stock app: the real channel drivers (src/app.ts), the webhook routes without the per-IP limit (their own `rateLimit: false`); no stand-ins. ' +
      (standIns.length ? `**Stand-ins:** ${standIns.join(', ')}. ` : '') +
      'Defaults otherwise (LOG_LEVEL=warn, no demo seed); a tenant (tier enterprise, key limits 1e8/min) and its secret key made by the node at its first start.',
    '- **Goal 1.** One bot with a Meta connection; the generator (bench/lib/paced.mjs, a forked process: raw keep-alive sockets, closed loop, 50 connections) sends Meta\'s documented webhook body with one text message (bench/commerce/meta-requests.mjs), signed for each request\'s exact bytes with the connection\'s app secret. Each wamid is `wamid.HBgM` + a random tag of the load run + the request\'s index in base 36 + a fixed tail (68 characters), so it is distinct across the whole run and the ledger stores every one. Probador runs `--role api` in both modes (no consumer of the queue during this goal: the acknowledgement alone, like the baseline\'s); servers pinned to core 0, generator and bench on core 1; rounds alternate the two servers; server CPU per request from /proc. Both servers are first checked to answer a forged signature 401.',
    '- **Goal 2.** "Reply enqueued" = the outbound `msg_` row (status queued) inserted and its `commerce.send` job enqueued by `queueOutbound` (src/modules/commerce/outbound/queue.ts), called by the `commerce.inbound` job for the away message (the bot is outside its business hours; each message from a new shopper, so the away message is due every time); seen as that row\'s `message.created` event on the realtime bus (`realtime.events`) (embedded: forwarded by the node over IPC; PostgreSQL + Redis: SUBSCRIBE on Redis). Timed from the start of `POST /v1/bots/:id/simulator/messages`, which runs the same webhook handler as a provider\'s. Embedded: one process (role all, PGlite, in-process queue). PostgreSQL + Redis: API node + 2 workers (BullMQ).',
    '- **Goal 3.** 100 bots, each with its own Meta connection and app secret; request i goes to bot i mod 100 from shopper ⌊i/100⌋ mod 10, so 1,000 conversations. A warm-up first creates every contact and conversation. Counted: inbound messages whose row the workers wrote (the row\'s `message.created` event on Redis, published by the `commerce.inbound` job after contact, conversation, message row and window refresh; the move to the inbox follows in the same job). The core sends no reply here: bots are within hours (none set) and have no flow, so the conversation goes to the inbox. "processed/s over the run" = rows written while the load ran ÷ its length; the backlog is what was acknowledged but not yet processed when it ended. Nothing pinned. CPU of the nodes from /proc, of PostgreSQL (the database\'s backends) and Redis (redis-server, shared) likewise.',
    '- **Goal 4.** The same database grown to the bot count by the API and to 10 conversations per bot by webhooks through the workers; then the API node is stopped and a fresh one started (`--role api`); its VmRSS sampled every 100 ms under the traffic, VmHWM from /proc at the end.',
  ];
}

main().then(
  async (code) => {
    await shutdown({ final: true });
    process.exit(code);
  },
  async (err) => {
    log(`FAILED: ${err?.stack ?? err}`);
    await shutdown({ final: true });
    process.exit(1);
  },
);
