/**
 * Fixed-window rate limiting through rate-limiter-flexible: in memory for one process,
 * Redis (atomic, shared by every node) when configured, with an in-memory insurance
 * limiter so a Redis outage degrades to per-node limits instead of failing requests.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from '../redis.js';

export type RateDecision = { allowed: boolean; limit: number; remaining: number; resetMs: number };

export type RateLimiter = {
  /** Count one hit for `key` against `limit` per `windowS` seconds. */
  consume: (key: string, limit: number, windowS: number) => Promise<RateDecision>;
  readonly store: 'memory' | 'redis';
};

export function createRateLimiter(opts: { redis?: Redis | undefined; prefix: string }): RateLimiter {
  const limiters = new Map<string, RateLimiterAbstract>();
  const get = (limit: number, windowS: number) => {
    const id = `${limit}/${windowS}`;
    let l = limiters.get(id);
    if (!l) {
      const memory = new RateLimiterMemory({ points: limit, duration: windowS, keyPrefix: `${opts.prefix}rl:${id}` });
      l = opts.redis
        ? new RateLimiterRedis({ storeClient: opts.redis, points: limit, duration: windowS, keyPrefix: `${opts.prefix}rl:${id}`, insuranceLimiter: memory, useRedisPackage: false })
        : memory;
      limiters.set(id, l);
    }
    return l;
  };
  return {
    store: opts.redis ? 'redis' : 'memory',
    consume: async (key, limit, windowS) => {
      try {
        const res = await get(limit, windowS).consume(key, 1);
        return { allowed: true, limit, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
      } catch (e) {
        if (e instanceof RateLimiterRes) return { allowed: false, limit, remaining: 0, resetMs: e.msBeforeNext };
        throw e;
      }
    },
  };
}
