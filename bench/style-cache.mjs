/**
 * Style cache bench (issue 21): a repeat analysis answered from the cache beside an analysis.
 *
 *   npm run bench:style-cache                # writes the "## Style: cache hit beside an analysis" section of bench/RESULTS.md
 *   BENCH_QUICK=1 npm run bench:style-cache  # fewer runs, prints only
 *
 * The analysis side is a STAND-IN: the offline analyser (style-core's branch) is not on this branch,
 * so the bench times what every offline analysis must do at the least — decode the 1024 px selfie
 * to RGB (sharp) and run the face mesh with iris (perception worker, `faces` level, warm) — a lower
 * bound of an analysis, so the ratio below is an upper bound. At merge the bench is re-run with the
 * real analyser. A Gemini analysis (seconds, over the network) is not timed here.
 *
 * The hit side is the whole hit path of the service: sha256 of the selfie's bytes, the key
 * (`styleCacheKey`), `get` on the `style.analyses` namespace — on the memory driver, and on Redis
 * (127.0.0.1:6379) when it answers. Pinned to one core like the perception bench.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Redis } from 'ioredis';
import { writeResultsSection } from './lib/results.mjs';
import { createPerceptionPool } from '../src/modules/perception/pool.ts';
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

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
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

// --- the analysis stand-in: decode to RGB + face mesh and iris (warm worker) ---
const pool = await createPerceptionPool(1);
const status = await pool.warm();
if (!status.ok) {
  console.error('models did not load:', status.error);
  process.exit(1);
}
const analysisOnce = async (i) => {
  const bytes = photos[i % 4];
  await Promise.all([sharp(bytes).removeAlpha().raw().toBuffer(), pool.analyze(bytes, undefined, 'faces')]);
};
await time(analysisOnce, 4);
const analysis = await time(analysisOnce, N_ANALYSIS);
await pool.close();
log(`analysis stand-in: median ${f1(median(analysis))} ms, p95 ${f1(pct(analysis, 95))} ms`);

// --- the hit path on each driver ---
const silent = pino({ level: 'silent' });
const tenantId = 'ten_01BENCHBENCHBENCHBENCHBENC';
const kinds = ['face', 'color'];
const analyser = { name: 'local', version: 'bench-1' };
async function hitPath(driver) {
  let redis;
  let pubsub = memoryPubSub();
  const prefix = `probador-bench:${process.pid}:${randomBytes(3).toString('hex')}:`;
  if (driver === 'redis') {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2, lazyConnect: true, connectTimeout: 1000 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch {
      redis.disconnect();
      return undefined;
    }
    pubsub = redisPubSub(redis.duplicate(), prefix);
  }
  const caches = await createCaches({ redis, prefix, pubsub, registry: new Registry(), clock: systemClock, log: silent });
  const cache = caches.create({ namespace: STYLE_CACHE_NAMESPACE, ttlMs: STYLE_CACHE_TTL_MS, maxEntries: 50_000 });
  const keyOf = (bytes) => styleCacheKey({ tenantId, imageSha256: createHash('sha256').update(bytes).digest('hex'), kinds, analyser });
  for (let i = 0; i < 4; i++) await cache.set(keyOf(photos[i]), { analysis_id: `sta_bench${i}` });
  // 1,000 other entries, so the lookup is not in a near-empty cache.
  for (let i = 0; i < 1000; i++) await cache.set(`${tenantId}:${randomBytes(32).toString('hex')}:color+face:local@bench-1`, { analysis_id: `sta_other${i}` });
  const full = async (i) => {
    const v = await cache.get(keyOf(photos[i % 4]));
    if (!v) throw new Error('expected a hit');
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
  redis?.disconnect();
  return { full: fullTimes, get: getTimes, figures };
}
const memory = await hitPath('memory');
log(`memory hit: median ${f3(median(memory.full))} ms (get alone ${f3(median(memory.get))} ms)`);
const redis = await hitPath('redis');
if (redis) log(`redis hit: median ${f3(median(redis.full))} ms (get alone ${f3(median(redis.get))} ms)`);
else log('redis: not reachable on 127.0.0.1:6379, skipped');
const load1 = loadavg()[0];

const a = median(analysis);
const ratio = (x) => median(x) / a;
const row = (label, t) => `| ${label} | ${f3(median(t))} ms | ${f3(pct(t, 95))} ms | 1/${Math.round(1 / ratio(t))} | ${ratio(t) < 1 / 20 ? 'met' : '**not met**'} |`;
const section = `${SECTION}

\`npm run bench:style-cache\` — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version},
load average ${load0.toFixed(2)} at start and ${load1.toFixed(2)} at the end (other engineers' work was running).
${PINNED ? 'The whole bench process is pinned to one core (taskset -a). ' : 'Not pinned (BENCH_PIN=0). '}Four 1024 px JPEG selfies in turn; ${N_ANALYSIS} analyses, ${N_HIT} hits per line after warm-up.

**The analysis is a stand-in** (the offline analyser is on style-core's branch, not this one): what any
offline analysis does at the least — decode the selfie to RGB (sharp) and run the face mesh with iris
(the perception worker, \`faces\` level, warm). The real analysis costs more, so the ratios below are upper
bounds; the merge re-runs this bench with the real analyser. A Gemini analysis takes seconds over the network and is not timed.
The hit is the service's whole hit path: sha256 of the selfie, the key, \`get\` on \`${STYLE_CACHE_NAMESPACE}\` (1,004 entries).

| what | median | p95 | hit / analysis (medians) | goal < 1/20 |
|---|---|---|---|---|
| analysis stand-in: decode to RGB + face mesh and iris | ${f1(a)} ms | ${f1(pct(analysis, 95))} ms | | |
${row('cache hit, memory driver: sha256 + key + get', memory.full)}
${row('— get alone, memory driver', memory.get)}
${redis ? `${row('cache hit, Redis driver (local Redis): sha256 + key + get', redis.full)}\n${row('— get alone, Redis driver', redis.get)}` : '| Redis driver | not run (no Redis on 127.0.0.1:6379) | | | |'}

The cache's own figures for the memory run (as \`GET /admin/v1/cache\` shows them): hits ${memory.figures.hits}, misses ${memory.figures.misses}, get p50 ${memory.figures.latency.get.p50_ms} ms / p95 ${memory.figures.latency.get.p95_ms} ms
(interpolated in the histogram's buckets), ${memory.figures.entries} entries, ${memory.figures.bytes} bytes.
Most of a memory hit is the sha256 of the ~${Math.round(photos[0].length / 1024)} KB selfie; the intake hashes an upload anyway, so the service can pass that hash in.
Not included: the cache's value is the stored analysis's id, so the service then reads that row by primary key (one query;
the tables are style-core's) — a fraction of a millisecond to a millisecond, which leaves the ratio far below 1/20.
`;
process.stdout.write('\n' + section);
if (QUICK && process.env.BENCH_WRITE !== '1') log('RESULTS.md not written (quick run; BENCH_WRITE=1 to force)');
else {
  writeResultsSection(RESULTS, SECTION, section);
  log('wrote the style cache section of bench/RESULTS.md');
}
process.exit(0);
