#!/usr/bin/env node
/**
 * Foundation benchmark (issue 2, item 12): GET /v1/me on the real Probador server, side by side
 * with a bare node:http server and an Express 5 server doing the same work, in two modes:
 * embedded (PGlite, no Redis) and PostgreSQL + Redis. See bench/README.md.
 *
 *   npm run bench                          # build, then the full run (writes bench/RESULTS.md)
 *   BENCH_DURATION=3 npm run bench         # quick check (1 round; RESULTS.md left alone)
 *   node bench/run.mjs --duration 3 --modes embedded --rounds 1 --no-write
 */
import { writeResultsSection } from './lib/results.mjs';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { cpuTimeMs, launchEnv, launchFlags, machineMeter, memoryOf, onCleanup, rssSampler, runNode, shutdown, startChild, startMonoNs, stopChild, waitOutput } from './lib/children.mjs';
import { paced } from './lib/paced.mjs';
import { cliJson, freePort, median } from './lib/util.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
// The server runs from a copy of dist/ taken at start (under bench/out/, so that node_modules and
// the project root still resolve): a rebuild by someone else during the run changes nothing.
// BENCH_DIST: measure another build (e.g. of a clean export while the shared checkout has work in progress).
const DIST = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(ROOT, 'dist');
const SNAPSHOT = join(BENCH_DIR, 'out', `dist-${process.pid}`);
const CLI = join(SNAPSHOT, 'bundle/cli.js');
const RESULTS = join(BENCH_DIR, 'RESULTS.md');
const SECTION = '## Foundation: GET /v1/me';
/** A subsection of SECTION that new runs keep (hand-written findings). */
const ANALYSIS = '### Analysis (kept across runs)';

// ---------- settings (flags win over environment) ----------
const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    modes: { type: 'string' },
    quick: { type: 'boolean', default: false },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean' },
    profile: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  console.log(readFileSync(join(BENCH_DIR, 'README.md'), 'utf8'));
  process.exit(0);
}
const env = process.env;
const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
const DURATION = num(flags.duration ?? env.BENCH_DURATION, flags.quick ? 3 : 10);
const QUICK = DURATION < 10;
const WARMUP = num(flags.warmup ?? env.BENCH_WARMUP, QUICK ? 3 : 10);
const ROUNDS = num(flags.rounds ?? env.BENCH_ROUNDS, QUICK ? 1 : 5);
const CONNECTIONS = num(flags.connections ?? env.BENCH_CONNECTIONS, 50);
const MODES = (flags.modes ?? env.BENCH_MODES ?? 'embedded,postgres').split(',').map((s) => s.trim()).filter(Boolean);
const WRITE = flags['no-write'] ? false : flags.write || env.BENCH_WRITE === '1' ? true : env.BENCH_WRITE === '0' ? false : !QUICK;
const PROFILE = flags.profile || env.BENCH_PROFILE === '1';
const PROFILE_DIR = join(BENCH_DIR, 'out', 'profiles');
// BENCH_TRACE=1: write each paced round's timeline (issue time and latency of every request) to bench/out.
const TRACE = env.BENCH_TRACE === '1';
// Seconds of each paced run sent at the same pace but not recorded (each server has been idle while the others ran).
const PACED_WARMUP = num(env.BENCH_PACED_WARMUP, 1);
const AUTOCANNON_RATE = env.BENCH_AUTOCANNON_RATE !== '0';
// Wait up to BENCH_QUIET_WAIT seconds before each round until the machine (every process, ours
// being idle then) uses less than BENCH_QUIET_CPU % of its cores over 2 s.
const QUIET_WAIT = num(env.BENCH_QUIET_WAIT, 0);
const QUIET_CPU = num(env.BENCH_QUIET_CPU, 25);
// Pinning (default on a machine with 2+ cores): every measured server runs on core 0 and this
// process (the load generators) on core 1, so the generator never takes the server's CPU. PostgreSQL,
// Redis and the rest of the machine are not pinned. BENCH_PIN=0 turns it off.
const PIN = env.BENCH_PIN !== '0' && cpus().length >= 2;
const SERVER_CPU = 0;
const CLIENT_CPU = 1;
// BENCH_NODE_FLAGS: other flags for Probador (to compare heap settings).
const NODE_FLAGS = env.BENCH_NODE_FLAGS !== undefined ? env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean) : launchFlags(ROOT);
// The environment variables of `npm start` (e.g. MALLOC_ARENA_MAX); BENCH_NODE_ENV="A=1 B=2" replaces them.
const NODE_ENV_VARS = env.BENCH_NODE_ENV !== undefined ? Object.fromEntries(env.BENCH_NODE_ENV.split(/\s+/).filter(Boolean).map((w) => w.split('='))) : launchEnv(ROOT);
const PG_ADMIN_URL = env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
// The API's maximum limit override (contracts/tenants.ts): a 1,000,000 window (16.7k req/s) ran out
// within a minute of back-to-back peak rounds.
const LIMIT = 100_000_000;

for (const [k, v] of Object.entries({ DURATION, WARMUP, ROUNDS, CONNECTIONS })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`bench: ${k} must be a positive number`);
}
for (const m of MODES) if (!['embedded', 'postgres'].includes(m)) throw new Error(`bench: unknown mode "${m}" (embedded, postgres)`);

const log = (...a) => console.error('bench:', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- helpers ----------

/** The environment of the parent without any Probador setting, so nothing leaks into a mode. */
function cleanEnv() {
  const e = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^(PROBADOR_|DATABASE_|REDIS_)/.test(k) || ['PORT', 'HOST', 'PUBLIC_URL', 'LOG_LEVEL', 'LOG_PRETTY', 'NODE_OPTIONS'].includes(k)) continue;
    e[k] = v;
  }
  return e;
}

async function waitReady(base, child, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    if (!child.alive()) throw new Error(`${child.name} exited while starting:\n${child.output().slice(-4000)}`);
    try {
      const r = await fetch(`${base}/ready`);
      if (r.status === 200) return;
      last = `${r.status} ${await r.text()}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(200);
  }
  throw new Error(`${child.name} not ready after ${timeoutMs / 1000} s (${last}):\n${child.output().slice(-4000)}`);
}

async function json(method, url, { token, body } = {}) {
  const r = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url} -> ${r.status}: ${text}`);
  return { status: r.status, text, body: JSON.parse(text) };
}

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// ---------- load ----------
function cannon(url, key, opts) {
  return new Promise((res, rej) => {
    autocannon({ url, headers: { authorization: `Bearer ${key}` }, connections: CONNECTIONS, pipelining: 1, ...opts }, (err, r) => (err ? rej(err) : res(r)));
  });
}

const faults = (r) => ({ non2xx: r.non2xx ?? 0, errors: r.errors ?? 0, timeouts: r.timeouts ?? 0, mismatches: r.mismatches ?? 0 });
const faultCount = (f) => f.non2xx + f.errors + f.timeouts + f.mismatches;
function addFaults(acc, f, what, statusCodes) {
  for (const k of Object.keys(f)) acc[k] += f[k];
  if (faultCount(f) > 0) acc.where.push(`${what}: ${JSON.stringify(f)} status ${JSON.stringify(statusCodes ?? {})}`);
}

// ---------- one mode ----------
async function prepareMode(mode, adminPassword) {
  const dataDir = mkdtempSync(join(tmpdir(), `probador-bench-${mode}-`));
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  const e = {
    ...cleanEnv(),
    PROBADOR_DATA_DIR: dataDir,
    PROBADOR_SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    PROBADOR_ADMIN_EMAIL: 'bench@example.com',
    PROBADOR_ADMIN_PASSWORD: adminPassword,
  };
  const notes = {};
  if (mode === 'postgres') {
    const dbName = `probador_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      notes.postgres = (await admin.query('SHOW server_version')).rows[0].server_version;
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${dbName}`);
    } finally {
      await admin.end();
    }
    onCleanup(async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    });
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${dbName}`;
    const prefix = `probador-bench:${process.pid}:`;
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    notes.redis = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
    const dropKeys = async () => {
      let n = 0;
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
        if (keys.length) n += await redis.del(...keys);
      }
      return n;
    };
    await dropKeys();
    onCleanup(async () => {
      try {
        await dropKeys();
      } finally {
        redis.disconnect();
      }
    });
    Object.assign(e, { DATABASE_URL: u.toString(), REDIS_URL, REDIS_PREFIX: prefix });
  }
  return { env: e, dataDir, notes };
}

async function startOurs(mode, modeEnv) {
  const port = await freePort();
  const nodeArgs = [];
  const probe = {};
  if (PROFILE) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    nodeArgs.push('--import', join(BENCH_DIR, 'lib', 'probe.mjs'));
    probe.BENCH_PROBE_DIR = PROFILE_DIR;
    probe.BENCH_PROBE_NAME = `ours-${mode}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
  }
  // PostgreSQL + Redis: an API node (`--role api`), as deployed behind a load balancer with workers
  // apart; the goals (issue 2) are for that role. Embedded: the one process does everything.
  const role = mode === 'postgres' ? ['--role', 'api'] : [];
  // The Node.js flags of `npm start` (heap sizing, see docs/architecture.md).
  const child = startChild(`probador (${mode})`, [...NODE_FLAGS, ...nodeArgs, CLI, 'start', ...role], { env: { ...modeEnv, ...NODE_ENV_VARS, ...probe, PORT: String(port), HOST: '127.0.0.1' }, cwd: ROOT, cpu: PIN ? SERVER_CPU : undefined });
  child.probeName = probe.BENCH_PROBE_NAME;
  const base = `http://127.0.0.1:${port}`;
  await waitReady(base, child);
  return { child, base };
}

/** Toggle the profiling probe of a server started with bench/lib/probe.mjs (start, then stop + write). */
async function probe(child) {
  const from = child.output().length;
  const starting = !child.probing;
  child.probing = starting;
  child.proc.kill('SIGUSR2');
  await waitOutput(child, starting ? /PROBE STARTED/ : /PROBE (WRITTEN|FAILED)/, from);
  if (starting) return undefined;
  if (/PROBE FAILED/.test(child.output().slice(from))) throw new Error(`profiling failed: ${child.output().slice(from)}`);
  return { cpu: join(PROFILE_DIR, `${child.probeName}.cpuprofile`), heap: join(PROFILE_DIR, `${child.probeName}.heapprofile`) };
}

async function startBaseline(name, file, key, meText) {
  const port = await freePort();
  const child = startChild(name, [join(BENCH_DIR, file)], { env: { ...cleanEnv(), PORT: String(port), BENCH_KEY: key, BENCH_ME: meText }, cwd: ROOT, ready: /READY (\d+)/, cpu: PIN ? SERVER_CPU : undefined });
  await child.started;
  return { child, base: `http://127.0.0.1:${port}` };
}

const busyText = (b) => `CPU: server ${b.serverPct.toFixed(0)}%, load generator ${b.benchPct.toFixed(0)}%, others ${b.othersPct.toFixed(0)}% (hypervisor steal ${b.stealPct.toFixed(0)}%) of the machine`;

async function waitQuiet() {
  if (QUIET_WAIT <= 0) return;
  const until = Date.now() + QUIET_WAIT * 1000;
  for (let said = false; ; said = true) {
    const meter = machineMeter(process.pid);
    await sleep(2_000);
    const b = meter();
    const busy = 100 - b.idlePct;
    if (busy < QUIET_CPU) return;
    if (Date.now() >= until) return log(`machine still ${busy.toFixed(0)} % busy after ${QUIET_WAIT} s: measuring anyway`);
    if (!said) log(`machine ${busy.toFixed(0)} % busy: waiting up to ${QUIET_WAIT} s for it to drop below ${QUIET_CPU} %…`);
  }
}

async function runMode(mode) {
  const label = mode === 'embedded' ? 'embedded (PGlite, no Redis)' : 'PostgreSQL + Redis';
  log(`── mode: ${label}`);
  const adminPassword = randomBytes(12).toString('base64url');
  const { env: modeEnv, notes } = await prepareMode(mode, adminPassword);

  // Tenant and key through the CLI, before the server takes the PGlite data directory lock.
  log('creating the bench tenant and its secret key (CLI)…');
  const tenant = cliJson(await runNode('probador tenant create', [CLI, 'tenant', 'create', '--name', 'Bench', '--tier', 'enterprise', '--json'], { env: modeEnv, cwd: ROOT }));
  const created = cliJson(await runNode('probador key create', [CLI, 'key', 'create', '--tenant', tenant.id, '--name', 'bench', '--json'], { env: modeEnv, cwd: ROOT }));
  const key = created.key;

  log('starting the Probador server…');
  const ours = await startOurs(mode, modeEnv);
  const oursRss = rssSampler(ours.child.pid);
  const startupHwmKb = memoryOf(ours.child.pid)?.hwmKb;

  // Limits high enough that load never meets a 429 (admin API, as an operator).
  const login = await json('POST', `${ours.base}/admin/v1/auth/login`, { body: { email: 'bench@example.com', password: adminPassword } });
  const token = login.body.access_token;
  const patched = await json('PATCH', `${ours.base}/admin/v1/tenants/${tenant.id}`, {
    token,
    body: { limits: { requests_per_minute_per_key: LIMIT, requests_per_minute_per_tenant: LIMIT } },
  });
  if (patched.body.limits.requests_per_minute_per_key !== LIMIT) throw new Error(`limits not applied: ${patched.text}`);

  const me = await json('GET', `${ours.base}/v1/me`, { token: key });
  if (me.body.limits.requests_per_minute_per_key !== LIMIT || me.body.limits.requests_per_minute_per_tenant !== LIMIT) {
    throw new Error(`GET /v1/me does not show the new limits yet: ${me.text}`);
  }

  log('starting the baselines…');
  const nodeHttp = await startBaseline('node:http', 'baseline-node-http.mjs', key, me.text);
  const express = await startBaseline('express', 'baseline-express.mjs', key, me.text);

  const servers = [
    { id: 'ours', name: 'Probador (Fastify 5)', ...ours },
    { id: 'node', name: 'bare node:http', ...nodeHttp },
    { id: 'express', name: 'Express 5', ...express },
  ];
  for (const s of servers) {
    const r = await json('GET', `${s.base}/v1/me`, { token: key });
    s.body = r.text;
    s.url = `${s.base}/v1/me`;
    if (!sameJson(r.body, me.body)) throw new Error(`${s.name} answers a different /v1/me body:\n${r.text}\nvs\n${me.text}`);
    s.sampler = s.id === 'ours' ? oursRss : rssSampler(s.child.pid);
    s.peaks = [];
    s.paced = [];
    s.faults = { non2xx: 0, errors: 0, timeouts: 0, mismatches: 0, where: [] };
  }

  // Warm up (JIT, caches, connections), then the peak: closed loop, CONNECTIONS connections.
  for (const s of servers) {
    log(`warm-up ${s.name}: ${WARMUP} s…`);
    const w = await cannon(s.url, key, { duration: WARMUP, expectBody: s.body });
    addFaults(s.faults, faults(w), `warm-up`, w.statusCodeStats);
  }
  oursRss.reset();
  const loadAtStart = loadavg()[0];
  // Each round: every server's peak (closed loop), each followed directly by its latency at half of
  // Probador's peak of this same round (open loop, evenly paced, the same absolute rate for all
  // three). This machine's speed swings by up to ~1.7x within minutes (the server's CPU per
  // request, per round, in the log), so a rate taken from a peak measured minutes earlier can be
  // 85 % of what the server can do at the time of the paced run instead of half of it.
  const rates = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await waitQuiet();
    let rate = 0;
    for (const s of servers) {
      log(`peak ${s.name} (round ${round}/${ROUNDS}): ${DURATION} s, ${CONNECTIONS} connections…`);
      const profiling = PROFILE && s.id === 'ours' && round === 1;
      if (profiling) await probe(s.child);
      const cpu0 = cpuTimeMs(s.child.pid);
      const meter = machineMeter(s.child.pid);
      const r = await cannon(s.url, key, { duration: DURATION, expectBody: s.body });
      const cpuMs = cpuTimeMs(s.child.pid) - cpu0;
      const busy = meter();
      if (profiling) s.profiled = { ...(await probe(s.child)), requests: r.requests.total };
      addFaults(s.faults, faults(r), `peak round ${round}`, r.statusCodeStats);
      s.peaks.push({ rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, cpuUsPerReq: (1000 * cpuMs) / r.requests.total, busy });
      log(`   ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, CPU ${((1000 * cpuMs) / r.requests.total).toFixed(0)} µs/req, non-2xx ${r.non2xx}, errors ${r.errors}; ${busyText(busy)}`);
      if (s.id === 'ours') rates.push((rate = Math.max(1, Math.floor(r.requests.average / 2))));

      log(`latency ${s.name} (round ${round}/${ROUNDS}): ${rate} req/s (half of Probador's peak just measured) for ${DURATION} s…`);
      const pcpu0 = cpuTimeMs(s.child.pid);
      const pmeter = machineMeter(s.child.pid);
      const p = await paced({ url: s.url, headers: { authorization: `Bearer ${key}` }, rate, duration: DURATION, connections: CONNECTIONS, warmup: PACED_WARMUP, expectBody: s.body, trace: TRACE });
      p.busy = pmeter(p.generatorCpuMs);
      p.cpuUsPerReq = (1000 * (cpuTimeMs(s.child.pid) - pcpu0)) / (p.requests + Math.round(rate * PACED_WARMUP));
      if (p.trace) {
        mkdirSync(join(BENCH_DIR, 'out'), { recursive: true });
        const f = join(BENCH_DIR, 'out', `trace-${mode}-${s.id}-${round}.json`);
        writeFileSync(f, JSON.stringify({ rate, monoT0Ns: p.trace.monoT0Ns, serverStartMonoNs: startMonoNs(s.child.pid), issuedAt: [...p.trace.issuedAt], latency: [...p.trace.latency] }));
        delete p.trace;
        log(`   timeline: ${f}`);
      }
      addFaults(s.faults, faults(p), `paced round ${round}`, p.statusCodes);
      s.paced.push(p);
      log(`   ${p.achievedRate.toFixed(0)} req/s, p50 ${p.latency.p50.toFixed(2)} ms, p99 ${p.latency.p99.toFixed(2)} ms, CPU ${p.cpuUsPerReq.toFixed(0)} µs/req; ${busyText(p.busy)}`);
    }
  }
  const halfRate = Math.floor(median(rates));
  const loadAtEnd = loadavg()[0];

  // For reference: the same rate through autocannon's overallRate (bursty; see lib/paced.mjs).
  if (AUTOCANNON_RATE) {
    for (const s of servers) {
      log(`autocannon overallRate ${s.name}: ${halfRate} req/s for ${DURATION} s…`);
      const r = await cannon(s.url, key, { duration: DURATION, overallRate: halfRate, expectBody: s.body });
      addFaults(s.faults, faults(r), 'autocannon overallRate', r.statusCodeStats);
      s.cannonRate = { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
    }
  }

  // Memory, then stop everything of this mode.
  for (const s of servers) {
    const m = memoryOf(s.child.pid);
    s.rssMaxKb = s.sampler.max();
    s.hwmKb = m?.hwmKb;
    s.sampler.stop();
  }
  const stops = await Promise.all(servers.map((s) => stopChild(s.child)));
  if (stops[0].code !== 0) log(`warning: the Probador server exited with code ${stops[0].code} signal ${stops[0].signal}:\n${ours.child.output().slice(-2000)}`);
  const serverWarnings = ours.child
    .output()
    .split('\n')
    // Log lines (JSON: stdout is a pipe) at warn or above, and any other line that speaks of an
    // error or a warning; the start banner and the probe's own lines are not warnings.
    .filter((l) => {
      if (!l.trim() || /PROBE (STARTED|WRITTEN)/.test(l)) return false;
      try {
        return JSON.parse(l).level >= 40;
      } catch {
        return /error|warn/i.test(l);
      }
    })
    .join('\n');
  if (servers[0].profiled) {
    const { cpu, heap, requests } = servers[0].profiled;
    for (const f of [cpu, heap]) {
      const summary = await runNode('profile summary', [join(BENCH_DIR, 'lib', 'profile-summary.mjs'), f, '25', '--requests', String(requests)], { env: cleanEnv(), cwd: ROOT });
      log(`profile of Probador (${mode}) during its first peak run:\n${summary}`);
    }
  }
  await shutdown(); // this mode's temp dir, database and Redis keys

  return { mode, label, notes, servers, halfRate, rates, startupHwmKb, serverWarnings, loadAtStart, loadAtEnd };
}

// ---------- report ----------
const f0 = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const mb = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : 'n/a');
const range = (xs, fmt) => (xs.length > 1 ? ` (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : '');

function modeTable(m) {
  const [ours, node, express] = m.servers;
  const lines = [];
  lines.push(`### ${m.label}`);
  lines.push('');
  lines.push(
    `Peak: autocannon, ${CONNECTIONS} connections, pipelining 1, ${DURATION} s × ${ROUNDS} round(s), median (min–max). ` +
      `Latency: open-loop paced load, in each round right after each server's peak run, at half of Probador's peak of that round ` +
      `(**${f0(m.halfRate)} req/s** median${range(m.rates, f0)}, the same rate for every server), ${DURATION} s × ${ROUNDS} round(s), median of the rounds' percentiles.`,
  );
  lines.push('');
  lines.push('| server | peak req/s | server CPU per request | p50 / p99 at peak (ms) | p50 / p99 at ~' + f0(m.halfRate) + ' req/s (ms) | CPU per request there | RSS max under load | VmHWM | non-2xx / errors |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of m.servers) {
    const peaks = s.peaks.map((p) => p.rps);
    const p99s = s.paced.map((p) => p.latency.p99);
    const bad = s.faults.non2xx + s.faults.errors + s.faults.timeouts + s.faults.mismatches;
    lines.push(
      `| ${s.name} | ${f0(median(peaks))}${range(peaks, f0)} | ${f0(median(s.peaks.map((p) => p.cpuUsPerReq)))} µs | ${median(s.peaks.map((p) => p.p50))} / ${median(s.peaks.map((p) => p.p99))} | ` +
        `${f2(median(s.paced.map((p) => p.latency.p50)))} / ${f2(median(p99s))}${range(p99s, f2)} | ${f0(median(s.paced.map((p) => p.cpuUsPerReq)))} µs${range(s.paced.map((p) => p.cpuUsPerReq), f0)} | ${mb(s.rssMaxKb)} | ${mb(s.hwmKb)} | ${bad === 0 ? '0' : `**${s.faults.non2xx} / ${s.faults.errors + s.faults.timeouts + s.faults.mismatches}**`} |`,
    );
  }
  const others = m.servers.flatMap((s) => [...s.peaks.map((p) => p.busy.othersPct), ...s.paced.map((p) => p.busy.othersPct)]);
  const steal = m.servers.flatMap((s) => [...s.peaks.map((p) => p.busy.stealPct), ...s.paced.map((p) => p.busy.stealPct)]);
  lines.push('');
  lines.push(
    `Machine during the measured runs: other processes${m.mode === 'postgres' ? ' (PostgreSQL and Redis included)' : ''} used a median ${f0(median(others))} % (max ${f0(Math.max(...others))} %) of the 2 cores, ` +
      `of which the hypervisor's steal (time our virtual CPUs were not running) a median ${f1(median(steal))} % (max ${f1(Math.max(...steal))} %); ` +
      `1-min load average ${m.loadAtStart.toFixed(1)} at the start, ${m.loadAtEnd.toFixed(1)} at the end. ` +
      `Probador's VmHWM right after start-up (before any load): ${mb(m.startupHwmKb)}.`,
  );
  lines.push('');
  lines.push(`Ratios (peak req/s): **Probador / node:http = ${f2(median(ours.peaks.map((p) => p.rps)) / median(node.peaks.map((p) => p.rps)))}×**, ` +
    `**Probador / Express 5 = ${f2(median(ours.peaks.map((p) => p.rps)) / median(express.peaks.map((p) => p.rps)))}×**.`);
  lines.push('');
  lines.push(`Probador round by round (peak → paced rate: p99, server CPU per request paced): ` +
    ours.peaks.map((p, i) => `${f0(p.rps)} → ${f0(m.rates[i])} req/s: ${f2(ours.paced[i]?.latency.p99)} ms, ${f0(ours.paced[i]?.cpuUsPerReq)} µs`).join('; ') + '.');
  if (m.servers[0].cannonRate) {
    lines.push('');
    lines.push(`For reference, autocannon \`overallRate: ${m.halfRate}\` (bursty, not used for the goals; see bench/README.md): ` +
      m.servers.map((s) => `${s.name} p50 / p99 ${s.cannonRate.p50} / ${s.cannonRate.p99} ms`).join('; ') + '.');
  }
  return lines.join('\n');
}

function goals(results) {
  const rows = [];
  const by = Object.fromEntries(results.map((r) => [r.mode, r]));
  const cell = (m, fn) => (m ? fn(m) : 'not run');
  const ratio = (m, other) => median(m.servers[0].peaks.map((p) => p.rps)) / median(m.servers.find((s) => s.id === other).peaks.map((p) => p.rps));
  const p99 = (m) => median(m.servers[0].paced.map((p) => p.latency.p99));
  const verdict = (ok) => (ok ? '**PASS**' : '**MISS**');
  rows.push(['≥ 0.5× bare node:http req/s', (m) => `${verdict(ratio(m, 'node') >= 0.5)} ${f2(ratio(m, 'node'))}×`]);
  rows.push(['≥ 2× Express 5 req/s', (m) => `${verdict(ratio(m, 'express') >= 2)} ${f2(ratio(m, 'express'))}×`]);
  rows.push(['p99 < 10 ms at half of peak load', (m) => `${verdict(p99(m) < 10)} ${f2(p99(m))} ms at ${f0(m.halfRate)} req/s`]);
  rows.push([
    'API RSS < 100 MB (PostgreSQL + Redis)',
    (m) => {
      const s = m.servers[0];
      const worst = Math.max(s.rssMaxKb ?? 0, s.hwmKb ?? 0);
      if (m.mode !== 'postgres') return `(goal is for PostgreSQL + Redis) ${mb(s.hwmKb)}`;
      return `${verdict(worst < 100 * 1024)} VmHWM ${mb(s.hwmKb)}, max under load ${mb(s.rssMaxKb)}`;
    },
  ]);
  const out = ['| goal (issue 2) | embedded (PGlite) | PostgreSQL + Redis |', '|---|---|---|'];
  for (const [name, fn] of rows) out.push(`| ${name} | ${cell(by.embedded, fn)} | ${cell(by.postgres, fn)} |`);
  return out.join('\n');
}

function report(results, startedAt, invalid) {
  const c = cpus();
  const notes = Object.assign({}, ...results.map((r) => r.notes));
  const lines = [];
  lines.push(SECTION);
  lines.push('');
  if (invalid) lines.push(`> **INVALID RUN**: some requests did not get a 200 with the expected body (${invalid}).\n`);
  lines.push(`- Date: ${startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC (took ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s)`);
  lines.push(
    `- Machine: ${c.length} cores (${c[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}` +
      `${notes.postgres ? `, PostgreSQL ${notes.postgres}` : ''}${notes.redis ? `, Redis ${notes.redis}` : ''}, all on localhost. ` +
      (PIN
        ? `Pinned: every measured server on core ${SERVER_CPU}, the load generators (autocannon and the paced generator, this process) on core ${CLIENT_CPU}; PostgreSQL, Redis and other work float. `
        : 'Not pinned (BENCH_PIN=0): load generator, server, PostgreSQL and Redis share the cores. ') +
      'Other work on the machine is given per mode; when it is above ~20 %, req/s and tail latencies swing between rounds. The server CPU per request is the steadiest figure.',
  );
  lines.push(
    `- Command: \`${QUIET_WAIT > 0 ? `BENCH_QUIET_WAIT=${QUIET_WAIT} ` : ''}npm run bench\` ` +
      `(BENCH_DURATION=${DURATION}, BENCH_WARMUP=${WARMUP}, BENCH_ROUNDS=${ROUNDS}, BENCH_CONNECTIONS=${CONNECTIONS}, BENCH_MODES=${MODES.join(',')})`,
  );
  lines.push(
    `- Each server is a child process of bench/run.mjs (the load generator): Probador is \`${Object.entries(NODE_ENV_VARS).map(([k, v]) => `${k}=${v} `).join('')}node ${NODE_FLAGS.join(' ')} dist/bundle/cli.js start\` (the flags and the server bundle of \`npm start\`; \`start --role api\` in PostgreSQL + Redis mode; from a copy of dist/ taken at start; LOG_LEVEL=warn, tenant tier enterprise with ` +
      `limits overridden to ${LIMIT.toLocaleString('en-US')}/min so no 429), the baselines are bench/baseline-node-http.mjs and bench/baseline-express.mjs. ` +
      'Every server answers the same /v1/me body, checked on every response. RSS from /proc/<pid>/status (VmRSS sampled every 100 ms during load; VmHWM = lifetime peak, start-up included).',
  );
  lines.push('');
  for (const r of results) {
    lines.push(modeTable(r));
    lines.push('');
  }
  lines.push('### Goals');
  lines.push('');
  lines.push(goals(results));
  lines.push('');
  return lines.join('\n');
}

const writeSection = (section) => writeResultsSection(RESULTS, SECTION, section, { keep: ANALYSIS });

// ---------- main ----------
async function main() {
  if (!existsSync(join(DIST, 'bundle/cli.js'))) throw new Error(`${DIST}/bundle/cli.js not found: run "npm run build" first (npm run bench does).`);
  onCleanup(() => rmSync(SNAPSHOT, { recursive: true, force: true }), { final: true });
  cpSync(DIST, SNAPSHOT, { recursive: true });
  if (PIN) execFileSync('taskset', ['-pc', String(CLIENT_CPU), String(process.pid)], { stdio: 'ignore' });
  const startedAt = new Date();
  log(`duration ${DURATION} s, warm-up ${WARMUP} s, rounds ${ROUNDS}, connections ${CONNECTIONS}, modes ${MODES.join(', ')}; free memory ${Math.round(freemem() / 2 ** 20)} MB`);
  const results = [];
  for (const mode of MODES) results.push(await runMode(mode));

  const bad = results.flatMap((r) => r.servers.flatMap((s) => s.faults.where.map((w) => `${r.mode} ${s.name} ${w}`)));
  const invalid = bad.length ? bad.join('; ') : '';
  const section = report(results, startedAt, invalid);
  console.log('\n' + section);
  for (const r of results) if (r.serverWarnings) log(`Probador (${r.mode}) printed:\n${r.serverWarnings.slice(-3000)}`);
  if (invalid) {
    log('INVALID RUN: not writing bench/RESULTS.md');
    return 1;
  }
  if (WRITE) {
    writeSection(section);
    log(`wrote ${RESULTS} (section "${SECTION}")`);
  } else log('RESULTS.md not written (quick run or --no-write; BENCH_WRITE=1 to force)');
  return 0;
}

main().then(
  async (code) => {
    await shutdown({ final: true });
    process.exit(code);
  },
  async (err) => {
    console.error(`bench: ${err?.stack ?? err}`);
    await shutdown({ final: true });
    process.exit(1);
  },
);
