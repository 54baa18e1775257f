/**
 * The Redis limiter's local budget (REDIS_URL only): well below a large limit, hits are counted
 * in the process and sent in batches, and Redis ends up with every one of them; near the limit,
 * and for small limits, every decision is a round trip and exact, also across two nodes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRateLimiter, type RateCheck, type RateDecision } from './limiter.js';

const url = process.env.REDIS_URL;
let redis: Redis;
let redis2: Redis;
const prefix = `probador-test:rl:${randomBytes(4).toString('hex')}:`;

beforeAll(() => {
  if (!url) return;
  redis = new Redis(url);
  redis2 = new Redis(url);
});
afterAll(async () => {
  if (!url) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  redis2.disconnect();
});

/** Resolve a decision, and say whether it needed Redis (a promise) or was decided here. */
async function hit(l: ReturnType<typeof createRateLimiter>, checks: RateCheck[]): Promise<{ d: RateDecision; local: boolean }> {
  const r = l.consumeAll(checks);
  const local = !(r instanceof Promise);
  return { d: (await r)[0]!, local };
}

describe.skipIf(!url)('Redis rate limiter: local budget', () => {
  it('well below a large limit, answers without waiting on Redis, counts down exactly, and Redis gets every hit', async () => {
    const l = createRateLimiter({ redis, prefix });
    const check: RateCheck = { key: 'k:big', limit: 5000, windowS: 60, reused: true };
    let local = 0;
    for (let i = 1; i <= 300; i++) {
      const r = await hit(l, [check]);
      expect(r.d.allowed).toBe(true);
      expect(r.d.remaining).toBe(5000 - i);
      if (r.local) local++;
    }
    expect(local).toBeGreaterThan(250); // the first hit, and one per full local batch (50), go to Redis
    await l.close?.();
    expect(Number(await redis.get(`${prefix}rl:5000/60:k:big`))).toBe(300);
  });

  it('stays local until the last moments of a window (2 × the flush interval), then is exact; the next window starts exactly', async () => {
    const l = createRateLimiter({ redis, prefix });
    const check: RateCheck = { key: 'k:edge', limit: 100_000, windowS: 2, reused: true };
    const first = await hit(l, [check]);
    expect(first.local).toBe(false); // a window's first hit is a round trip
    const start = Date.now();
    // Half a second before the end: local (with a 1 s edge, every one of these was a round trip).
    await new Promise((r) => setTimeout(r, 1_400));
    const late: boolean[] = [];
    while (Date.now() - start < 1_500) late.push((await hit(l, [check])).local);
    // Local but for one round trip per full local batch (1,000 hits): with a 1 s edge, none was.
    expect(late.length).toBeGreaterThan(10);
    expect(late.filter(Boolean).length).toBeGreaterThan(late.length * 0.9);
    // Past the window: a new one, counted from 1 again.
    await new Promise((r) => setTimeout(r, 700));
    const next = await hit(l, [check]);
    expect(next.local).toBe(false);
    expect(next.d.remaining).toBe(99_999);
    await l.close?.();
  });

  it('a small limit is exact on every hit (a round trip each)', async () => {
    const l = createRateLimiter({ redis, prefix });
    const check: RateCheck = { key: 'k:small', limit: 60, windowS: 60 };
    const results = [];
    for (let i = 0; i < 62; i++) results.push(await hit(l, [check]));
    expect(results.every((r) => !r.local)).toBe(true);
    expect(results.filter((r) => r.d.allowed)).toHaveLength(60);
    await l.close?.();
  });

  it('two nodes sharing a 1,000 window let exactly 1,000 through', async () => {
    const a = createRateLimiter({ redis, prefix });
    const b = createRateLimiter({ redis: redis2, prefix });
    const check: RateCheck = { key: 'k:shared', limit: 1000, windowS: 60, reused: true };
    let allowed = 0;
    let local = 0;
    // Interleaved, and in bursts of 20 concurrent hits per node, as two busy API nodes would.
    for (let round = 0; round < 30; round++) {
      const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => hit(i % 2 ? a : b, [check])));
      allowed += rs.filter((r) => r.d.allowed).length;
      local += rs.filter((r) => r.local).length;
    }
    expect(allowed).toBe(1000);
    expect(local).toBeGreaterThan(300); // the first ~90 % of the window went without round trips
    await Promise.all([a.close?.(), b.close?.()]);
    expect(Number(await redis.get(`${prefix}rl:1000/60:k:shared`))).toBe(1200);
  });
});
