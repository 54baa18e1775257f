#!/usr/bin/env node
/**
 * Memory of a Probador node (issue 20, item 5), this build beside a baseline build in one run:
 *
 * - embedded all-in-one (`npm start` with nothing configured: PGlite, in-process jobs, perception
 *   models, local try-on engine): resident memory once start-up has settled, on a new data
 *   directory (first start) and again on the same directory (a later start); then its peak while it
 *   makes try-ons with the local engine (photo pre-check, body pose, compose), concurrently;
 * - API-only node (`--role api`) on PostgreSQL + Redis: peak (VmHWM) under GET /v1/me load.
 *
 *   npm run bench:memory                      # build, then the run; writes its section of bench/RESULTS.md
 *   BENCH_QUICK=1 node bench/memory.mjs       # fewer try-ons, one round; prints, leaves RESULTS.md alone
 *
 * The baseline is another build's `dist/`: BENCH_BASE_DIST=<dir>, or BENCH_BASE_REV=<commit> (default:
 * the commit before issue 20's memory work), which is checked out under $TMPDIR/probador-bench/ and
 * built there once (npm install + npm run build). Both servers start exactly as `npm start` starts them (its
 * environment variables and Node.js flags, read from each build's package.json).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import sharp from 'sharp';
import { launchEnv, launchFlags, memoryOf, onCleanup, rssSampler, runNode, shutdown, startChild, stopChild } from './lib/children.mjs';
import { writeResultsSection } from './lib/results.mjs';
import { cliJson, freePort, median } from './lib/util.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const TRYONS = Number(process.env.BENCH_TRYONS ?? (QUICK ? 12 : 48));
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const BASE_REV = process.env.BENCH_BASE_REV ?? '2af24c7';
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN = { email: 'bench@example.com', password: 'bench-password-123' };
const log = (m) => console.error(`[memory] ${m}`);
/** A subsection of this bench's RESULTS.md section that new runs keep (hand-written findings). */
const KEPT = '### Where the memory went (kept across runs)';
const mb = (kb) => (kb === undefined ? '–' : `${Math.round(kb / 1024)} MB`);

/** The baseline build's root: BENCH_BASE_DIST's parent, or BASE_REV checked out and built once. */
function baselineRoot() {
  if (process.env.BENCH_BASE_DIST) return resolve(process.env.BENCH_BASE_DIST, '..');
  // Outside the repository (its sources would be type-checked and linted with ours).
  const dir = join(tmpdir(), 'probador-bench', `base-${BASE_REV}`);
  if (!existsSync(join(dir, 'dist/bundle/cli.js'))) {
    log(`building the baseline ${BASE_REV} in ${dir} (once)…`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git -C "${ROOT}" archive ${BASE_REV} | tar -x -C "${dir}"`], { stdio: 'inherit' });
    execFileSync('npm', ['install', '--no-fund', '--no-audit'], { cwd: dir, stdio: 'ignore' });
    execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
  }
  return dir;
}

/** The node arguments and environment `npm start` uses in `root`, plus `extra`. */
function launch(root, extra, role = 'all') {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...launchEnv(root), LOG_LEVEL: 'warn', PROBADOR_ADMIN_EMAIL: ADMIN.email, PROBADOR_ADMIN_PASSWORD: ADMIN.password, ...extra };
  return { args: [...launchFlags(root), join(root, 'dist/bundle/cli.js'), 'start', '--role', role], env };
}

async function http(method, url, { key, body, token } = {}) {
  const headers = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, body: json, text };
}

async function waitReady(base, child, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (!child.alive()) throw new Error(`the server exited:\n${child.output().slice(-3000)}`);
    try {
      if ((await fetch(`${base}/ready`)).ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > end) throw new Error(`the server was not ready in ${timeoutMs} ms:\n${child.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resident memory once it has stopped moving (within 2 MB over 5 s, at least 8 s after ready; at most 60 s). */
async function settledRssKb(pid) {
  const samples = [];
  const t0 = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const m = memoryOf(pid);
    if (!m) throw new Error('the server is gone');
    samples.push({ t: Date.now(), kb: m.rssKb });
    const recent = samples.filter((s) => s.t > Date.now() - 5000);
    const spread = Math.max(...recent.map((s) => s.kb)) - Math.min(...recent.map((s) => s.kb));
    if ((Date.now() - t0 > 8000 && spread < 2048) || Date.now() - t0 > 60_000) return m.rssKb;
  }
}

/** Person photos that differ (no cache hit, every one checked and posed): the astronaut at 1024 px, tinted per seed. */
async function personPhotos(n) {
  const src = join(ROOT, 'test/fixtures/astronaut.png');
  const out = [];
  for (let i = 0; i < n; i++) {
    const buf = await sharp(src).resize(1024, 1024).modulate({ brightness: 0.9 + (i % 20) / 100, hue: i * 7 }).jpeg({ quality: 88 }).toBuffer();
    out.push(`data:image/jpeg;base64,${buf.toString('base64')}`);
  }
  return out;
}

/** One embedded all-in-one run of a build: first start, later start, try-on load. */
async function embeddedRun(name, root, photos, garment) {
  const dataDir = mkdtempSync(join(tmpdir(), `probador-mem-${name}-`));
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const extra = { PROBADOR_DATA_DIR: dataDir, PORT: String(port), PROBADOR_SEED_DEMO: 'false' };
  const out = {};

  // First start: a new data directory (initdb, migrations, first operator).
  let l = launch(root, extra);
  let child = startChild(`${name} first start`, l.args, { env: l.env, cwd: root });
  await waitReady(base, child);
  out.firstKb = await settledRssKb(child.pid);
  out.firstHwmKb = memoryOf(child.pid)?.hwmKb;
  await stopChild(child);

  // A tenant and key through the CLI while no server holds the directory.
  const cli = join(root, 'dist/bundle/cli.js');
  const cliEnv = { ...l.env };
  const tenant = cliJson(await runNode(`${name} tenant`, [cli, 'tenant', 'create', '--name', 'Bench', '--tier', 'enterprise', '--json'], { env: cliEnv, cwd: root }));
  const key = cliJson(await runNode(`${name} key`, [cli, 'key', 'create', '--tenant', tenant.id, '--name', 'bench', '--json'], { env: cliEnv, cwd: root })).key;

  // A later start on the same directory.
  l = launch(root, extra);
  child = startChild(`${name} later start`, l.args, { env: l.env, cwd: root });
  await waitReady(base, child);
  out.laterKb = await settledRssKb(child.pid);

  // Try-ons with the local engine: TRYONS distinct photos, IN_FLIGHT submitted at a time.
  const up = await http('POST', `${base}/v1/tryons`, { key, body: { person: photos[0], garments: [{ image: garment, category: 'tops' }] } });
  if (up.status !== 202 && up.status !== 200) throw new Error(`${name}: try-on refused (${up.status}): ${up.text.slice(0, 500)}`);
  await waitFor(base, key, [up.body.id]);
  const rss = rssSampler(child.pid);
  rss.reset();
  const t0 = Date.now();
  const ids = [];
  let next = 1;
  const worker = async () => {
    while (next < photos.length) {
      const i = next++;
      const r = await http('POST', `${base}/v1/tryons`, { key, body: { person: photos[i], garments: [{ image: garment, category: 'tops' }] } });
      if (r.status !== 202 && r.status !== 200) throw new Error(`${name}: try-on ${i} refused (${r.status}): ${r.text.slice(0, 500)}`);
      ids.push(r.body.id);
      await waitFor(base, key, [r.body.id]);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  out.loadSeconds = (Date.now() - t0) / 1000;
  out.tryons = ids.length;
  out.peakKb = rss.max();
  rss.stop();
  out.afterLoadKb = memoryOf(child.pid)?.rssKb;
  await stopChild(child);
  return out;
}

async function waitFor(base, key, ids) {
  for (const id of ids) {
    for (;;) {
      const r = await http('GET', `${base}/v1/tryons/${id}`, { key });
      if (r.body?.status === 'succeeded') break;
      if (['failed', 'canceled', 'expired'].includes(r.body?.status)) throw new Error(`try-on ${id} ${r.body.status}: ${JSON.stringify(r.body.error ?? r.body).slice(0, 500)}`);
      await new Promise((res) => setTimeout(res, 150));
    }
  }
}

/** The API-only node on PostgreSQL + Redis under GET /v1/me load: its VmHWM. */
async function apiOnlyRun(name, root) {
  const db = `probador_mem_${process.pid}_${name.replace(/\W/g, '')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${db} with (force)`);
  await admin.query(`create database ${db}`);
  onCleanup(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop database if exists ${db} with (force)`).catch(() => undefined);
    await c.end();
  });
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${db}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const extra = { DATABASE_URL: u.toString(), REDIS_URL: REDIS_URL, REDIS_PREFIX: `probador-mem:${process.pid}:${name}:`, PORT: String(port), PROBADOR_SEED_DEMO: 'false' };
  const l = launch(root, extra, 'api');
  const cli = join(root, 'dist/bundle/cli.js');
  const tenant = cliJson(await runNode(`${name} tenant`, [cli, 'tenant', 'create', '--name', 'Bench', '--tier', 'enterprise', '--json'], { env: l.env, cwd: root }));
  const key = cliJson(await runNode(`${name} key`, [cli, 'key', 'create', '--tenant', tenant.id, '--name', 'bench', '--json'], { env: l.env, cwd: root })).key;
  const child = startChild(`${name} api`, l.args, { env: l.env, cwd: root });
  await waitReady(base, child);
  const login = await http('POST', `${base}/admin/v1/auth/login`, { body: ADMIN });
  await http('PATCH', `${base}/admin/v1/tenants/${tenant.id}`, { token: login.body.access_token, body: { limits: { requests_per_minute_per_key: 1_000_000, requests_per_minute_per_tenant: 1_000_000 } } });
  const r = await new Promise((res, rej) =>
    autocannon({ url: `${base}/v1/me`, headers: { authorization: `Bearer ${key}` }, connections: 50, duration: QUICK ? 3 : 10 }, (e, x) => (e ? rej(e) : res(x))),
  );
  const out = { hwmKb: memoryOf(child.pid)?.hwmKb, rps: Math.round(r.requests.average), non2xx: r.non2xx };
  await stopChild(child);
  return out;
}

async function main() {
  const baseRoot = baselineRoot();
  const builds = [
    { name: 'before', root: baseRoot, label: `before (${process.env.BENCH_BASE_DIST ?? BASE_REV})` },
    { name: 'after', root: ROOT, label: 'after (this build)' },
  ];
  log(`${TRYONS} try-ons per run, ${IN_FLIGHT} in flight, ${ROUNDS} round(s); builds: ${builds.map((b) => b.root).join(' | ')}`);
  const photos = await personPhotos(TRYONS);
  const garment = `data:image/png;base64,${readFileSync(join(ROOT, 'web/demo/images/striped-tee.png')).toString('base64')}`;
  const results = Object.fromEntries(builds.map((b) => [b.name, { embedded: [], api: [] }]));
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate the order, so neither build always runs on a warmer machine.
    for (const b of round % 2 ? builds : [...builds].reverse()) {
      log(`round ${round}: ${b.name}, embedded…`);
      const e = await embeddedRun(`${b.name}${round}`, b.root, photos, garment);
      log(`  first start ${mb(e.firstKb)} (start-up peak ${mb(e.firstHwmKb)}), later start ${mb(e.laterKb)}, try-on peak ${mb(e.peakKb)} (${e.tryons} in ${e.loadSeconds.toFixed(1)} s)`);
      results[b.name].embedded.push(e);
      log(`round ${round}: ${b.name}, API-only on PostgreSQL + Redis…`);
      const a = await apiOnlyRun(`${b.name}${round}`, b.root);
      log(`  VmHWM ${mb(a.hwmKb)} at ${a.rps} req/s${a.non2xx ? ` (${a.non2xx} non-2xx!)` : ''}`);
      results[b.name].api.push(a);
    }
  }
  const med = (b, kind, f) => median(results[b][kind].map(f));
  const rows = [
    ['embedded, RSS after a first start (new data directory)', 'embedded', (x) => x.firstKb, 350],
    ['embedded, RSS after a later start', 'embedded', (x) => x.laterKb, 350],
    ['embedded, peak RSS during the first start (new data directory)', 'embedded', (x) => x.firstHwmKb, undefined],
    [`embedded, peak RSS during ${TRYONS} local try-ons (${IN_FLIGHT} in flight)`, 'embedded', (x) => x.peakKb, 600],
    ['embedded, RSS after the try-ons', 'embedded', (x) => x.afterLoadKb, undefined],
    ['API-only on PostgreSQL + Redis, VmHWM under GET /v1/me load', 'api', (x) => x.hwmKb, 100],
  ];
  const lines = [
    '| figure (median of rounds) | before | after | after / before | goal |',
    '|---|---|---|---|---|',
    ...rows.map(([label, kind, f, goal]) => {
      const b = med('before', kind, f);
      const a = med('after', kind, f);
      const all = results.after[kind].map(f).map((v) => Math.round(v / 1024)).join(' / ');
      return `| ${label} | ${mb(b)} | **${mb(a)}** (rounds ${all}) | ${(a / b).toFixed(2)}× | ${goal ? `< ${goal} MB ${a / 1024 < goal ? 'PASS' : 'MISS'}` : '–'} |`;
    }),
  ];
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const section = [
    '## Memory of a node',
    '',
    `Run of ${when} UTC, ${ROUNDS} round(s), builds alternating; before = ${builds[0].label}. ` +
      `Each server started as \`npm start\` starts it (its package.json's variables and Node.js flags). ` +
      `"After a start": VmRSS once it moved less than 2 MB in 5 s (perception models loaded). Try-ons: ${TRYONS} distinct 1024 px photos ` +
      `(the astronaut, tinted), the demo Breton tee, the local engine with photo pre-check, ${IN_FLIGHT} submitted at a time; VmRSS sampled every 100 ms. ` +
      'API-only: `--role api`, 50 connections on GET /v1/me for 10 s.',
    '',
    ...lines,
  ].join('\n');
  console.log(`\n${section}\n`);
  if (!QUICK && process.env.BENCH_NO_WRITE !== '1') writeResultsSection(join(BENCH_DIR, 'RESULTS.md'), '## Memory of a node', section, { keep: KEPT });
}

main().then(
  () => shutdown({ final: true }),
  async (e) => {
    console.error(e);
    await shutdown({ final: true });
    process.exit(1);
  },
);
