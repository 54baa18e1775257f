#!/usr/bin/env node
/**
 * End users and their style requests (issue 24), in one run on the embedded default (the real app
 * in-process, requests through Fastify's inject, PGlite in a fresh data directory, the offline
 * analyser), the process pinned to one core:
 *
 * 1. Login cost: the password hash's parameters, one argon2id verify, and `POST /v1/auth/login`
 *    (each login from its own address and account, so the throttle never answers instead).
 * 2. A signed-in end user's analysis answered from the cache (`POST /v1/style/analyses` with the
 *    user's token, a selfie the cache has) beside `GET /v1/me` with a secret key, alternating; the
 *    ratio of their medians.
 * 3. The analyses cache over a replay of repeated selfies: 200 people's selfies, 1,542 requests (the
 *    older Style backend's published figures: hit ratio 0.87 over 1,542 requests); each repeat is
 *    the same file (80 %), the same picture with other metadata (10 %), or the picture re-saved
 *    by the phone at another JPEG quality (10 %). Hits as the API reports them (`cached`).
 *
 *   npm run bench:accounts                # writes the "## Accounts: login and signed-in style" section
 *   BENCH_QUICK=1 npm run bench:accounts  # fewer runs, prints only
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { verify, hash } from '@node-rs/argon2';
import { pct } from './lib/util.mjs';
import { writeResultsSection } from './lib/results.mjs';
import { loadConfig } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { buildApp } from '../src/app.ts';
import { ARGON2_OPTIONS } from '../src/platform/auth/passwords.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(BENCH_DIR, 'RESULTS.md');
const SECTION = '## Accounts: login and signed-in style (issue 24)';
const QUICK = process.env.BENCH_QUICK === '1';
const N_LOGIN = QUICK ? 8 : 30;
const N_PAIR = QUICK ? 300 : 2000;
const PEOPLE = QUICK ? 40 : 200;
const REQUESTS = QUICK ? 300 : 1542;
const log = (...a) => console.log('[bench:accounts]', ...a);
const median = (xs) => pct(xs, 50);
const f1 = (v) => v.toFixed(1);
const f2 = (v) => v.toFixed(2);
const f3 = (v) => v.toFixed(3);

const PINNED = process.platform === 'linux' && process.env.BENCH_PIN !== '0';
if (PINNED) execFileSync('taskset', ['-apc', '0', String(process.pid)], { stdio: 'ignore' });
sharp.concurrency(1);
const started = new Date();
const load0 = loadavg()[0];

// ---- the app, embedded ----
const dataDir = mkdtempSync(join(tmpdir(), 'probador-bench-accounts-'));
const config = loadConfig({ PROBADOR_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PROBADOR_SEED_DEMO: 'false', PROBADOR_PERCEPTION_THREADS: '1', PROBADOR_PERCEPTION_LOAD: 'startup' });
const deps = await createDeps(config, { defaultMetrics: false });
const { app, modules } = await buildApp(deps);
await app.ready();
await modules.perception.warm();
const tenant = await modules.tenants.tenants.createTenant({ name: 'Bench store', tier: 'enterprise', limits: { requests_per_minute_per_key: 100_000_000, requests_per_minute_per_tenant: 100_000_000, monthly_generations: null } });
const secret = (await modules.tenants.tenants.createKey(tenant.id, { kind: 'secret', environment: 'live', name: 'bench' })).key;
const asKey = { authorization: `Bearer ${secret}` };
let ip = 0;
const nextIp = () => `10.${(++ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`;
async function call(method, url, headers, payload, expected) {
  const res = await app.inject({ method, url, headers, payload, remoteAddress: nextIp() });
  if (expected && res.statusCode !== expected) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res;
}
const PASSWORD = 'correct horse battery staple';
async function newUser(i) {
  await call('POST', '/v1/auth/register', asKey, { email: `person${i}@bench.example`, password: PASSWORD }, 201);
  return (await call('POST', '/v1/auth/login', asKey, { email: `person${i}@bench.example`, password: PASSWORD }, 200)).json();
}

// ---- 1. login cost ----
const stored = await hash(PASSWORD, ARGON2_OPTIONS);
const verifies = [];
for (let i = 0; i < N_LOGIN + 3; i++) {
  const t0 = performance.now();
  if (!(await verify(stored, PASSWORD))) throw new Error('verify failed');
  if (i >= 3) verifies.push(performance.now() - t0);
}
for (let i = 0; i < N_LOGIN; i++) await call('POST', '/v1/auth/register', asKey, { email: `login${i}@bench.example`, password: PASSWORD }, 201);
const logins = [];
for (let i = 0; i < N_LOGIN; i++) {
  const t0 = performance.now();
  await call('POST', '/v1/auth/login', asKey, { email: `login${i}@bench.example`, password: PASSWORD }, 200);
  logins.push(performance.now() - t0);
}
log(`argon2id verify median ${f1(median(verifies))} ms; POST /v1/auth/login median ${f1(median(logins))} ms`);

// ---- 2. a signed-in analysis on a cache hit beside GET /v1/me ----
const fixture = readFileSync(join(BENCH_DIR, '../test/fixtures/astronaut.png'));
const variant = (i, quality = 90) =>
  sharp(fixture)
    .resize(720 + (i % 9) * 8)
    .modulate({ brightness: 0.94 + ((i * 7) % 13) / 100, saturation: 0.92 + ((i * 5) % 17) / 100 })
    .jpeg({ quality })
    .toBuffer();
// The per-user limit (1,200 requests a minute) is shared out over 8 signed-in people in turn.
const selfie = `data:image/jpeg;base64,${(await variant(0)).toString('base64')}`;
const users = [];
for (let i = 0; i < 8; i++) {
  const tokens = await newUser(`me${i}`);
  const headers = { authorization: `Bearer ${tokens.access_token}` };
  const first = (await call('POST', '/v1/style/analyses', headers, { image: selfie, kinds: ['color'] }, 201)).json();
  users.push({ headers, body: { image: first.selfie?.upload_id ?? selfie, kinds: ['color'] } });
}
log(`the hit's image: ${users[0].body.image.startsWith('upl_') ? 'upload id' : 'data URL (the analysis has no selfie link)'}`);
let turn = 0;
const hitOnce = async () => {
  const u = users[turn++ % users.length];
  const r = await call('POST', '/v1/style/analyses', u.headers, u.body);
  if (r.statusCode !== 201 || !r.json().cached) throw new Error(`not a hit: ${r.statusCode} ${r.body.slice(0, 200)}`);
};
const meOnce = async () => void (await call('GET', '/v1/me', asKey, undefined, 200));
const accountOnce = async () => void (await call('GET', '/v1/account', users[turn % users.length].headers, undefined, 200));
for (let i = 0; i < 100; i++) {
  await hitOnce();
  await meOnce();
}
const hits = [];
const mes = [];
const accountReads = [];
for (let i = 0; i < N_PAIR; i++) {
  let t0 = performance.now();
  await hitOnce();
  hits.push(performance.now() - t0);
  t0 = performance.now();
  await meOnce();
  mes.push(performance.now() - t0);
  t0 = performance.now();
  await accountOnce();
  accountReads.push(performance.now() - t0);
}
const ratio = median(hits) / median(mes);
log(`signed-in analysis on a hit median ${f3(median(hits))} ms, GET /v1/me ${f3(median(mes))} ms: ${f2(ratio)}×`);

// ---- 3. the replay ----
const people = [];
for (let i = 0; i < PEOPLE; i++) {
  const tokens = await newUser(`replay${i}`);
  people.push({ headers: { authorization: `Bearer ${tokens.access_token}` }, original: await variant(i + 1) });
}
// Every person's selfie once, then repeats by a fixed pseudo-random sequence (the same every run).
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const plan = people.map((_, i) => ({ who: i, kind: 'first' }));
while (plan.length < REQUESTS) {
  const r = rand();
  plan.push({ who: Math.floor(rand() * PEOPLE), kind: r < 0.8 ? 'same file' : r < 0.9 ? 'other metadata' : 're-saved' });
}
const withComment = (jpeg, text) => {
  const t = Buffer.from(text);
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(t.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, t, jpeg.subarray(2)]);
};
const counts = {};
for (const step of plan) {
  const p = people[step.who];
  let bytes = p.original;
  // The same file with a JPEG comment segment (other metadata, the same pixels, other bytes).
  if (step.kind === 'other metadata') bytes = withComment(p.original, `visit ${Math.floor(rand() * 1e6)}`);
  if (step.kind === 're-saved') bytes = await sharp(p.original).jpeg({ quality: 70 + Math.floor(rand() * 20) }).toBuffer();
  const r = await call('POST', '/v1/style/analyses', p.headers, { image: `data:image/jpeg;base64,${bytes.toString('base64')}`, kinds: ['color'] }, 201);
  const c = (counts[step.kind] ??= { n: 0, hits: 0 });
  c.n++;
  if (r.json().cached) c.hits++;
}
const total = Object.values(counts).reduce((a, c) => a + c.n, 0);
const totalHits = Object.values(counts).reduce((a, c) => a + c.hits, 0);
log(`replay: ${totalHits}/${total} hits (${f3(totalHits / total)})`, counts);

await app.close();
await deps.close();
rmSync(dataDir, { recursive: true, force: true });

const rows = Object.entries(counts).map(([k, c]) => `| ${k} | ${c.n} | ${c.hits} | ${f3(c.n ? c.hits / c.n : 0)} |`);
const section = `${SECTION}

\`npm run bench:accounts\` — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, load ${f2(load0)} at the start, ${f2(loadavg()[0])} at the end; ${PINNED ? 'the process pinned to one core' : 'not pinned'}; embedded (PGlite), the real app in-process through Fastify's inject.

| figure | value |
|---|---|
| password hash | argon2id, ${ARGON2_OPTIONS.memoryCost / 1024} MiB, ${ARGON2_OPTIONS.timeCost} passes, ${ARGON2_OPTIONS.parallelism} lane (OWASP's 7 MiB × 5 setting) |
| one argon2id verify, one core (median of ${N_LOGIN}) | **${f1(median(verifies))} ms** (p95 ${f1(pct(verifies, 95))}) |
| \`POST /v1/auth/login\` (median of ${N_LOGIN}, a new account and address each) | **${f1(median(logins))} ms** (p95 ${f1(pct(logins, 95))}) — about ${Math.floor(1000 / median(logins))} logins a second per core |
| signed-in \`POST /v1/style/analyses\`, cache hit (median of ${N_PAIR}) | ${f3(median(hits))} ms (p95 ${f3(pct(hits, 95))}) |
| \`GET /v1/me\`, secret key, alternating with it | ${f3(median(mes))} ms (p95 ${f3(pct(mes, 95))}) |
| \`GET /v1/account\`, the same user's token (the end-user auth alone), alternating too | ${f3(median(accountReads))} ms (p95 ${f3(pct(accountReads, 95))}) — ${f2(median(accountReads) / median(mes))}× \`/v1/me\` |
| **ratio, analysis hit / \`/v1/me\`** | **${f2(ratio)}×** |
| **analyses cache hit ratio over the replay** (older backend: 0.87) | **${f3(totalHits / total)}** (${totalHits} of ${total}) |

Replay: ${PEOPLE} signed-in people, each with their own selfie (the test portrait at another size, brightness and saturation), sent once, then ${REQUESTS - PEOPLE} repeats of a person drawn at random (a fixed sequence), each as a data URL (upload, checks, normalisation, then the cache):

| request | sent | hits | hit ratio |
|---|---:|---:|---:|
${rows.join('\n')}

The cache key is the stored picture's SHA-256 (after intake strips the metadata and normalises it), the kinds and the analyser's version: a repeat of the same file or of the same picture with other metadata is a hit; a picture re-saved at another JPEG quality has other pixels and is analysed again (its answer is the same season within the analyser's tolerance, not the same bytes).
`;
if (QUICK) console.log(section);
else {
  writeResultsSection(RESULTS, SECTION, section);
  log('wrote', RESULTS);
}
process.exit(0);
