/**
 * What bench/tryon.mjs and its worker children (bench/tryon/worker.mjs) share: the `instant`
 * provider, the environment both build their config from, synthetic photos, the completion
 * tracker and small statistics helpers. Imports only the BUILT code (dist/).
 */
import { performance } from 'node:perf_hooks';
import { readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';

/**
 * A try-on provider that answers at once with the person photo: what is left is the pipeline's
 * own cost (queue, database rows, blobs, events, usage, webhooks lookup).
 */
export const instant = Object.freeze({
  name: 'instant',
  models: ['instant'],
  maxGarmentsPerCall: 3,
  categories: ['tops', 'bottoms', 'one-pieces', 'auto'],
  generate: async (input) => ({ image: input.person.bytes, contentType: input.person.contentType, model: 'instant', costUsd: 0 }),
  health: async () => ({ ok: true, latencyMs: 0 }),
  estimateCostUsd: () => 0,
});

/**
 * The environment Probador's config is read from (loadConfig(env), never process.env, so the
 * bench's own environment — DATABASE_URL of a shell, a stray PROBADOR_* — cannot leak in).
 */
export function benchEnv({ dataDir, concurrency, databaseUrl, redisUrl, redisPrefix, poolMax }) {
  return {
    PROBADOR_DATA_DIR: dataDir,
    PROBADOR_PROVIDER_ORDER: 'instant',
    LOG_LEVEL: 'warn',
    PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0',
    PROBADOR_SEED_DEMO: 'false',
    PROBADOR_TRYON_CONCURRENCY: String(concurrency),
    // The pipeline's own cost: the perception models (photo pre-check, fidelity) are measured by
    // bench/perception.mjs, and cost seconds of CPU to load; off here as in the test apps.
    // (Dropped by knownSettings() for a build that does not have them.)
    PROBADOR_PERCEPTION_THREADS: '0',
    PROBADOR_PRECHECK_DEFAULT: 'off',
    PROBADOR_LOCAL_ENGINE_THREADS: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: String(poolMax ?? 10) } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: redisPrefix } : {}),
  };
}

/**
 * `loadConfig(env)` of the build under test, leaving out settings that build does not know (an
 * older build compared with BENCH_DIST refuses unknown PROBADOR_* settings).
 */
export function loadKnownConfig(loadConfig, env) {
  try {
    return loadConfig(env);
  } catch (e) {
    const m = /Unknown setting\(s\): ([A-Z0-9_, ]+?)\./.exec(String(e?.message ?? ''));
    if (!m) throw e;
    const drop = new Set(m[1].split(',').map((k) => k.trim()));
    return loadConfig(Object.fromEntries(Object.entries(env).filter(([k]) => !drop.has(k))));
  }
}

// ---------- synthetic photos ----------

/** A small deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Photo-like RGB pixels: smooth colour gradients and soft shapes (low frequencies, like a scene),
 * plus sensor-like noise (high frequencies, what makes real JPEGs large), deterministic per seed.
 */
export function photoPixels(width, height, seed = 1) {
  const rand = rng(seed);
  const px = Buffer.allocUnsafe(width * height * 3);
  const blobs = Array.from({ length: 14 }, () => ({
    x: rand() * width,
    y: rand() * height,
    r: (0.05 + rand() * 0.25) * Math.min(width, height),
    c: [rand() * 255, rand() * 255, rand() * 255],
  }));
  // Hard-edged objects (furniture, a garment's print, edges of a room): sharp edges cost bits.
  const rects = Array.from({ length: 10 }, () => ({
    x0: rand() * width,
    y0: rand() * height,
    w: (0.05 + rand() * 0.2) * width,
    h: (0.05 + rand() * 0.2) * height,
    c: [rand() * 255, rand() * 255, rand() * 255],
    stripe: 3 + Math.floor(rand() * 12),
  }));
  const fx = (2 + rand() * 4) / width;
  const fy = (2 + rand() * 4) / height;
  let i = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 128 + 90 * Math.sin(x * fx * 6.28 + 0.3);
      let g = 128 + 80 * Math.sin(y * fy * 6.28 + 1.1);
      let b = 128 + 70 * Math.sin((x + y) * fx * 3.14 + 2.0);
      for (const bl of blobs) {
        const dx = x - bl.x;
        const dy = y - bl.y;
        const d2 = (dx * dx + dy * dy) / (bl.r * bl.r);
        if (d2 < 1) {
          const w = 1 - d2; // soft edge
          r += (bl.c[0] - r) * w;
          g += (bl.c[1] - g) * w;
          b += (bl.c[2] - b) * w;
        }
      }
      for (const q of rects) {
        if (x >= q.x0 && x < q.x0 + q.w && y >= q.y0 && y < q.y0 + q.h) {
          const on = ((x + y) / q.stripe) & 1; // a striped print
          r = q.c[0] * (on ? 1 : 0.7);
          g = q.c[1] * (on ? 1 : 0.7);
          b = q.c[2] * (on ? 1 : 0.7);
        }
      }
      // Texture + sensor noise: a fine pattern (fabric-like) and per-pixel noise.
      const tex = 8 * Math.sin(x * 0.9 + Math.sin(y * 0.013) * 3) * Math.sin(y * 0.7);
      const n = (rand() - 0.5) * 14;
      px[i++] = Math.max(0, Math.min(255, r + tex + n));
      px[i++] = Math.max(0, Math.min(255, g + tex + n * 0.8));
      px[i++] = Math.max(0, Math.min(255, b + tex + n * 1.2));
    }
  }
  return px;
}

/** A JPEG photo (quality 90, with EXIF like a phone: make, model and an orientation tag). */
export async function photoJpeg(width, height, { seed = 1, quality = 90, orientation = 1 } = {}) {
  return sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } })
    .withExif({ IFD0: { Make: 'ProbadorBench', Model: 'Synthetic 12MP', Software: 'bench/tryon' } })
    .withMetadata({ orientation })
    .jpeg({ quality })
    .toBuffer();
}

// ---------- completion tracker ----------

const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'expired']);

/**
 * Records when each try-on reaches a final status, from the `tryon.<id>` events of the pub/sub bus
 * (JSON `{ id, status, … }`). It sees every channel from the start, so a job that ends before its
 * submitter could subscribe to `tryon.<id>` is not missed (see README: the subscribe race).
 */
export function completionTracker() {
  const done = new Map(); // id -> { status, t }
  const waiters = new Map(); // id -> resolve
  let events = 0;
  return {
    /** Feed one message of a `tryon.<id>` channel. */
    onMessage(channel, message) {
      if (!channel.startsWith('tryon.') || channel === 'tryon.cancel') return;
      events++;
      let e;
      try {
        e = JSON.parse(message);
      } catch {
        return;
      }
      if (!TERMINAL.has(e.status) || done.has(e.id)) return;
      const rec = { status: e.status, t: performance.now() };
      done.set(e.id, rec);
      const w = waiters.get(e.id);
      if (w) {
        waiters.delete(e.id);
        w(rec);
      }
    },
    /** The final status of `id` (resolves at once when already final). */
    wait(id, timeoutMs = 120_000) {
      const rec = done.get(id);
      if (rec) return Promise.resolve(rec);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.delete(id);
          reject(new Error(`try-on ${id}: no final status after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.set(id, (r) => {
          clearTimeout(t);
          resolve(r);
        });
      });
    },
    get: (id) => done.get(id),
    events: () => events,
    forget: () => done.clear(),
  };
}

/** Observe every publish of an in-memory bus (embedded mode): wraps `pubsub.publish` in place. */
export function tapPublish(pubsub, tracker) {
  const original = pubsub.publish;
  pubsub.publish = (channel, message) => {
    tracker.onMessage(channel, message);
    return original.call(pubsub, channel, message);
  };
}

/** Observe every `tryon.*` channel on Redis (PSUBSCRIBE on a duplicate of the app's connection). */
export async function tapRedis(redis, prefix, tracker) {
  const sub = redis.duplicate();
  sub.on('error', () => undefined);
  sub.on('pmessage', (_pattern, channel, message) => tracker.onMessage(channel.slice(prefix.length), message));
  await sub.psubscribe(`${prefix}tryon.*`);
  return async () => {
    await sub.punsubscribe().catch(() => undefined);
    sub.disconnect();
  };
}

// ---------- statistics and /proc ----------

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
}

export const median = (values) => summary(values).p50;

// Memory and CPU time of a process from /proc: the same readers as the foundation bench.
export { memoryOf, cpuTimeMs } from '../lib/children.mjs';
import { cpuTimeMs, memoryOf } from '../lib/children.mjs';

/**
 * CPU used over a run: by the given processes (bench process, workers) and by everything else on
 * the machine (PostgreSQL, Redis, other work), each as a share of all cores.
 */
export function machineMeter(pids) {
  const stat = () => {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { busy: v[0] + v[1] + v[2] + v[5] + v[6] + v[7], all: v.reduce((a, b) => a + b, 0) };
  };
  const s0 = stat();
  const c0 = pids.map((p) => cpuTimeMs(p));
  return () => {
    const s1 = stat();
    const allMs = (s1.all - s0.all) * 10;
    const busyMs = (s1.busy - s0.busy) * 10;
    const ours = pids.map((p, i) => cpuTimeMs(p) - c0[i]);
    const oursMs = ours.reduce((a, b) => a + b, 0);
    const pct = (ms) => (allMs > 0 ? (100 * ms) / allMs : NaN);
    return { allMs, busyMs, oursMs, perPidMs: ours, oursPct: pct(oursMs), othersPct: pct(Math.max(0, busyMs - oursMs)), idlePct: pct(allMs - busyMs) };
  };
}

/** Peak VmRSS of this process sampled every `everyMs` (the bench process's own memory). */
export function rssSampler(pid = process.pid, everyMs = 100) {
  let max = 0;
  const sample = () => {
    const m = memoryOf(pid);
    if (m && m.rssKb > max) max = m.rssKb;
  };
  sample();
  const t = setInterval(sample, everyMs);
  t.unref();
  return {
    max: () => (sample(), max),
    reset: () => {
      max = 0;
      sample();
    },
    stop: () => clearInterval(t),
  };
}

/** A multipart/form-data body with one file part and text fields. */
export function multipartBody(fileField, filename, contentType, bytes, fields = {}) {
  const boundary = `----probadorbench${Math.random().toString(16).slice(2)}`;
  const parts = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${fileField}"; filename="${filename}"\r\ncontent-type: ${contentType}\r\n\r\n`));
  parts.push(bytes);
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

// ---------- round-trip counters (SQL statements, Redis commands) ----------

/**
 * Counts SQL statements (node-postgres clients, or a PGlite instance) and Redis commands sent by
 * this process, by kind, so the report can say how many round trips one try-on costs. Wraps the
 * drivers' prototypes of the same module instances dist/ uses (resolved from the project root).
 */
export async function installCounters() {
  const { createRequire } = await import('node:module');
  const require = createRequire(new URL('../../package.json', import.meta.url));
  const sql = new Map();
  const redis = new Map();
  const bump = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  /** BENCH_SQL_TIME=1: wall time and rows of each PGlite statement kind (meaningful in the sequential run). */
  const timeSql = process.env.BENCH_SQL_TIME === '1';
  const sqlTime = new Map();
  const dumped = new Map();
  const kinds = new Map(); // SQL text -> kind (statements repeat: classify each text once)
  const kindOf = (text) => {
    let k = kinds.get(text);
    if (k === undefined) {
      k = classify(text);
      if (kinds.size < 10_000) kinds.set(text, k);
    }
    return k;
  };
  const classify = (text) => {
    const t = text.slice(0, 2000).replace(/\s+/g, ' ').trim();
    const m = /^(select|insert into|update|delete from|with)\s+"?([a-z_]+)"?/i.exec(t);
    if (!m) return t.slice(0, 40);
    if (m[1].toLowerCase() === 'with') {
      // One statement of several writes (a CTE): name them all, e.g. `with(update tryons, insert tryon_cache)`.
      const writes = [...t.matchAll(/\b(insert into|update|delete from)\s+"?([a-z_]+)"?/gi)].map((w) => `${w[1].toLowerCase().split(' ')[0]} ${w[2]}`);
      if (writes.length > 0) return `with(${writes.join(', ')})`;
    }
    if (m[1].toLowerCase() === 'select') {
      const from = /\sfrom\s+"?([a-z_]+)"?/i.exec(t);
      return `select ${from ? from[1] : m[2]}`;
    }
    return `${m[1].toLowerCase().split(' ')[0]} ${m[2]}`;
  };
  const pg = require('pg');
  const origQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (q, ...rest) {
    const text = typeof q === 'string' ? q : q?.text;
    if (text) bump(sql, kindOf(text));
    return origQuery.call(this, q, ...rest);
  };
  const { Redis } = require('ioredis');
  const origSend = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (command, ...rest) {
    // Offline-queue replays call sendCommand again with the same object: count each command once.
    if (command && !command.__benchCounted) {
      try {
        command.__benchCounted = true;
      } catch {
        /* frozen */
      }
      bump(redis, command.name);
    }
    return origSend.call(this, command, ...rest);
  };
  return {
    /** Count the statements of this PGlite instance too (embedded mode). */
    tapPglite(pglite) {
      for (const m of ['query', 'exec']) {
        const orig = pglite[m].bind(pglite);
        pglite[m] = (q, ...rest) => {
          const k = kindOf(String(q));
          bump(sql, k);
          if (process.env.BENCH_SQL_DUMP && !dumped.has(k)) {
            dumped.set(k, { sql: String(q), params: rest[0] });
            writeFileSync(process.env.BENCH_SQL_DUMP, JSON.stringify([...dumped.values()], null, 1));
          }
          if (!timeSql) return orig(q, ...rest);
          const t0 = performance.now();
          return orig(q, ...rest).then((r) => {
            const e = sqlTime.get(k) ?? { n: 0, ms: 0, rows: 0 };
            e.n++;
            e.ms += performance.now() - t0;
            e.rows += (Array.isArray(r) ? r.reduce((s, x) => s + (x.rows?.length ?? 0), 0) : (r?.rows?.length ?? 0));
            sqlTime.set(k, e);
            return r;
          });
        };
      }
    },
    snapshot: () => ({ sql: Object.fromEntries(sql), redis: Object.fromEntries(redis) }),
    /** BENCH_SQL_TIME=1: per kind, statements, mean wall ms and mean rows since the last call. */
    takeSqlTime() {
      const out = [...sqlTime].map(([k, e]) => ({ kind: k, n: e.n, meanMs: e.ms / e.n, meanRows: e.rows / e.n })).sort((a, b) => b.meanMs * b.n - a.meanMs * a.n);
      sqlTime.clear();
      return out;
    },
  };
}

/** Per-kind difference of two snapshots (b - a), and the totals. */
export function countsDelta(a, b) {
  const d = (x = {}, y = {}) => {
    const out = {};
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const v = (y[k] ?? 0) - (x[k] ?? 0);
      if (v) out[k] = v;
    }
    return out;
  };
  const sql = d(a.sql, b.sql);
  const redis = d(a.redis, b.redis);
  const sum = (o) => Object.values(o).reduce((s, v) => s + v, 0);
  return { sql, redis, sqlTotal: sum(sql), redisTotal: sum(redis) };
}

/** Add per-kind counts of several processes. */
export function countsSum(list) {
  const add = (into, o) => {
    for (const [k, v] of Object.entries(o)) into[k] = (into[k] ?? 0) + v;
    return into;
  };
  const sql = list.reduce((acc, c) => add(acc, c.sql), {});
  const redis = list.reduce((acc, c) => add(acc, c.redis), {});
  return { sql, redis, sqlTotal: list.reduce((s, c) => s + c.sqlTotal, 0), redisTotal: list.reduce((s, c) => s + c.redisTotal, 0) };
}

/** CPU time (ms) of every process whose command line matches, by pid (PostgreSQL backends of a database, redis-server). */
export async function cpuOfMatching(re) {
  const { readdirSync } = await import('node:fs');
  const out = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (re.test(cmd)) out.set(Number(d), cpuTimeMs(Number(d)));
  }
  return out;
}

/** CPU used between two cpuOfMatching() readings (new processes count from 0). */
export function cpuDelta(before, after) {
  let ms = 0;
  for (const [pid, t] of after) if (Number.isFinite(t)) ms += t - (before.get(pid) ?? 0);
  return ms;
}
