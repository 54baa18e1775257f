#!/usr/bin/env node
/**
 * A/B of Node.js flags (or environments) for Probador's API latency under paced load: every
 * variant runs as its own API server (PostgreSQL + Redis, `start --role api`, pinned to core 0 as in
 * bench/run.mjs), all on one database, warmed up together; then paced rounds alternate between the
 * variants at ONE fixed rate, so a noisy minute hurts every variant alike. Diagnosis, not a goal
 * figure (bench/run.mjs is that).
 *
 *   node bench/flags-ab.mjs --rate 6000 --rounds 4 --duration 8 \
 *     --variant "base=" --variant "stgc=--single-threaded-gc"
 *
 * A variant is `name=<extra node flags>` added to the flags of `npm start`; `name=!<flags>` replaces
 * them; a word `env:NAME=value` sets the variant's environment instead (e.g. a PROBADOR_* setting),
 * `pin:all|main|none` the variant's pinning instead of --pin.
 * `--dist name=<dir>` runs a variant from another build. `--trace` writes each round's timeline
 * with the server's start time on the same clock (serverStartMonoNs), to line its `--trace-gc`
 * output up with the slow requests. `--mode embedded`: every variant is a whole embedded server
 * (PGlite, its own data directory) instead. Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { Redis } from 'ioredis';
import { cpuTimeMs, launchEnv, launchFlags, onCleanup, runNode, shutdown, startChild, startMonoNs, stopChild, waitOutput } from './lib/children.mjs';
import { paced } from './lib/paced.mjs';
import { cliJson, freePort, median } from './lib/util.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const CLI = join(ROOT, 'dist/bundle/cli.js');
const { values: f } = parseArgs({
  options: {
    rate: { type: 'string', default: '6000' },
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    variant: { type: 'string', multiple: true },
    trace: { type: 'boolean', default: false },
    // all: the whole server process on core 0 (as bench/run.mjs); main: only its main thread on
    // core 0, V8's and libuv's helper threads on any core; none: no pinning.
    pin: { type: 'string', default: 'all' },
    // profile: CPU + heap profile of every variant's first paced round (bench/lib/probe.mjs),
    // written to bench/out/profiles/ab-<variant>.cpuprofile|.heapprofile.
    profile: { type: 'boolean', default: false },
    // dist: `name=<dist dir>` runs that variant from another build (e.g. a worktree of the code
    // before a change, built with `npm run build:server`), to A/B code instead of flags. Start
    // order matters on this host (in A/B runs repeated with the order swapped, the variant started
    // first was the cheaper one by 4-14 % each time, whichever it was): run both orders.
    dist: { type: 'string', multiple: true },
    // mode: postgres (default: API nodes, `start --role api`, on one database + Redis) or embedded
    // (each variant a whole `start` on its own PGlite data directory, no Redis).
    mode: { type: 'string', default: 'postgres' },
  },
});
const RATE = Number(f.rate);
const ROUNDS = Number(f.rounds);
const DURATION = Number(f.duration);
const CONNECTIONS = Number(f.connections);
const variants = (f.variant ?? ['base=']).map((v) => {
  const i = v.indexOf('=');
  const name = v.slice(0, i);
  const spec = v.slice(i + 1);
  const replace = spec.startsWith('!');
  const words = (replace ? spec.slice(1) : spec).split(/\s+/).filter(Boolean);
  // `env:NAME=value` words set the variant's environment instead of a flag.
  const venv = Object.fromEntries(words.filter((w) => w.startsWith('env:')).map((w) => w.slice(4).split('=')));
  // `pin:all|main|none` words set this variant's pinning instead of --pin.
  const pin = words.find((w) => w.startsWith('pin:'))?.slice(4) ?? f.pin;
  const extra = words.filter((w) => !w.startsWith('env:') && !w.startsWith('pin:'));
  const probe = f.profile ? ['--import', join(BENCH_DIR, 'lib', 'probe.mjs')] : [];
  const dist = (f.dist ?? []).find((d) => d.startsWith(`${name}=`));
  return { name, venv, pin, cli: dist ? join(resolve(dist.slice(name.length + 1)), 'bundle/cli.js') : CLI, flags: [...(replace ? extra : [...launchFlags(ROOT), ...extra]), ...probe] };
});
const log = (...a) => console.error('ab:', ...a);
async function signalProbe(child, re) {
  const from = child.output().length;
  child.proc.kill('SIGUSR2');
  await waitOutput(child, re, from);
}

async function main() {
  // The load generator (this process's main thread) on core 1, as in bench/run.mjs.
  if (variants.some((v) => v.pin !== 'none')) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const EMBEDDED = f.mode === 'embedded';
  const password = randomBytes(12).toString('base64url');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PROBADOR_SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    PROBADOR_ADMIN_EMAIL: 'ab@example.com',
    PROBADOR_ADMIN_PASSWORD: password,
  };
  if (!EMBEDDED) {
    const dbName = `probador_ab_${process.pid}`;
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    onCleanup(async () => {
      const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    });
    const prefix = `probador-ab:${process.pid}:`;
    onCleanup(async () => {
      const r = new Redis('redis://127.0.0.1:6379');
      for await (const keys of r.scanStream({ match: `${prefix}*`, count: 1000 })) if (keys.length) await r.del(...keys);
      r.disconnect();
    });
    Object.assign(env, { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${dbName}`, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: prefix });
  }
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'probador-ab-'));
    onCleanup(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };
  /** The bench tenant and its key, through the CLI (embedded: before the server takes the data directory's lock). */
  const createTenant = async (venv) => {
    const tenant = cliJson(await runNode('tenant create', [CLI, 'tenant', 'create', '--name', 'AB', '--tier', 'enterprise', '--json'], { env: venv, cwd: ROOT }));
    const { key } = cliJson(await runNode('key create', [CLI, 'key', 'create', '--tenant', tenant.id, '--name', 'ab', '--json'], { env: venv, cwd: ROOT }));
    return { tenant, key };
  };
  /** Limits high enough that load never meets a 429 (admin API). */
  const raiseLimits = async (port, tenantId) => {
    const base = `http://127.0.0.1:${port}`;
    const login = await (await fetch(`${base}/admin/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ab@example.com', password }) })).json();
    const limits = { requests_per_minute_per_key: 100_000_000, requests_per_minute_per_tenant: 100_000_000 };
    const p = await fetch(`${base}/admin/v1/tenants/${tenantId}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${login.access_token}` }, body: JSON.stringify({ limits }) });
    if (!p.ok) throw new Error(`limits: ${p.status} ${await p.text()}`);
  };
  if (!EMBEDDED) env.PROBADOR_DATA_DIR = dataDir();
  const shared = EMBEDDED ? undefined : await createTenant(env);

  for (const v of variants) {
    v.env = EMBEDDED ? { ...env, PROBADOR_DATA_DIR: dataDir() } : env;
    const { tenant, key } = shared ?? (await createTenant(v.env));
    v.tenantId = tenant.id;
    v.key = key;
    v.port = await freePort();
    v.child = startChild(`probador ${v.name}`, [...v.flags, v.cli, 'start', ...(EMBEDDED ? [] : ['--role', 'api'])], { env: { ...v.env, ...launchEnv(ROOT), ...v.venv, BENCH_PROBE_NAME: `ab-${v.name}`, PORT: String(v.port), HOST: '127.0.0.1' }, cwd: ROOT, cpu: v.pin === 'all' ? 0 : '0,1' });
    v.url = `http://127.0.0.1:${v.port}/v1/me`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${v.port}/ready`)).ok) break;
      } catch {
        /* starting */
      }
      if (i > 600) throw new Error(`${v.name} not ready:\n${v.child.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    v.rounds = [];
    if (v.pin === 'main') execFileSync('taskset', ['-p', '-c', '0', String(v.child.pid)], { stdio: 'ignore' });
    if (EMBEDDED || v === variants[0]) await raiseLimits(v.port, v.tenantId);
  }
  await new Promise((r) => setTimeout(r, 2_000)); // every node hears of the new limits

  for (const v of variants) {
    log(`warm-up ${v.name} (${[...v.flags, v.cli].join(' ')})…`);
    await new Promise((res, rej) => autocannon({ url: v.url, headers: { authorization: `Bearer ${v.key}` }, connections: CONNECTIONS, duration: Number(f.warmup) }, (e, r) => (e ? rej(e) : res(r))));
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? variants : [...variants].reverse();
    for (const v of order) {
      const probing = f.profile && round === 1;
      if (probing) await signalProbe(v.child, /PROBE STARTED/);
      const cpu0 = cpuTimeMs(v.child.pid);
      const r = await paced({ url: v.url, headers: { authorization: `Bearer ${v.key}` }, rate: RATE, duration: DURATION, connections: CONNECTIONS, warmup: 1, trace: f.trace });
      if (r.trace) {
        const file = join(BENCH_DIR, 'out', `ab-trace-${v.name}-${round}.json`);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify({ rate: RATE, monoT0Ns: r.trace.monoT0Ns, serverStartMonoNs: startMonoNs(v.child.pid), issuedAt: [...r.trace.issuedAt], latency: [...r.trace.latency] }));
        log(`timeline ${file} (pid ${v.child.pid})`);
      }
      const us = (1000 * (cpuTimeMs(v.child.pid) - cpu0)) / (r.requests + RATE);
      if (probing) await signalProbe(v.child, /PROBE (WRITTEN|FAILED)/);
      v.rounds.push({ p50: r.latency.p50, p99: r.latency.p99, p999: r.latency.p999, us, bad: r.non2xx + r.errors + r.timeouts });
      // The generator's CPU per request (core 1, the same work whatever the server does): a
      // reading of the machine's speed during the round, beside the server's.
      const genUs = (1000 * r.generatorCpuMs) / (r.requests + RATE);
      log(`round ${round} ${v.name}: p50 ${r.latency.p50.toFixed(2)} p99 ${r.latency.p99.toFixed(2)} p99.9 ${r.latency.p999.toFixed(2)} ms, ${us.toFixed(0)} µs CPU/req (generator ${genUs.toFixed(1)}), bad ${r.non2xx + r.errors + r.timeouts}`);
    }
  }
  console.log(`\n${RATE} req/s, ${ROUNDS} × ${DURATION} s, medians (min–max of p99):`);
  for (const v of variants) {
    const p99 = v.rounds.map((r) => r.p99);
    console.log(`${v.name.padEnd(12)} p50 ${median(v.rounds.map((r) => r.p50)).toFixed(2)}  p99 ${median(p99).toFixed(2)} (${Math.min(...p99).toFixed(1)}–${Math.max(...p99).toFixed(1)})  p99.9 ${median(v.rounds.map((r) => r.p999)).toFixed(2)}  ${median(v.rounds.map((r) => r.us)).toFixed(0)} µs/req`);
  }
  for (const v of variants) await stopChild(v.child);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => shutdown({ final: true }));
