/**
 * Style cache bench (issue 21): a repeat analysis answered from the cache beside an analysis, both
 * as the service runs them.
 *
 *   npm run bench:style-cache                # writes the "## Style: cache hit beside an analysis" section of bench/RESULTS.md
 *   BENCH_QUICK=1 npm run bench:style-cache  # fewer runs, prints only
 *
 * The analysis is the offline analyser's path after intake (service.ts `inputOf` + the analyser):
 * perception at the `mesh` level in the warm worker thread, the selfie decoded with sharp, the
 * analyser (white balance, sampling, colour, quality, face shape). A Gemini analysis takes seconds
 * over the network and is not timed.
 *
 * The hit is the service's hit path (service.ts `cachedRow`): sha256 of the selfie, the key
 * (`styleCacheKey`), `get` on the `style.analyses` namespace, and the analysis row the entry names
 * read by its id — as deployed: the memory driver with the embedded PGlite database, and Redis
 * with PostgreSQL (127.0.0.1) when they answer. Both paths then store their own row (not timed).
 * Pinned to one core like the perception bench.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import pino from 'pino';
import pg from 'pg';
import { Registry } from 'prom-client';
import { Redis } from 'ioredis';
import { pct } from './lib/util.mjs';
import { writeResultsSection } from './lib/results.mjs';
import { createPerceptionPool } from '../src/modules/perception/pool.ts';
import { decodeSelfie } from '../src/modules/style/analyser/decode.ts';
import { analyseLocal, LOCAL_ANALYSER_VERSION } from '../src/modules/style/analyser/local.ts';
import { openDatabase } from '../src/platform/db/client.ts';
import * as repo from '../src/modules/style/repository.ts';
import { createCaches } from '../src/platform/cache/cache.ts';
import { memoryPubSub, redisPubSub } from '../src/platform/cache/pubsub.ts';
import { systemClock } from '../src/platform/clock.ts';
import { STYLE_CACHE_NAMESPACE, STYLE_CACHE_TTL_MS, styleCacheKey } from '../src/modules/style/cache.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(BENCH_DIR, 'RESULTS.md');
const SECTION = '## Style: cache hit beside an analysis';
const QUICK = process.env.BENCH_QUICK === '1';
const N_ANALYSIS = QUICK ? 8 : 30;
const N_HIT = QUICK ? 500 : 3000;
const log = (...a) => console.log('[bench:style-cache]', ...a);
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const median = (xs) => pct(xs, 50);
const f1 = (v) => v.toFixed(1);
const f3 = (v) => v.toFixed(3);

async function time(fn, n) {
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    ts.push(performance.now() - t0);
  }
  return ts;
}

const PINNED = process.platform === 'linux' && process.env.BENCH_PIN !== '0';
if (PINNED) execFileSync('taskset', ['-apc', '0', String(process.pid)], { stdio: 'ignore' });
const load0 = loadavg()[0];

const fixture = readFileSync(join(BENCH_DIR, '../test/fixtures/astronaut.png'));
const photos = await Promise.all([
  sharp(fixture).resize(1024).jpeg({ quality: 90 }).toBuffer(),
  sharp(fixture).resize(1024).flop().jpeg({ quality: 90 }).toBuffer(),
  sharp(fixture).resize(1024).modulate({ brightness: 1.1 }).jpeg({ quality: 90 }).toBuffer(),
  sharp(fixture).resize(1024).modulate({ saturation: 0.8 }).jpeg({ quality: 90 }).toBuffer(),
]);
log(`cores ${cpus().length}, load ${load0.toFixed(2)}, selfie ${photos[0].length} bytes (1024 px JPEG)`);

// --- the analysis: perception (mesh) + decode + the offline analyser ---
sharp.concurrency(1);
const pool = await createPerceptionPool(1);
const status = await pool.warm();
if (!status.ok) {
  console.error('models did not load:', status.error);
  process.exit(1);
}
const kinds = ['face', 'color'];
const answers = [];
const analysisOnce = async (i) => {
  const bytes = photos[i % 4];
  const perception = await pool.analyze(bytes, undefined, 'mesh');
  answers[i % 4] = analyseLocal({ bytes, ...(await decodeSelfie(bytes)), perception, kinds });
};
await time(analysisOnce, 4);
const analysis = await time(analysisOnce, N_ANALYSIS);
await pool.close();
log(`offline analysis: median ${f1(median(analysis))} ms, p95 ${f1(pct(analysis, 95))} ms`);

// --- the hit path on each deployment: memory + PGlite, Redis + PostgreSQL ---
const silent = pino({ level: 'silent' });
const tenantId = 'ten_01BENCHBENCHBENCHBENCHBENC';
const analyser = { name: 'local', version: LOCAL_ANALYSER_VERSION };
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function openRedis(prefix) {
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2, lazyConnect: true, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return { redis, pubsub: redisPubSub(redis.duplicate(), prefix) };
  } catch {
    redis.disconnect();
    return undefined;
  }
}

async function openPostgres() {
  const name = `probador_bench_style_cache_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const database = await openDatabase({ driver: 'postgres', url: u.toString(), poolMax: 4 });
  return {
    database,
    drop: async () => {
      await database.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function openPglite() {
  const dir = mkdtempSync(join(tmpdir(), 'probador-bench-style-cache-'));
  const database = await openDatabase({ driver: 'pglite', dataDir: join(dir, 'pg') });
  return {
    database,
    drop: async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function hitPath(kind) {
  const prefix = `probador-bench:${process.pid}:${randomBytes(3).toString('hex')}:`;
  const r = kind === 'redis' ? await openRedis(prefix) : undefined;
  if (kind === 'redis' && !r) return undefined;
  const store = kind === 'redis' ? await openPostgres() : await openPglite();
  if (!store) {
    r?.redis.disconnect();
    return undefined;
  }
  await store.database.migrate();
  const db = store.database.db;
  const pubsub = r?.pubsub ?? memoryPubSub();
  const caches = await createCaches({ redis: r?.redis, prefix, pubsub, registry: new Registry(), clock: systemClock, log: silent });
  const cache = caches.create({ namespace: STYLE_CACHE_NAMESPACE, ttlMs: STYLE_CACHE_TTL_MS, maxEntries: 50_000 });
  const keyOf = (bytes) => styleCacheKey({ tenantId, imageSha256: sha(bytes), kinds, analyser });
  // The four analyses stored as the service stores them, and 1,000 other rows and entries.
  const now = new Date();
  const row = (id, imageSha256, a) => ({
    id,
    keyId: null,
    environment: 'test',
    widgetSession: null,
    shopperId: null,
    status: 'succeeded',
    kinds: 'color,face',
    source: 'photo',
    analyserName: 'local',
    analyserVersion: LOCAL_ANALYSER_VERSION,
    imageSha256,
    face: a.face,
    color: a.color,
    quality: a.quality,
    createdAt: now,
    completedAt: now,
    updatedAt: now,
  });
  for (let i = 0; i < 4; i++) {
    await repo.insertAnalysis(db, tenantId, row(`sta_bench${i}`, sha(photos[i]), answers[i]));
    await cache.set(keyOf(photos[i]), { analysis_id: `sta_bench${i}` });
  }
  for (let i = 0; i < 1000; i++) {
    const h = randomBytes(32).toString('hex');
    await repo.insertAnalysis(db, tenantId, row(`sta_other${String(i).padStart(4, '0')}`, h, answers[i % 4]));
    await cache.set(`${tenantId}:${h}:color+face:local@${LOCAL_ANALYSER_VERSION}`, { analysis_id: `sta_other${String(i).padStart(4, '0')}` });
  }
  const full = async (i) => {
    const v = await cache.get(keyOf(photos[i % 4]));
    const found = v && (await repo.findAnalysis(db, tenantId, v.analysis_id));
    if (!found || found.status !== 'succeeded') throw new Error('expected a hit');
  };
  const keys = photos.map(keyOf);
  const getOnly = async (i) => {
    if (!(await cache.get(keys[i % 4]))) throw new Error('expected a hit');
  };
  await time(full, 200);
  const fullTimes = await time(full, N_HIT);
  const getTimes = await time(getOnly, N_HIT);
  const figures = await cache.figures();
  await cache.invalidate();
  await caches.close();
  await pubsub.close();
  r?.redis.disconnect();
  await store.drop();
  return { full: fullTimes, get: getTimes, figures };
}
const memory = await hitPath('memory');
log(`memory + PGlite hit: median ${f3(median(memory.full))} ms (get alone ${f3(median(memory.get))} ms)`);
const redis = await hitPath('redis');
if (redis) log(`Redis + PostgreSQL hit: median ${f3(median(redis.full))} ms (get alone ${f3(median(redis.get))} ms)`);
else log('Redis or PostgreSQL not reachable on 127.0.0.1, skipped');
const load1 = loadavg()[0];

const a = median(analysis);
const ratio = (x) => median(x) / a;
const row = (label, t) => `| ${label} | ${f3(median(t))} ms | ${f3(pct(t, 95))} ms | 1/${Math.round(1 / ratio(t))} | ${ratio(t) < 1 / 20 ? 'met' : '**not met**'} |`;
const section = `${SECTION}

\`npm run bench:style-cache\` — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version},
load average ${load0.toFixed(2)} at start and ${load1.toFixed(2)} at the end (other engineers' work was running).
${PINNED ? 'The whole bench process is pinned to one core (taskset -a), sharp on one thread. ' : 'Not pinned (BENCH_PIN=0). '}Four 1024 px JPEG selfies in turn; ${N_ANALYSIS} analyses, ${N_HIT} hits per line after warm-up.

The analysis is the offline analyser's path after intake: perception at the \`mesh\` level (warm worker thread), the
selfie decoded (sharp), the analyser. The hit is the service's hit path: sha256 of the selfie, the key, \`get\` on
\`${STYLE_CACHE_NAMESPACE}\` (1,004 entries), then the analysis row it names read by its id (1,004 rows) — as deployed:
the memory driver with embedded PGlite, Redis with PostgreSQL. Both paths then store their own analysis row (not timed);
the intake before them is the same for both. A Gemini analysis (seconds, over the network) is not timed.

| what | median | p95 | hit / analysis (medians) | goal < 1/20 |
|---|---|---|---|---|
| offline analysis: perception \`mesh\` + decode + analyser | ${f1(a)} ms | ${f1(pct(analysis, 95))} ms | | |
${row('cache hit, memory + PGlite: sha256 + key + get + row by id', memory.full)}
${row('— get alone, memory driver', memory.get)}
${redis ? `${row('cache hit, Redis + PostgreSQL (local): sha256 + key + get + row by id', redis.full)}\n${row('— get alone, Redis driver', redis.get)}` : '| Redis + PostgreSQL | not run (not reachable on 127.0.0.1) | | | |'}

The cache's own figures for the memory run (as \`GET /admin/v1/cache\` shows them): hits ${memory.figures.hits}, misses ${memory.figures.misses}, get p50 ${memory.figures.latency.get.p50_ms} ms / p95 ${memory.figures.latency.get.p95_ms} ms
(interpolated in the histogram's buckets), ${memory.figures.entries} entries, ${memory.figures.bytes} bytes.
The sha256 of the ~${Math.round(photos[0].length / 1024)} KB selfie is counted in the hit, though the service takes it from the intake, which hashes every upload anyway.
`;
process.stdout.write('\n' + section);
if (QUICK && process.env.BENCH_WRITE !== '1') log('RESULTS.md not written (quick run; BENCH_WRITE=1 to force)');
else {
  writeResultsSection(RESULTS, SECTION, section);
  log('wrote the style cache section of bench/RESULTS.md');
}
process.exit(0);
