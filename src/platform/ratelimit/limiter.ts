/**
 * Fixed-window rate limiting: a plain in-process counter map for one process (synchronous: no
 * promise on the request path), and Redis (atomic, shared by every node) when configured, with an
 * in-memory insurance limiter so a Redis outage degrades to per-node limits instead of failing
 * requests.
 *
 * Why not rate-limiter-flexible (used before, same semantics and key names): its RateLimiterRedis
 * builds an ioredis multi() on every consume even on the script path that never uses it (~20 KB of
 * garbage and tens of µs each), and one request needs two consumes (key and tenant) = two scripts.
 * Here a request's checks are one script call.
 */
import type { Redis } from '../redis.js';

export type RateDecision = { allowed: boolean; limit: number; remaining: number; resetMs: number };
/** `reused`: the same object comes back on later requests (a key's checks): its derived key names are cached. */
export type RateCheck = { key: string; limit: number; windowS: number; reused?: boolean };

export type RateLimiter = {
  /** Count one hit for `key` against `limit` per `windowS` seconds. */
  consume: (key: string, limit: number, windowS: number) => Promise<RateDecision>;
  /**
   * Count one hit for each check: synchronously in memory, in one round trip (auto-pipelined
   * commands) with Redis.
   */
  consumeAll: (checks: readonly RateCheck[]) => RateDecision[] | Promise<RateDecision[]>;
  readonly store: 'memory' | 'redis';
  /** Stop timers (Redis: and send the hits counted here but not yet sent). */
  close?: () => void | Promise<void>;
};

/**
 * Fixed windows in a Map, the same semantics as rate-limiter-flexible's memory limiter: a window
 * starts at a key's first hit and lasts `windowS`; every hit counts, refused ones included.
 * Counters of different limits are apart (a changed limit starts a fresh count), as with the
 * Redis store's per-limit key prefix. Expired windows are swept once a minute.
 */
export function memoryWindows() {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
  }, 60_000);
  sweep.unref();
  return {
    consume(key: string, limit: number, windowS: number, now = Date.now(), id = `${limit}/${windowS}:${key}`): RateDecision {
      let w = windows.get(id);
      if (w === undefined || w.resetAt <= now) {
        w = { count: 0, resetAt: now + windowS * 1000 };
        windows.set(id, w);
      }
      w.count++;
      return { allowed: w.count <= limit, limit, remaining: limit - w.count > 0 ? limit - w.count : 0, resetMs: w.resetAt - now };
    },
    close: () => clearInterval(sweep),
  };
}

/**
 * Every check of a request in ONE script call (one command, one round trip), each key counted
 * exactly as rate-limiter-flexible's RateLimiterRedis does (same script body, same key names
 * `<prefix>rl:<limit>/<window>:<key>`, so nodes of either version share one budget).
 * ARGV[i] is the window of KEYS[i] in seconds, ARGV[n + i] the hits to add. Returns consumed, pttl
 * for each key.
 */
const CONSUME_MANY_LUA = `
local n = #KEYS
local out = {}
for i, key in ipairs(KEYS) do
  local windowS = ARGV[i]
  redis.call('set', key, 0, 'EX', windowS, 'NX')
  local consumed = redis.call('incrby', key, tonumber(ARGV[n + i]))
  local ttl = redis.call('pttl', key)
  if ttl == -1 then
    redis.call('expire', key, windowS)
    ttl = 1000 * windowS
  end
  out[2 * i - 1] = consumed
  out[2 * i] = ttl
end
return out
`;

type ConsumeMany = { probadorRateConsume: (numKeys: number, ...args: (string | number)[]) => Promise<number[]> };

/** Local hits are sent to Redis at most this long after they happen. */
const FLUSH_MS = 20;
/**
 * Within this long of a window's end, every decision is exact (a round trip): local hits reach
 * Redis within FLUSH_MS, so none counted here is sent after its window ended. It was 1 s: every
 * request of that second waited on Redis and cost ~30 µs more CPU, once a window (a minute) — a
 * node at two thirds of its capacity saturated and queued for that second (bench/RESULTS.md).
 */
const EDGE_MS = 2 * FLUSH_MS;
/** Redis's window for a key ends this far from where this node thought: a new window started there. */
const WINDOW_SHIFT_MS = 1_000;
/**
 * A key's local budget: up to 1 % of its limit (`batch`) may be counted here before Redis hears of
 * it, and only while the window is more than 10 batches (10 %) below its limit. Other nodes' hits
 * not yet sent are at most ~2 batches each, so with up to 5 nodes a local decision never lets the
 * window pass its limit; near the limit every decision is a round trip, exact.
 */
const batchOf = (limit: number) => Math.max(1, Math.floor(limit / 100));
const LOCAL_MARGIN_BATCHES = 10;
/** Below this many hits per window every decision is a round trip (the free and basic tiers, anonymous callers). */
const MIN_LOCAL_LIMIT = 1_000;
/** Windows that ended are dropped from the local map at most this often. */
const SWEEP_MS = 10_000;

/** What this node knows of a key's window in Redis, and its hits not yet sent. */
type Local = { key: string; windowS: number; limit: number; resetAt: number; known: number; inflight: number; pending: number };

/**
 * Redis fixed windows, shared by every node. A key's first hit in a window is a round trip; while
 * the window is well below its limit later hits are counted here and sent in one script call
 * every FLUSH_MS (the request answers without waiting on Redis); near the limit, or with a local
 * batch full, each hit is a round trip again and exact. When Redis fails, the same checks are
 * counted in memory on this node (limits then hold per node instead of failing requests), as
 * rate-limiter-flexible's insurance limiter did.
 */
function redisLimiter(redis: Redis, prefix: string): RateLimiter {
  redis.defineCommand('probadorRateConsume', { lua: CONSUME_MANY_LUA });
  const client = redis as unknown as ConsumeMany;
  const insurance = memoryWindows();
  // Checks reused across requests (a key's) keep their Redis key name.
  const keyNames = new WeakMap<RateCheck, string>();
  const locals = new Map<string, Local>();
  /** Locals with hits not yet sent. */
  const dirty = new Set<Local>();
  let flushTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let sweptAt = Date.now();

  const keyOf = (c: RateCheck) => {
    let k = c.reused ? keyNames.get(c) : undefined;
    if (k === undefined) {
      k = `${prefix}rl:${c.limit}/${c.windowS}:${c.key}`;
      if (c.reused) keyNames.set(c, k);
    }
    return k;
  };
  /** The key's window as known here, or undefined when it ended (its unsent hits go with it). */
  const liveLocal = (k: string, now: number) => {
    const l = locals.get(k);
    if (l && now >= l.resetAt) {
      locals.delete(k);
      return undefined;
    }
    return l;
  };
  const canDecideHere = (l: Local | undefined, now: number) => {
    if (!l || now >= l.resetAt - EDGE_MS) return false; // no record: a small limit, or not learned yet
    const batch = batchOf(l.limit);
    return l.pending < batch && l.known + l.inflight + l.pending + 1 <= l.limit - LOCAL_MARGIN_BATCHES * batch;
  };
  /** Drop windows that ended, at most every SWEEP_MS (records are made in `learn`, dropped here). */
  const sweep = (now: number) => {
    if (now - sweptAt < SWEEP_MS) return;
    sweptAt = now;
    for (const [k, l] of locals) if (now >= l.resetAt && l.pending === 0 && l.inflight === 0) locals.delete(k);
  };
  const learn = (k: string, c: { windowS: number; limit: number }, consumed: number, ttl: number, now: number) => {
    // Small limits are always a round trip: no record (one per anonymous address would pile up).
    if (c.limit < MIN_LOCAL_LIMIT) return;
    const resetAt = now + (ttl > 0 ? ttl : c.windowS * 1000);
    const l = locals.get(k);
    if (!l || l.resetAt <= now) {
      sweep(now);
      locals.set(k, { key: k, windowS: c.windowS, limit: c.limit, resetAt, known: consumed, inflight: 0, pending: 0 });
    } else if (Math.abs(resetAt - l.resetAt) > WINDOW_SHIFT_MS) {
      // Redis started a new window (the old one expired between our calls): its count starts over.
      l.known = consumed;
      l.resetAt = resetAt;
    } else l.known = Math.max(l.known, consumed);
  };

  async function flush() {
    flushTimer = undefined;
    const now = Date.now();
    sweep(now);
    const batch: { l: Local; sent: number }[] = [];
    for (const l of dirty) {
      if (l.pending > 0 && now < l.resetAt) {
        batch.push({ l, sent: l.pending });
        l.inflight += l.pending;
      }
      l.pending = 0; // a window that ended takes its unsent hits with it
    }
    dirty.clear();
    if (batch.length === 0) return;
    try {
      const res = await send(batch.map(({ l, sent }) => ({ key: l.key, windowS: l.windowS, hits: sent })));
      const at = Date.now();
      for (let i = 0; i < batch.length; i++) {
        const { l, sent } = batch[i]!;
        l.inflight -= sent;
        learn(l.key, l, Number(res[2 * i]), Number(res[2 * i + 1]), at);
      }
    } catch {
      // Redis is away: keep the hits to send with the next call (their window may end meanwhile).
      for (const { l, sent } of batch) {
        l.inflight -= sent;
        l.pending += sent;
        dirty.add(l);
      }
      scheduleFlush(1_000);
    }
  }
  /** One script call: add `hits` to each key's window; consumed, pttl for each. */
  const send = (entries: { key: string; windowS: number; hits: number }[]) => {
    const n = entries.length;
    const args: (string | number)[] = new Array(3 * n);
    for (let i = 0; i < n; i++) {
      args[i] = entries[i]!.key;
      args[n + i] = entries[i]!.windowS;
      args[2 * n + i] = entries[i]!.hits;
    }
    return client.probadorRateConsume(n, ...args);
  };
  const scheduleFlush = (afterMs = FLUSH_MS) => {
    if (!flushTimer && !closed) {
      flushTimer = setTimeout(() => void flush(), afterMs);
      flushTimer.unref();
    }
  };

  const consumeAll = (checks: readonly RateCheck[]): RateDecision[] | Promise<RateDecision[]> => {
    const n = checks.length;
    const now = Date.now();
    const keys: string[] = new Array(n);
    let local = true;
    for (let i = 0; i < n; i++) {
      keys[i] = keyOf(checks[i]!);
      if (local && !canDecideHere(liveLocal(keys[i]!, now), now)) local = false;
    }
    if (local) {
      // Every check well within its budget: count here, answer now, tell Redis shortly.
      const out: RateDecision[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const l = locals.get(keys[i]!)!;
        l.pending++;
        dirty.add(l);
        const used = l.known + l.inflight + l.pending;
        out[i] = { allowed: true, limit: l.limit, remaining: l.limit - used > 0 ? l.limit - used : 0, resetMs: l.resetAt - now };
      }
      scheduleFlush();
      return out;
    }
    return exact(checks, keys, now);
  };

  /** One round trip for this request's checks, carrying the hits counted here so far. */
  async function exact(checks: readonly RateCheck[], keys: string[], now: number): Promise<RateDecision[]> {
    const n = checks.length;
    const sent: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const l = liveLocal(keys[i]!, now);
      sent[i] = 1 + (l ? l.pending : 0);
      if (l) {
        l.inflight += sent[i]!;
        l.pending = 0;
      }
    }
    let res: number[];
    try {
      res = await send(checks.map((c, i) => ({ key: keys[i]!, windowS: c.windowS, hits: sent[i]! })));
    } catch {
      for (let i = 0; i < n; i++) {
        const l = locals.get(keys[i]!);
        if (l) {
          l.inflight -= sent[i]!;
          l.pending += sent[i]! - 1; // this request is counted by the insurance limiter instead
          if (l.pending > 0) dirty.add(l);
        }
      }
      const at = Date.now();
      return checks.map((c) => insurance.consume(c.key, c.limit, c.windowS, at));
    }
    const at = Date.now();
    const out: RateDecision[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const c = checks[i]!;
      const l = locals.get(keys[i]!);
      if (l) l.inflight -= sent[i]!;
      const consumed = Number(res[2 * i]);
      const ttl = Number(res[2 * i + 1]);
      learn(keys[i]!, c, consumed, ttl, at);
      out[i] = { allowed: consumed <= c.limit, limit: c.limit, remaining: c.limit - consumed > 0 ? c.limit - consumed : 0, resetMs: ttl > 0 ? ttl : 0 };
    }
    return out;
  }

  return {
    store: 'redis',
    consume: async (key, limit, windowS) => (await consumeAll([{ key, limit, windowS }]))[0]!,
    consumeAll,
    close: async () => {
      closed = true;
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      insurance.close();
      await flush().catch(() => undefined); // send what was counted here
    },
  };
}

export function createRateLimiter(opts: { redis?: Redis | undefined; prefix: string }): RateLimiter {
  if (opts.redis) return redisLimiter(opts.redis, opts.prefix);
  const mem = memoryWindows();
  const ids = new WeakMap<RateCheck, string>(); // checks reused across requests (a key's) keep their id
  return {
    store: 'memory',
    consume: async (key, limit, windowS) => mem.consume(key, limit, windowS),
    consumeAll: (checks) => {
      const now = Date.now();
      return checks.map((c) => {
        let id = c.reused ? ids.get(c) : undefined;
        if (id === undefined) {
          id = `${c.limit}/${c.windowS}:${c.key}`;
          if (c.reused) ids.set(c, id);
        }
        return mem.consume(c.key, c.limit, c.windowS, now, id);
      });
    },
    close: mem.close,
  };
}
