#!/usr/bin/env node
/**
 * Try-on pipeline benchmark (issue 3): the pipeline's own overhead with an instant provider,
 * embedded (PGlite + database queue, one process) and PostgreSQL + Redis (BullMQ, the API in this
 * process, 2 worker processes); intake of a 12 MP JPEG; cache-hit latency. See bench/tryon/README.md.
 *
 *   npm run bench:tryon                      # build, then the full run (writes its section of bench/RESULTS.md)
 *   BENCH_QUICK=1 node bench/tryon.mjs       # short run (small N/M); prints, leaves RESULTS.md alone
 *   BENCH_PROFILE=1 node bench/tryon.mjs     # also CPU profiles of the throughput runs (bench/out/profiles/)
 */
import { writeResultsSection } from './lib/results.mjs';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { stopChild } from './lib/children.mjs';
import {
  benchEnv,
  completionTracker,
  countsDelta,
  countsSum,
  cpuDelta,
  cpuOfMatching,
  installCounters,
  instant,
  machineMeter,
  median,
  memoryOf,
  multipartBody,
  photoJpeg,
  rssSampler,
  summary,
  tapPublish,
  tapRedis,
  loadKnownConfig,
} from './tryon/common.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const RESULTS = join(BENCH_DIR, 'RESULTS.md');
const SECTION = '## Try-on pipeline';
/** A subsection of SECTION that new runs keep (hand-written findings). */
const KEPT = '### Findings (kept across runs)';
const PROFILE_DIR = join(BENCH_DIR, 'out/profiles');

/** The build under test: dist/ (BENCH_DIST: another build, e.g. a patched copy, to compare a candidate fix). */
const DIST = resolve(process.env.BENCH_DIST ?? join(ROOT, 'dist'));
const dist = (p) => import(pathToFileURL(join(DIST, 'src', p)).href);
if (!existsSync(join(DIST, 'src/app.js'))) {
  console.error(`bench/tryon: ${DIST}/src/app.js is missing: run \`npm run build\` first (or \`npm run bench:tryon\`).`);
  process.exit(1);
}
const { loadConfig } = await dist('config.js');
const { createDeps } = await dist('deps.js');
const { buildApp } = await dist('app.js');
const { normalizeImage } = await dist('platform/images/normalize.js');

// ---------- settings ----------
const env = process.env;
const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
const QUICK = env.BENCH_QUICK === '1';
const S = {
  latencyN: num(env.BENCH_TRYON_N, QUICK ? 40 : 200),
  warmup: num(env.BENCH_TRYON_WARMUP, QUICK ? 10 : 30),
  // Try-ons under load before the measured phases, so they measure processes past their JIT
  // warm-up ("sustained"): in a drain right after start, each fresh worker spent ~20 % of a core
  // in V8's optimizing compiler (perf), a third of that still in the throughput run after it.
  loadWarmup: num(env.BENCH_TRYON_LOAD_WARMUP, QUICK ? 300 : 2000),
  embeddedM: num(env.BENCH_TRYON_M, QUICK ? 300 : 2000),
  postgresM: num(env.BENCH_TRYON_M_PG, QUICK ? 600 : 5000),
  embeddedD: num(env.BENCH_TRYON_DRAIN, QUICK ? 200 : 1000),
  postgresD: num(env.BENCH_TRYON_DRAIN_PG, QUICK ? 300 : 2000),
  submitters: num(env.BENCH_TRYON_SUBMITTERS, 50),
  concurrency: num(env.BENCH_TRYON_CONCURRENCY, 32), // PROBADOR_TRYON_CONCURRENCY (per process)
  workers: num(env.BENCH_TRYON_WORKERS, 2),
  poolMax: num(env.BENCH_TRYON_POOL, 20), // DATABASE_POOL_MAX per process (PostgreSQL)
  cacheN: num(env.BENCH_TRYON_CACHE_N, QUICK ? 40 : 200),
  intakeIters: num(env.BENCH_TRYON_INTAKE_ITERS, QUICK ? 5 : 25),
  intakeWarmup: QUICK ? 1 : 3,
  httpIntakeIters: num(env.BENCH_TRYON_HTTP_INTAKE_ITERS, QUICK ? 3 : 10),
  modes: (env.BENCH_MODES ?? 'postgres,embedded').split(',').map((s) => s.trim()).filter(Boolean),
  profile: env.BENCH_PROFILE === '1',
  quietWaitS: num(env.BENCH_QUIET_WAIT, QUICK ? 0 : 180), // wait up to this long for a quiet machine before each mode
  quietBusyPct: num(env.BENCH_QUIET_BUSY, 25), // … "quiet": other processes use less than this % of all cores
  pgUrl: env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
};
const counters = await installCounters();
const WRITE = env.BENCH_WRITE === '1' ? true : env.BENCH_WRITE === '0' ? false : !QUICK;
const GOALS = { overheadP95Ms: 25, embeddedJobsPerS: 300, bullJobsPerS: 1000, intakeRatio: 1.3 };

const log = (m) => process.stderr.write(`[bench:tryon ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const f0 = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const mb = (kb) => (Number.isFinite(kb) ? `${Math.round(kb / 1024)} MB` : '–');

// ---------- clean-up: children and steps run on success, error and SIGINT/SIGTERM ----------
const children = new Set();
const cleanups = [];
let shuttingDown;
const onCleanup = (fn) => cleanups.push(fn);
// Data folders go only when the whole run is over: deleting one mode's thousands of files would
// slow the next mode's file creation for minutes on this machine (see BENCH_DATA_PARENT).
const dataDirs = [];
process.on('exit', () => {
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});
function shutdown() {
  shuttingDown ??= (async () => {
    await Promise.all([...children].map((c) => stopChild(c).catch(() => undefined)));
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        log(`clean-up step failed: ${err?.message ?? err}`);
      }
    }
  })().finally(() => {
    shuttingDown = undefined;
  });
  return shuttingDown;
}
process.on('exit', () => {
  for (const c of children) if (c.alive()) c.proc.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    log(`${sig}: stopping workers and cleaning up…`);
    setTimeout(() => process.exit(130), 30_000).unref();
    shutdown().finally(() => process.exit(130));
  });
}

function startWorker(name, workerEnv) {
  const nodeArgs = (env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, join(BENCH_DIR, 'tryon/worker.mjs')], {
    cwd: ROOT,
    env: { PATH: env.PATH, HOME: env.HOME, ...(env.PGOPTIONS ? { PGOPTIONS: env.PGOPTIONS } : {}), BENCH_DIST: DIST, BENCH_TRYON_ENV: JSON.stringify(workerEnv) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const keep = (c) => {
    out = (out + c.toString('utf8')).slice(-32_768);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  const child = { name, proc, pid: proc.pid, exited, output: () => out, alive: () => proc.exitCode === null && proc.signalCode === null };
  children.add(child);
  exited.then(() => children.delete(child));
  let seq = 0;
  /** Ask the worker over IPC; resolves with its answer (`answer` type, same id). */
  child.ask = (msg, answer, timeoutMs = 30_000) =>
    new Promise((res, rej) => {
      const id = ++seq;
      const t = setTimeout(() => rej(new Error(`${name}: no ${answer} answer`)), timeoutMs);
      const on = (m) => {
        if (m?.type !== answer || m.id !== id) return;
        clearTimeout(t);
        proc.off('message', on);
        res(m);
      };
      proc.on('message', on);
      proc.send({ ...msg, id });
    });
  child.counts = async () => (await child.ask({ type: 'counts' }, 'counts')).counts;
  child.ready = new Promise((resolveReady, reject) => {
    proc.once('error', reject);
    exited.then(({ code, signal }) => reject(new Error(`${name} exited (code ${code}, signal ${signal}):\n${out.slice(-3000)}`)));
    const t = setInterval(() => {
      if (/worker ready/.test(out)) {
        clearInterval(t);
        resolveReady();
      }
    }, 20);
    exited.then(() => clearInterval(t));
  });
  return child;
}

// ---------- CPU profiles of one phase (BENCH_PROFILE=1): this process and the workers ----------
async function profileStart(workers = []) {
  if (!S.profile) return undefined;
  await Promise.all(workers.map((w) => w.ask({ type: 'profile-start' }, 'profile-started')));
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return session;
}
async function profileStop(session, name, workers = []) {
  if (!session) return;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  mkdirSync(PROFILE_DIR, { recursive: true });
  const file = `${name}-bench-process-${process.pid}.cpuprofile`;
  writeFileSync(join(PROFILE_DIR, file), JSON.stringify(profile));
  log(`CPU profile: bench/out/profiles/${file}`);
  for (const [i, w] of workers.entries()) {
    const wf = `${name}-worker-${i + 1}-${process.pid}.cpuprofile`;
    await w.ask({ type: 'profile-stop', file: join(PROFILE_DIR, wf) }, 'profile-stopped', 120_000);
    log(`CPU profile: bench/out/profiles/${wf}`);
  }
}

// ---------- the measures ----------
const bearer = (key) => ({ authorization: `Bearer ${key}` });

async function upload(app, key, bytes, kind) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/uploads',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    payload: JSON.stringify({ data_url: `data:image/jpeg;base64,${bytes.toString('base64')}`, kind }),
  });
  if (res.statusCode !== 201) throw new Error(`upload failed: ${res.statusCode} ${res.body}`);
  return res.json().id;
}

/** A tenant (tier enterprise, rate limits out of the way) with a secret key and its two uploads. */
async function seedTenant(app, modules, name, settings, photos) {
  const t = await modules.tenants.tenants.createTenant({
    name,
    tier: 'enterprise',
    limits: { requests_per_minute_per_key: 1e8, requests_per_minute_per_tenant: 1e8 },
    settings,
  });
  const key = (await modules.tenants.tenants.createKey(t.id, { kind: 'secret', environment: 'live' })).key;
  const person = await upload(app, key, photos.person, 'person');
  const garment = await upload(app, key, photos.garment, 'garment');
  const payload = JSON.stringify({ person, garments: [{ image: garment, category: 'tops' }] });
  return { id: t.id, key, payload };
}

function submit(app, tenant) {
  return app.inject({ method: 'POST', url: '/v1/tryons', headers: { ...bearer(tenant.key), 'content-type': 'application/json' }, payload: tenant.payload });
}

/**
 * What a phase cost the machine: CPU of our processes (bench process, workers), of the PostgreSQL
 * backends serving the bench database, of redis-server (shared with anything else using it), and of
 * everything else; and the SQL statements and Redis commands our processes sent.
 */
async function phaseStart(ctx) {
  return {
    machine: machineMeter(ctx.pids),
    pg: ctx.pgRe ? await cpuOfMatching(ctx.pgRe) : undefined,
    redis: ctx.redisRe ? await cpuOfMatching(ctx.redisRe) : undefined,
    counts: await allCounts(ctx),
  };
}
async function phaseEnd(ctx, s0, jobs) {
  const m = s0.machine();
  const pgMs = ctx.pgRe ? cpuDelta(s0.pg, await cpuOfMatching(ctx.pgRe)) : 0;
  const redisMs = ctx.redisRe ? cpuDelta(s0.redis, await cpuOfMatching(ctx.redisRe)) : 0;
  const c1 = await allCounts(ctx);
  const per = c1.map((c, i) => countsDelta(s0.counts[i], c));
  const total = countsSum(per);
  const pct = (ms) => (m.allMs > 0 ? (100 * ms) / m.allMs : NaN);
  return {
    ...m,
    pgMs,
    redisMs,
    pgPct: pct(pgMs),
    redisPct: pct(redisMs),
    restPct: pct(Math.max(0, m.busyMs - m.oursMs - pgMs - redisMs)),
    cpuPerJobMs: m.oursMs / jobs,
    pgPerJobMs: pgMs / jobs,
    redisPerJobMs: redisMs / jobs,
    sqlPerJob: total.sqlTotal / jobs,
    redisCmdsPerJob: total.redisTotal / jobs,
    sqlByKind: Object.fromEntries(Object.entries(total.sql).map(([k, v]) => [k, v / jobs]).sort((a, b) => b[1] - a[1])),
    redisByKind: Object.fromEntries(Object.entries(total.redis).map(([k, v]) => [k, v / jobs]).sort((a, b) => b[1] - a[1])),
    perProcess: per.map((c) => ({ sqlPerJob: c.sqlTotal / jobs, redisPerJob: c.redisTotal / jobs })),
  };
}
async function allCounts(ctx) {
  return [counters.snapshot(), ...(await Promise.all(ctx.workers.map((w) => w.counts())))];
}

/** Sequential try-ons: submit → `succeeded` event, one at a time. */
async function latency(ctx, tenant, n, measure = true) {
  const { app, tracker } = ctx;
  const total = [];
  const answer = [];
  let doneBeforeAnswer = 0;
  const s0 = measure ? await phaseStart(ctx) : undefined;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await submit(app, tenant);
    const t1 = performance.now();
    if (res.statusCode !== 202) throw new Error(`POST /v1/tryons: ${res.statusCode} ${res.body}`);
    const { id, status } = res.json();
    if (status !== 'queued') throw new Error(`expected queued, got ${status}`);
    if (tracker.get(id)) doneBeforeAnswer++;
    const done = await tracker.wait(id, 60_000);
    if (done.status !== 'succeeded') throw new Error(`try-on ${id} ended ${done.status}`);
    total.push(done.t - t0);
    answer.push(t1 - t0);
  }
  const cost = measure ? await phaseEnd(ctx, s0, n) : undefined;
  return { total: summary(total), answer: summary(answer), doneBeforeAnswer, cost };
}

/** M try-ons submitted at once by `submitters` concurrent clients; first submit → last `succeeded`. */
async function throughput(ctx, tenant, m, submitters) {
  const { app, tracker } = ctx;
  const ids = [];
  const answer = [];
  let next = 0;
  let refused = 0;
  const s0 = await phaseStart(ctx);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: submitters }, async () => {
      while (next < m) {
        next++;
        const s = performance.now();
        const res = await submit(app, tenant);
        answer.push(performance.now() - s);
        if (res.statusCode !== 202) {
          refused++;
          if (refused <= 3) log(`submit refused: ${res.statusCode} ${res.body.slice(0, 200)}`);
          continue;
        }
        ids.push(res.json().id);
      }
    }),
  );
  const tSubmitted = performance.now();
  const results = await Promise.allSettled(ids.map((id) => tracker.wait(id, 900_000)));
  const tEnd = performance.now();
  const ok = results.filter((r) => r.status === 'fulfilled' && r.value.status === 'succeeded').map((r) => r.value.t);
  const cost = await phaseEnd(ctx, s0, Math.max(1, ok.length));
  const tLast = ok.length ? ok.reduce((a, b) => Math.max(a, b), 0) : tEnd;
  // Completion times in order: the rate between 10 % and 90 % done (steady state, for reference).
  const sorted = [...ok].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mid = sorted.length >= 20 ? (0.8 * sorted.length) / ((at(0.9) - at(0.1)) / 1000) : NaN;
  return {
    m,
    submitted: ids.length,
    refused,
    succeeded: ok.length,
    notSucceeded: ids.length - ok.length,
    jobsPerS: ok.length / ((tLast - t0) / 1000),
    midJobsPerS: mid,
    submitPerS: ids.length / ((tSubmitted - t0) / 1000),
    submitS: (tSubmitted - t0) / 1000,
    totalS: (tLast - t0) / 1000,
    answer: summary(answer),
    cost,
  };
}

/**
 * Processing alone: D try-ons submitted while processing is held back (embedded: the job worker not
 * started yet; BullMQ: the queue paused), then released; release → last `succeeded`. Tells the
 * workers' capacity apart from the API's (the throughput run has both in one figure).
 */
async function drain(ctx, tenant, d, { hold, release }) {
  const { app, tracker } = ctx;
  await hold();
  const ids = [];
  let next = 0;
  // The submits alone (processing held back): their profile and CPU per submit.
  const submitSession = await profileStart();
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: S.submitters }, async () => {
      while (next < d) {
        next++;
        const res = await submit(app, tenant);
        if (res.statusCode !== 202) throw new Error(`POST /v1/tryons: ${res.statusCode} ${res.body.slice(0, 200)}`);
        ids.push(res.json().id);
      }
    }),
  );
  const cSubmit = process.cpuUsage(c0);
  await profileStop(submitSession, `tryon-${ctx.mode}-submit`);
  const submitCpuMs = (cSubmit.user + cSubmit.system) / 1000 / Math.max(1, ids.length);
  log(`  submits alone: CPU ${f2(submitCpuMs)} ms per POST /v1/tryons (this process)`);
  await new Promise((r) => setTimeout(r, 500));
  const early = ids.filter((id) => tracker.get(id)).length;
  if (early > 0) log(`  note: ${early} try-ons finished while processing was held back`);
  const s0 = await phaseStart(ctx);
  const t0 = performance.now();
  await release();
  const results = await Promise.allSettled(ids.map((id) => tracker.wait(id, 900_000)));
  const ok = results.filter((r) => r.status === 'fulfilled' && r.value.status === 'succeeded').map((r) => r.value.t);
  const cost = await phaseEnd(ctx, s0, Math.max(1, ok.length));
  const tLast = ok.reduce((a, b) => Math.max(a, b), t0);
  return { d, submitCpuMs, succeeded: ok.length, notSucceeded: ids.length - ok.length, jobsPerS: ok.length / ((tLast - t0) / 1000), totalS: (tLast - t0) / 1000, cost };
}

/** Identical try-ons of a tenant with the cache on: each answers succeeded + cached at once. */
async function cacheHits(app, tenant, tracker, n, warm) {
  const first = await submit(app, tenant);
  if (first.statusCode !== 202) throw new Error(`cache fill: ${first.statusCode} ${first.body}`);
  const done = await tracker.wait(first.json().id, 60_000);
  if (done.status !== 'succeeded') throw new Error(`cache fill ended ${done.status}`);
  const lat = [];
  for (let i = 0; i < warm + n; i++) {
    const t0 = performance.now();
    const res = await submit(app, tenant);
    const dt = performance.now() - t0;
    const b = res.json();
    if (res.statusCode !== 202 || b.status !== 'succeeded' || b.cached !== true) throw new Error(`expected a cache hit, got ${res.statusCode} ${res.body.slice(0, 300)}`);
    if (i >= warm) lat.push(dt);
  }
  return summary(lat);
}

/** POST /v1/uploads, multipart, of the 12 MP JPEG (intake path over HTTP, for information). */
async function httpIntake(app, key, big, iters) {
  const { body, contentType } = multipartBody('file', 'photo.jpg', 'image/jpeg', big, { kind: 'person' });
  const lat = [];
  for (let i = 0; i < iters + 1; i++) {
    const t0 = performance.now();
    const res = await app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...bearer(key), 'content-type': contentType }, payload: body });
    const dt = performance.now() - t0;
    if (res.statusCode !== 201) throw new Error(`multipart upload: ${res.statusCode} ${res.body.slice(0, 300)}`);
    if (i > 0) lat.push(dt); // the first one is a warm-up
  }
  return summary(lat);
}

/** normalizeImage vs a bare sharp resize of the same 12 MP JPEG, interleaved. */
async function intakeCompare(big, iters, warm) {
  const opts = { maxSide: 1536, maxInputPixels: 50e6, maxBytes: 30e6 };
  const bare = () => sharp(big).rotate().resize(1536, 1536, { fit: 'inside' }).jpeg({ quality: 90 }).toBuffer();
  const ours = () => normalizeImage(big, opts);
  const a = [];
  const b = [];
  let outOurs;
  let outBare;
  for (let i = 0; i < warm; i++) {
    await ours();
    await bare();
  }
  for (let i = 0; i < iters; i++) {
    // Alternate which one goes first, so neither always follows the other.
    const pair = i % 2 === 0 ? [['ours', ours], ['bare', bare]] : [['bare', bare], ['ours', ours]];
    for (const [name, fn] of pair) {
      const t0 = performance.now();
      const r = await fn();
      const dt = performance.now() - t0;
      if (name === 'ours') {
        a.push(dt);
        outOurs = r;
      } else {
        b.push(dt);
        outBare = r;
      }
    }
  }
  const bareMeta = await sharp(outBare).metadata();
  const ratios = a.map((x, i) => x / b[i]);
  return {
    ours: summary(a),
    bare: summary(b),
    ratio: median(a) / median(b),
    pairRatio: median(ratios),
    out: { ours: `${outOurs.width}×${outOurs.height}, ${f0(outOurs.bytes.length / 1024)} KiB`, bare: `${bareMeta.width}×${bareMeta.height}, ${f0(outBare.length / 1024)} KiB` },
  };
}

// ---------- one mode ----------
async function postgresDatabase() {
  const name = `probador_bench_tryon_${process.pid}`;
  const admin = new pg.Client({ connectionString: S.pgUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  const version = (await admin.query('show server_version')).rows[0].server_version;
  await admin.end();
  onCleanup(async () => {
    const c = new pg.Client({ connectionString: S.pgUrl });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
    log(`dropped database ${name}`);
  });
  const u = new URL(S.pgUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, version };
}

async function deleteRedisKeys(redis, prefix) {
  let cursor = '0';
  let n = 0;
  do {
    const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = c;
    if (keys.length) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

const kinds = (o) => Object.entries(o).map(([k, v]) => `${k} ${f1(v)}`).join(', ');

/**
 * Wait (up to BENCH_QUIET_WAIT s) until other processes use less than BENCH_QUIET_BUSY % of the
 * machine over 2 s; returns that share when the phase starts (reported with the results).
 */
async function waitQuiet(pids) {
  const until = Date.now() + S.quietWaitS * 1000;
  let said = false;
  for (;;) {
    const meter = machineMeter(pids);
    await new Promise((r) => setTimeout(r, 2000));
    const { othersPct } = meter();
    if (othersPct < S.quietBusyPct || Date.now() >= until) {
      if (said) log(`  machine: others at ${f0(othersPct)} %, going on`);
      return othersPct;
    }
    if (!said) log(`machine busy (others at ${f0(othersPct)} % of the cores): waiting up to ${S.quietWaitS} s for < ${S.quietBusyPct} %…`);
    said = true;
  }
}

/**
 * CPU per new file in `dir` (200 × 30 KB, written synchronously on this thread; kept until the
 * run's end): a result blob is one new file, and on this machine that cost depends on recent
 * deletions near the folder (see BENCH_DATA_PARENT), so each run states it.
 */
function probeFileCreation(dir) {
  mkdirSync(dir, { recursive: true });
  const buf = Buffer.alloc(30_000, 7);
  const c0 = process.cpuUsage();
  for (let i = 0; i < 200; i++) writeFileSync(join(dir, `f${i}`), buf);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 200;
}

async function runMode(mode, photos, getBig, rss) {
  const label = mode === 'embedded' ? 'embedded (PGlite, database queue, 1 process)' : `PostgreSQL + Redis (BullMQ, API here + ${S.workers} worker processes)`;
  log(`— ${label}`);
  // Under bench/out/data (gitignored), like the default ./data, not the OS temp folder: on this
  // machine /tmp is ext4 without a journal, and a new file there costs ~1.7 ms of CPU (the inode
  // allocator checks every recently deleted inode of /tmp's busy block group) against ~0.14 ms
  // elsewhere on the same disk. BENCH_DATA_PARENT picks another parent folder.
  const dataParent = env.BENCH_DATA_PARENT ?? join(BENCH_DIR, 'out', 'data');
  mkdirSync(dataParent, { recursive: true });
  const dataDir = mkdtempSync(join(dataParent, 'probador-bench-tryon-'));
  dataDirs.push(dataDir);
  const out = { mode, label, fileProbe: probeFileCreation(join(dataDir, '.file-probe')) };
  log(`  a new 30 KB file in the data folder costs ${f0(out.fileProbe)} µs of CPU (200 written; ~100 on a quiet part of this disk)`);
  let e;
  if (mode === 'embedded') {
    e = benchEnv({ dataDir, concurrency: S.concurrency });
  } else {
    const db = await postgresDatabase();
    out.pgVersion = db.version;
    out.dbName = db.name;
    const redisPrefix = `probador-bench-tryon:${process.pid}:${randomBytes(3).toString('hex')}:`;
    e = benchEnv({ dataDir, concurrency: S.concurrency, databaseUrl: db.url, redisUrl: S.redisUrl, redisPrefix, poolMax: S.poolMax });
  }
  const config = loadKnownConfig(loadConfig, e);
  const deps = await createDeps(config, { defaultMetrics: false });
  let depsClosed = false;
  const closeDeps = async () => {
    if (depsClosed) return;
    depsClosed = true;
    await deps.close();
  };
  onCleanup(closeDeps);
  if (deps.redis) {
    const r = deps.redis;
    out.redisVersion = (await r.info('server')).match(/redis_version:(\S+)/)?.[1];
    // Runs before deps are closed (clean-ups run last-in, first-out).
    onCleanup(async () => log(`deleted ${await deleteRedisKeys(r, config.redis.prefix)} Redis keys under ${config.redis.prefix}`));
  }
  const tracker = completionTracker();
  if (deps.redis) onCleanup(await tapRedis(deps.redis, config.redis.prefix, tracker));
  else tapPublish(deps.pubsub, tracker);

  // role 'api' in both modes: embedded, the bench starts the in-process job worker itself after the
  // drain phase's submits (`deps.jobs.startWorker()`, what buildApp does for role 'all').
  const { app, modules } = await buildApp(deps, { role: 'api', tryon: { providers: [instant] } });
  await app.ready();
  let appClosed = false;
  const closeApp = async () => {
    if (appClosed) return;
    appClosed = true;
    await app.close();
  };
  onCleanup(closeApp);

  const workers = [];
  if (mode !== 'embedded') {
    for (let i = 0; i < S.workers; i++) workers.push(startWorker(`worker ${i + 1}`, e));
    await Promise.all(workers.map((w) => w.ready));
    log(`${workers.length} workers ready (pids ${workers.map((w) => w.pid).join(', ')})`);
  }

  const a = await seedTenant(app, modules, 'Bench: no cache', { tryon: { cache: false } }, photos);
  const b = await seedTenant(app, modules, 'Bench: default settings', undefined, photos);
  const ctx = {
    mode,
    app,
    tracker,
    workers,
    pids: [process.pid, ...workers.map((w) => w.pid)],
    // PostgreSQL backends show their database in their process title: `postgres: … <db> 127.0.0.1(…) idle`.
    pgRe: out.dbName ? new RegExp(`^postgres: .* ${out.dbName} `) : undefined,
    redisRe: deps.redis ? /^\S*redis-server / : undefined,
  };
  if (deps.database.pgliteClient) counters.tapPglite(deps.database.pgliteClient);
  out.quiet = [];
  out.rssStartupMaxKb = rss.max(); // start-up (embedded: PGlite's initdb + migrations of a fresh data directory)
  out.rssReadyKb = memoryOf()?.rssKb;
  rss.reset();

  let hold;
  let release;
  if (mode === 'embedded') {
    hold = async () => undefined;
    release = () => deps.jobs.startWorker();
  } else {
    const { Queue } = createRequire(join(ROOT, 'package.json'))('bullmq');
    const conn = deps.redis.duplicate();
    const queue = new Queue('tryon.generate', { connection: conn, prefix: `${config.redis.prefix}bull` });
    onCleanup(async () => {
      await queue.close();
      conn.disconnect();
    });
    hold = () => queue.pause();
    release = () => queue.resume();
  }
  const d = mode === 'embedded' ? S.embeddedD : S.postgresD;
  // The load warm-up: before the drain with BullMQ (the workers are apart and the queue pauses);
  // embedded, whose in-process worker only starts at the drain's release, right after it.
  // Between phases the tables get what autovacuum would give them between bursts of load: this
  // machine's PostgreSQL runs with autovacuum off (out.autovacuum), and without it every try-on's
  // two row updates left dead versions and index entries behind for good (PostgreSQL CPU per
  // try-on 0.4 → 1.0 ms over ~10,000 try-ons) and the planner never had statistics.
  // Embedded, the app's maintenance pass vacuums PGlite (platform/db/maintenance.ts), but the bench
  // builds the app without that loop: vacuumed here the same way.
  const maintain = async () => {
    const t = performance.now();
    await deps.database.db.execute(sql`vacuum (analyze)`);
    log(`  vacuum (analyze): ${f0(performance.now() - t)} ms`);
  };
  if (mode !== 'embedded') out.autovacuum = (await deps.database.db.execute(sql`show autovacuum`)).rows?.[0]?.autovacuum;
  const loadWarmup = async () => {
    if (S.loadWarmup <= 0) return;
    log(`warm-up under load: ${S.loadWarmup} try-ons from ${S.submitters} submitters (not measured)`);
    const w = await throughput(ctx, a, S.loadWarmup, S.submitters);
    log(`  ${f0(w.jobsPerS)} jobs/s`);
  };
  if (mode !== 'embedded') await loadWarmup();
  await maintain();
  out.quiet.push(await waitQuiet(ctx.pids));
  log(`processing alone: ${d} try-ons submitted with processing held back, then released`);
  const dSession = await profileStart(workers);
  out.drain = await drain(ctx, a, d, { hold, release });
  await profileStop(dSession, `tryon-${mode}-drain`, workers);
  log(`  ${f0(out.drain.jobsPerS)} jobs/s (${out.drain.succeeded}/${d} in ${f1(out.drain.totalS)} s); CPU per job ${f2(out.drain.cost.cpuPerJobMs)} ms ours + ${f2(out.drain.cost.pgPerJobMs)} ms PostgreSQL + ${f2(out.drain.cost.redisPerJobMs)} ms Redis`);

  if (mode === 'embedded') await loadWarmup();
  log(`warm-up: ${S.warmup} try-ons`);
  await latency(ctx, a, S.warmup, false);
  await maintain();
  out.quiet.push(await waitQuiet(ctx.pids));
  log(`latency: ${S.latencyN} sequential try-ons`);
  counters.takeSqlTime();
  out.latency = await latency(ctx, a, S.latencyN);
  for (const t of counters.takeSqlTime()) log(`  SQL time: ${t.kind}: ${t.n} × ${f2(t.meanMs)} ms, ${f1(t.meanRows)} rows`);
  log(`  p50 ${f1(out.latency.total.p50)} ms, p95 ${f1(out.latency.total.p95)} ms, max ${f1(out.latency.total.max)} ms; ${f1(out.latency.cost.sqlPerJob)} SQL statements, ${f1(out.latency.cost.redisCmdsPerJob)} Redis commands per try-on`);
  log(`  SQL per try-on: ${kinds(out.latency.cost.sqlByKind)}`);

  const m = mode === 'embedded' ? S.embeddedM : S.postgresM;
  await maintain();
  out.quiet.push(await waitQuiet(ctx.pids));
  log(`throughput: ${m} try-ons from ${S.submitters} concurrent submitters`);
  const session = await profileStart(workers);
  counters.takeSqlTime();
  out.throughput = await throughput(ctx, a, m, S.submitters);
  for (const t of counters.takeSqlTime()) log(`  SQL time (under load): ${t.kind}: ${t.n} × ${f2(t.meanMs)} ms, ${f1(t.meanRows)} rows`);
  await profileStop(session, `tryon-${mode}-throughput`, workers);
  log(`  ${f0(out.throughput.jobsPerS)} jobs/s (${out.throughput.succeeded}/${out.throughput.m} succeeded in ${f1(out.throughput.totalS)} s; submits done after ${f1(out.throughput.submitS)} s); CPU per job ${f2(out.throughput.cost.cpuPerJobMs)} ms ours + ${f2(out.throughput.cost.pgPerJobMs)} ms PostgreSQL + ${f2(out.throughput.cost.redisPerJobMs)} ms Redis`);
  log(`  SQL per try-on: ${kinds(out.throughput.cost.sqlByKind)}`);
  if (deps.redis) log(`  Redis commands per try-on: ${kinds(out.throughput.cost.redisByKind)}`);

  out.rssMaxKb = rss.max(); // the measured phases (drain, latency, throughput)
  log(`cache hits: ${S.cacheN}`);
  out.cache = await cacheHits(app, b, tracker, S.cacheN, Math.min(20, S.warmup));
  log(`  p50 ${f1(out.cache.p50)} ms, p95 ${f1(out.cache.p95)} ms`);

  if (mode === 'embedded') {
    log(`HTTP intake: ${S.httpIntakeIters} multipart uploads of the 12 MP JPEG`);
    out.httpIntake = await httpIntake(app, b.key, await getBig(), S.httpIntakeIters);
    log(`  median ${f1(out.httpIntake.p50)} ms`);
  }

  // Every try-on of the run ended succeeded (none stuck, none failed).
  const statuses = (await deps.database.db.execute(sql`select status, count(*)::int as n from tryons group by status`)).rows;
  out.statuses = Object.fromEntries(statuses.map((r) => [r.status, r.n]));
  out.workersMem = workers.map((w) => memoryOf(w.pid));
  out.config = { concurrency: config.tryon.concurrency, poolMax: config.database.driver === 'postgres' ? config.database.poolMax : undefined, workers: workers.length };

  await closeApp();
  await Promise.all(workers.map((w) => stopChild(w)));
  for (const w of workers) if (w.output().trim() && !/^worker ready \d+\s*$/.test(w.output().trim())) log(`${w.name} output:\n${w.output().slice(-2000)}`);
  if (mode !== 'embedded') {
    // BullMQ's own ceiling on this machine, same shape (bench/tryon/bullmq-baseline.mjs).
    log(`BullMQ alone: ${m} no-op jobs from ${S.submitters} submitters, ${S.workers} worker processes`);
    out.bullBaseline = JSON.parse((await runJson(process.execPath, [join(BENCH_DIR, 'tryon/bullmq-baseline.mjs'), String(m), String(S.submitters), String(S.workers), String(S.concurrency)], { BENCH_REDIS_URL: S.redisUrl })).trim().split('\n').at(-1));
    log(`  ${f0(out.bullBaseline.jobsPerS)} jobs/s; CPU per job ${f2(out.bullBaseline.cpuPerJobMs.adder)} + ${f2(out.bullBaseline.cpuPerJobMs.workers)} + ${f2(out.bullBaseline.cpuPerJobMs.redis)} ms (adder + workers + Redis)`);
  }
  return out;
}

/** Run a node script to its end; its stdout. */
function runJson(cmd, args, extraEnv) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: ROOT, env: { PATH: env.PATH, HOME: env.HOME, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
    let outText = '';
    p.stdout.on('data', (c) => (outText += c));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(outText) : reject(new Error(`${args[0]} exited with ${code}`))));
  });
}

// ---------- report ----------
function machineNote(results) {
  const c = cpus();
  const pgr = results.find((r) => r.pgVersion);
  return (
    `${c.length} cores (${c[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})` +
    (pgr ? `, PostgreSQL ${pgr.pgVersion} (autovacuum ${pgr.autovacuum ?? '?'}; the bench runs VACUUM (ANALYZE) before each measured phase, as autovacuum would between bursts, and so on PGlite), Redis ${pgr.redisVersion}, all on localhost` : '') +
    '. Shared and noisy: the bench process (load generator and API), the workers, PostgreSQL and Redis share the 2 cores with other work on the machine; take the figures as ±20 %.'
  );
}

function report(results, intake, meta) {
  const byMode = Object.fromEntries(results.map((r) => [r.mode, r]));
  const E = byMode.embedded;
  const P = byMode.postgres;
  const cols = [E, P].filter(Boolean);
  const L = [];
  L.push(SECTION, '');
  L.push(`- Date: ${meta.date} (took ${Math.round(meta.tookS)} s)`);
  L.push(`- Machine: ${machineNote(results)} Load average ${meta.load0.toFixed(1)} at the start, ${meta.load1.toFixed(1)} at the end.`);
  L.push(`- Command: \`npm run bench:tryon\`${QUICK ? ' (BENCH_QUICK=1)' : ''}${DIST !== join(ROOT, 'dist') ? ` with BENCH_DIST=${DIST}` : ''} — ${S.loadWarmup} try-ons under load before the measured phases (BullMQ: before processing alone; embedded: after it), N=${S.latencyN} sequential (after ${S.warmup} warm-up), M=${S.embeddedM} embedded / ${S.postgresM} BullMQ from ${S.submitters} concurrent submitters, PROBADOR_TRYON_CONCURRENCY=${S.concurrency} per process, DATABASE_POOL_MAX=${S.poolMax} per process (PostgreSQL), ${S.workers} worker processes.`);
  L.push(
    '- Setup: the built code (dist/) in the bench process via `buildApp(deps, { role: \'api\', tryon: { providers: [instant] } })` (embedded: the bench then starts the in-process job worker, as role `all` does); `instant` answers with the person photo at once (cost 0), so the figures are the pipeline\'s own overhead. ' +
      'Env: PROBADOR_PROVIDER_ORDER=instant, LOG_LEVEL=warn, PROBADOR_MAX_EVENT_LOOP_DELAY_MS=0, PROBADOR_SEED_DEMO=false, a temp PROBADOR_DATA_DIR (blobs on the local disk in both modes). ' +
      'Tenant tier enterprise, rate limits 1e8/min, `settings.tryon.cache=false`; person photo (384×512 JPEG) and garment (256×256 JPEG) uploaded once, try-ons refer to their upload ids. ' +
      'Requests via `app.inject` (no sockets). Completion = the `succeeded` event on the bus (`tryon.<id>`, JSON `{status}`), seen from the start of every channel (in-process bus tapped / Redis PSUBSCRIBE) so no subscribe race.',
  );
  L.push('');
  const hdr = cols.map((c) => c.label);
  L.push(`| measure | ${hdr.join(' | ')} |`);
  L.push(`|---|${cols.map(() => '---:').join('|')}|`);
  const row = (name, fn) => L.push(`| ${name} | ${cols.map(fn).join(' | ')} |`);
  row(`**pipeline overhead**, submit → succeeded, N=${S.latencyN} one at a time: p50 / p95 / max (ms)`, (c) => `${f1(c.latency.total.p50)} / **${f1(c.latency.total.p95)}** / ${f1(c.latency.total.max)}`);
  row('… of which POST /v1/tryons answered (202): p50 / p95 (ms)', (c) => `${f1(c.latency.answer.p50)} / ${f1(c.latency.answer.p95)}`);
  row('… jobs already succeeded when their POST answered', (c) => `${c.latency.doneBeforeAnswer} of ${S.latencyN}`);
  row('**throughput**, first submit → last succeeded (jobs/s)', (c) => `**${f0(c.throughput.jobsPerS)}** (${c.throughput.succeeded.toLocaleString('en-US')} jobs in ${f1(c.throughput.totalS)} s)`);
  row('… steady rate between 10 % and 90 % done (jobs/s)', (c) => f0(c.throughput.midJobsPerS));
  row('… submits accepted (202/s); all submitted after (s)', (c) => `${f0(c.throughput.submitPerS)}; ${f1(c.throughput.submitS)}`);
  row('… POST /v1/tryons under that load: p50 / p95 (ms)', (c) => `${f1(c.throughput.answer.p50)} / ${f1(c.throughput.answer.p95)}`);
  row('… CPU per job, ms: ours (bench process [+ workers]) + PostgreSQL backends + Redis', (c) => {
    const k = c.throughput.cost;
    const split = k.perPidMs.length > 1 ? ` (API ${f2(k.perPidMs[0] / c.throughput.succeeded)}, workers ${f2(k.perPidMs.slice(1).reduce((x, y) => x + y, 0) / c.throughput.succeeded)})` : '';
    return `${f2(k.cpuPerJobMs)}${split}${c.mode === 'embedded' ? ' (PGlite runs inside)' : ` + ${f2(k.pgPerJobMs)} + ${f2(k.redisPerJobMs)}`}`;
  });
  row('… SQL statements / Redis commands per job (sequential run; under load)', (c) => `${f1(c.latency.cost.sqlPerJob)} / ${f1(c.latency.cost.redisCmdsPerJob)}; ${f1(c.throughput.cost.sqlPerJob)} / ${f1(c.throughput.cost.redisCmdsPerJob)}`);
  row('… machine during the run, % of the 2 cores: ours / PostgreSQL / Redis / everything else / idle', (c) => {
    const k = c.throughput.cost;
    return `${f0(k.oursPct)} / ${c.mode === 'embedded' ? '–' : f0(k.pgPct)} / ${c.mode === 'embedded' ? '–' : f0(k.redisPct)} / ${f0(k.restPct)} / ${f0(k.idlePct)}`;
  });
  row('… refused submits / not succeeded', (c) => `${c.throughput.refused} / ${c.throughput.notSucceeded}`);
  row('**processing alone**: try-ons queued with processing held back, then released; release → last succeeded (jobs/s)', (c) => `**${f0(c.drain.jobsPerS)}** (${c.drain.succeeded.toLocaleString('en-US')} jobs in ${f1(c.drain.totalS)} s)`);
  row('… CPU per job, ms: ours + PostgreSQL backends + Redis; machine idle %', (c) => {
    const k = c.drain.cost;
    return `${f2(k.cpuPerJobMs)}${c.mode === 'embedded' ? '' : ` + ${f2(k.pgPerJobMs)} + ${f2(k.redisPerJobMs)}`}; idle ${f0(k.idlePct)} %`;
  });
  row(`**cache hit**, ${S.cacheN} identical POST /v1/tryons → succeeded, cached: p50 / p95 (ms)`, (c) => `${f1(c.cache.p50)} / **${f1(c.cache.p95)}**`);
  row('a new 30 KB file in the data folder (blobs): CPU µs (200 written before the mode\'s runs)', (c) => f0(c.fileProbe));
  row('try-on rows by status at the end', (c) => Object.entries(c.statuses).map(([k, v]) => `${k} ${v}`).join(', '));
  row('memory, bench process VmRSS: max during start-up; when ready; max under load (processing alone, latency, throughput)', (c) => `${mb(c.rssStartupMaxKb)}; ${mb(c.rssReadyKb)}; **${mb(c.rssMaxKb)}**`);
  row('memory, workers: VmHWM', (c) => (c.workersMem.length ? c.workersMem.map((w) => mb(w?.hwmKb)).join(', ') : '–'));
  row('**baseline: BullMQ alone**, same shape (one process adding from the same number of submitters, the same worker processes at the same concurrency, no-op handler): jobs/s; CPU per job, ms (adder + workers + Redis)', (c) =>
    c.bullBaseline ? `**${f0(c.bullBaseline.jobsPerS)}**; ${f2(c.bullBaseline.cpuPerJobMs.adder)} + ${f2(c.bullBaseline.cpuPerJobMs.workers)} + ${f2(c.bullBaseline.cpuPerJobMs.redis)}` : '–',
  );
  row('… our throughput / BullMQ alone', (c) => (c.bullBaseline ? `${f2(c.throughput.jobsPerS / c.bullBaseline.jobsPerS)}×` : '–'));
  L.push('');
  for (const c of cols) {
    L.push(`SQL statements per try-on, ${c.mode === 'embedded' ? 'embedded' : 'PostgreSQL + Redis'} (sequential run): ${kinds(c.latency.cost.sqlByKind)}.${c.mode === 'embedded' ? '' : ` Redis commands per try-on: ${kinds(c.latency.cost.redisByKind)}.`}`);
    L.push('');
  }
  const others = results.flatMap((r) => [r.latency.cost.restPct, r.throughput.cost.restPct, r.drain.cost.restPct]);
  L.push(`Other work on the machine (not ours, not the bench database's PostgreSQL backends, not Redis) used ${f0(Math.min(...others))}–${f0(Math.max(...others))} % of the cores during the measured runs.`);
  L.push('');
  if (E?.httpIntake || intake) {
    L.push(`Intake of a 12 MP JPEG (4000×3000, quality 90, EXIF orientation 6, ${f0(meta.bigBytes / 1024)} KiB, synthetic photo-like content generated by the bench), in the bench process, interleaved, ${S.intakeIters} iterations each after ${S.intakeWarmup} warm-up:`);
    L.push('');
    L.push('| intake | median (ms) | p95 (ms) | output |');
    L.push('|---|---:|---:|---|');
    if (intake) {
      L.push(`| \`normalizeImage(buf, { maxSide: 1536, maxInputPixels: 50e6, maxBytes: 30e6 })\` | **${f1(intake.ours.p50)}** | ${f1(intake.ours.p95)} | ${intake.out.ours} |`);
      L.push(`| bare \`sharp(buf).rotate().resize(1536, 1536, { fit: 'inside' }).jpeg({ quality: 90 }).toBuffer()\` | **${f1(intake.bare.p50)}** | ${f1(intake.bare.p95)} | ${intake.out.bare} |`);
      L.push(`| ratio normalizeImage / bare (medians; median of per-pair ratios) | **${f2(intake.ratio)}×** (${f2(intake.pairRatio)}×) | | |`);
    }
    if (E?.httpIntake) L.push(`| POST /v1/uploads, multipart, same JPEG (embedded, app.inject; ${S.httpIntakeIters} after 1 warm-up), for information | ${f1(E.httpIntake.p50)} | ${f1(E.httpIntake.p95)} | |`);
    L.push('');
  }
  L.push(
    `Bench process memory: **peak RSS (VmHWM, whole run) ${mb(meta.hwmKb)}**; VmRSS ${mb(meta.rssStartKb)} before any mode, ${mb(meta.intakeRssKb)} max during the 12 MP intake. Modes run in the order ${results.map((r) => r.mode).join(' → ')} in one process, so a later phase's figure includes what earlier ones kept (the PostgreSQL + Redis mode runs first: its figures are the API alone, with the load generator).`,
  );
  L.push('');
  L.push('### Goals');
  L.push('');
  L.push('| goal (issue 3) | result | ratio to goal |');
  L.push('|---|---|---:|');
  const goal = (name, ok, text, ratio) => L.push(`| ${name} | **${ok ? 'PASS' : 'MISS'}** ${text} | ${ratio} |`);
  for (const c of cols) {
    const p95 = c.latency.total.p95;
    goal(`pipeline overhead p95 < ${GOALS.overheadP95Ms} ms (${c.mode === 'embedded' ? 'embedded' : 'PostgreSQL + Redis'})`, p95 < GOALS.overheadP95Ms, `${f1(p95)} ms`, `${f2(p95 / GOALS.overheadP95Ms)}× the limit`);
  }
  if (E) goal(`≥ ${GOALS.embeddedJobsPerS} jobs/s embedded`, E.throughput.jobsPerS >= GOALS.embeddedJobsPerS, `${f0(E.throughput.jobsPerS)} jobs/s`, `${f2(E.throughput.jobsPerS / GOALS.embeddedJobsPerS)}× the goal`);
  if (P) goal(`≥ ${GOALS.bullJobsPerS.toLocaleString('en-US')} jobs/s with BullMQ (${S.workers} workers)`, P.throughput.jobsPerS >= GOALS.bullJobsPerS, `${f0(P.throughput.jobsPerS)} jobs/s`, `${f2(P.throughput.jobsPerS / GOALS.bullJobsPerS)}× the goal`);
  if (intake) goal(`12 MP intake ≤ ${GOALS.intakeRatio}× bare sharp`, intake.ratio <= GOALS.intakeRatio, `${f2(intake.ratio)}× (${f1(intake.ours.p50)} vs ${f1(intake.bare.p50)} ms)`, `${f2(intake.ratio / GOALS.intakeRatio)}× the limit`);
  L.push('');
  return L.join('\n');
}

const writeSection = (section) => writeResultsSection(RESULTS, SECTION, section, { keep: KEPT });

// ---------- main ----------
async function main() {
  const t0 = Date.now();
  const load0 = loadavg()[0];
  log(`${QUICK ? 'QUICK run' : 'full run'}: modes ${S.modes.join(', ')}${S.profile ? ', profiling' : ''}`);
  const rss = rssSampler();
  const photos = { person: await photoJpeg(384, 512, { seed: 3 }), garment: await photoJpeg(256, 256, { seed: 5 }) };
  const rssStartKb = memoryOf()?.rssKb;
  // The 12 MP JPEG is made when first needed, so the PostgreSQL + Redis mode (run first) measures
  // the bench process's memory without it.
  let bigPromise;
  const getBig = () =>
    (bigPromise ??= (async () => {
      log('generating the 12 MP JPEG…');
      const b = await photoJpeg(4000, 3000, { seed: 7, orientation: 6 });
      log(`  ${f0(b.length / 1024)} KiB`);
      return b;
    })());

  const results = [];
  for (const mode of S.modes) {
    if (mode !== 'embedded' && mode !== 'postgres') throw new Error(`unknown mode ${mode} (embedded, postgres)`);
    rss.reset();
    const r = await runMode(mode, photos, getBig, rss);
    results.push(r);
    await shutdown(); // this mode's database, Redis keys and data directory
  }
  const big = await getBig();
  rss.reset();
  log(`intake: normalizeImage vs bare sharp, ${S.intakeIters} iterations each, interleaved`);
  const intake = await intakeCompare(big, S.intakeIters, S.intakeWarmup);
  const intakeRssKb = rss.max();
  log(`  normalizeImage ${f1(intake.ours.p50)} ms, bare ${f1(intake.bare.p50)} ms, ratio ${f2(intake.ratio)}×`);
  const hwmKb = memoryOf()?.hwmKb;
  rss.stop();

  const section = report(results, intake, {
    date: `${new Date(t0).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    tookS: (Date.now() - t0) / 1000,
    load0,
    load1: loadavg()[0],
    bigBytes: big.length,
    hwmKb,
    rssStartKb,
    intakeRssKb,
  });
  console.log('\n' + section);
  if (WRITE) {
    writeSection(section);
    log(`wrote ${RESULTS} (section "${SECTION}")`);
  } else log('RESULTS.md not written (quick run; BENCH_WRITE=1 to force)');
}

try {
  await main();
  await shutdown();
  process.exit(0);
} catch (err) {
  log(`FAILED: ${err?.stack ?? err}`);
  await shutdown();
  process.exit(1);
}
