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
  close?: () => void;
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
 * ARGV[i] is the window of KEYS[i] in seconds. Returns consumed, pttl for each key.
 */
const CONSUME_MANY_LUA = `
local out = {}
for i, key in ipairs(KEYS) do
  local windowS = ARGV[i]
  redis.call('set', key, 0, 'EX', windowS, 'NX')
  local consumed = redis.call('incrby', key, 1)
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

/**
 * Redis fixed windows, atomic and shared by every node. When Redis fails, the same checks are
 * counted in memory on this node (limits then hold per node instead of failing requests), as
 * rate-limiter-flexible's insurance limiter did.
 */
function redisLimiter(redis: Redis, prefix: string): RateLimiter {
  redis.defineCommand('probadorRateConsume', { lua: CONSUME_MANY_LUA });
  const client = redis as unknown as ConsumeMany;
  const insurance = memoryWindows();
  // Checks reused across requests (a key's) keep their Redis key name.
  const keyNames = new WeakMap<RateCheck, string>();
  const consumeAll = async (checks: readonly RateCheck[]): Promise<RateDecision[]> => {
    const n = checks.length;
    const args: (string | number)[] = new Array(2 * n);
    for (let i = 0; i < n; i++) {
      const c = checks[i]!;
      let k = c.reused ? keyNames.get(c) : undefined;
      if (k === undefined) {
        k = `${prefix}rl:${c.limit}/${c.windowS}:${c.key}`;
        if (c.reused) keyNames.set(c, k);
      }
      args[i] = k;
      args[n + i] = c.windowS;
    }
    let res: number[];
    try {
      res = await client.probadorRateConsume(n, ...args);
    } catch {
      const now = Date.now();
      return checks.map((c) => insurance.consume(c.key, c.limit, c.windowS, now));
    }
    const out: RateDecision[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const { limit } = checks[i]!;
      const consumed = Number(res[2 * i]);
      const ttl = Number(res[2 * i + 1]);
      out[i] = { allowed: consumed <= limit, limit, remaining: limit - consumed > 0 ? limit - consumed : 0, resetMs: ttl > 0 ? ttl : 0 };
    }
    return out;
  };
  return {
    store: 'redis',
    consume: async (key, limit, windowS) => (await consumeAll([{ key, limit, windowS }]))[0]!,
    consumeAll,
    close: insurance.close,
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
