/**
 * The platform cache on the app's own driver (memory embedded; Redis when REDIS_URL is set):
 * figures, JSON copies, TTL, bounds, invalidation by key / prefix / namespace, the health check,
 * /metrics, a driver failure answered as a miss, and — on Redis — two app instances sharing a
 * namespace and a memory namespace invalidated across nodes through the bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestApp, usingRedis, type TestApp } from '../../../test/harness.js';
import { createCaches } from './cache.js';
import { histogramQuantile } from './figures.js';
import { memoryPubSub } from './pubsub.js';
import { Registry } from 'prom-client';

let h: TestApp;
let seq = 0;
const ns = (what: string) => `test.${what}-${++seq}`;

beforeAll(async () => {
  h = await createTestApp({ seed: false });
});
afterAll(() => h?.close());

describe('platform cache', () => {
  it('is on the driver deps chose: Redis with REDIS_URL, else memory', () => {
    expect(h.deps.caches.driver).toBe(usingRedis() ? 'redis' : 'memory');
  });

  it('counts hits and misses, sets, entries, bytes and latency per namespace', async () => {
    const c = h.deps.caches.create<{ n: number }>({ namespace: ns('figures'), ttlMs: 60_000, maxEntries: 100 });
    expect(await c.get('a')).toBeUndefined();
    await c.set('a', { n: 1 });
    expect(await c.get('a')).toEqual({ n: 1 });
    expect(await c.get('a')).toEqual({ n: 1 });
    const f = await c.figures();
    expect(f).toMatchObject({ namespace: c.namespace, driver: h.deps.caches.driver, hits: 2, misses: 1, sets: 1, errors: 0, entries: 1, hit_ratio: 0.6667 });
    expect(f.bytes).toBeGreaterThanOrEqual(JSON.stringify({ n: 1 }).length);
    expect(f.latency.get.count).toBe(3);
    expect(f.latency.set.count).toBe(1);
    expect(f.latency.get.p50_ms).toBeGreaterThan(0);
    expect(f.latency.get.p95_ms).toBeGreaterThanOrEqual(f.latency.get.p50_ms!);
  });

  it('a value read is a copy: changing it changes nothing cached', async () => {
    const c = h.deps.caches.create<{ list: number[] }>({ namespace: ns('copies'), ttlMs: 60_000, maxEntries: 10 });
    const v = { list: [1, 2] };
    await c.set('k', v);
    v.list.push(3);
    const read = (await c.get('k'))!;
    read.list.push(4);
    expect(await c.get('k')).toEqual({ list: [1, 2] });
  });

  it('entries expire after their TTL (a set may give its own)', async () => {
    const c = h.deps.caches.create<string>({ namespace: ns('ttl'), ttlMs: 80, maxEntries: 10 });
    await c.set('short', 'x');
    await c.set('long', 'y', { ttlMs: 60_000 });
    if (c.driver === 'memory') h.clock.advance(81); // the memory driver's expiry runs on the platform clock
    else await new Promise((r) => setTimeout(r, 250)); // Redis expires keys on its own time (PX)
    expect(await c.get('short')).toBeUndefined();
    expect(await c.get('long')).toBe('y');
  });

  it('invalidates one key, a prefix, or the whole namespace', async () => {
    const c = h.deps.caches.create<number>({ namespace: ns('invalidate'), ttlMs: 60_000, maxEntries: 100 });
    for (const k of ['ten_a:1', 'ten_a:2', 'ten_a:3', 'ten_b:1', 'ten_b:2', 'odd*[key]?']) await c.set(k, 1);
    expect(await c.invalidate({ key: 'ten_a:1' })).toBe(1);
    expect(await c.get('ten_a:1')).toBeUndefined();
    expect(await c.get('ten_a:2')).toBe(1);
    expect(await c.invalidate({ prefix: 'ten_a:' })).toBe(2);
    expect(await c.get('ten_a:3')).toBeUndefined();
    expect(await c.get('ten_b:1')).toBe(1);
    // Glob characters in a prefix are taken literally (Redis SCAN MATCH is escaped).
    expect(await c.invalidate({ prefix: 'odd*' })).toBe(1);
    expect(await c.invalidate({ key: 'missing' })).toBe(0);
    expect(await c.invalidate()).toBe(2);
    expect((await c.figures()).entries).toBe(0);
    expect((await c.figures()).invalidated).toBe(6);
  });

  it('namespaces do not see each other’s keys', async () => {
    const a = h.deps.caches.create<string>({ namespace: ns('apart-a'), ttlMs: 60_000, maxEntries: 10 });
    const b = h.deps.caches.create<string>({ namespace: ns('apart-b'), ttlMs: 60_000, maxEntries: 10 });
    await a.set('k', 'from a');
    expect(await b.get('k')).toBeUndefined();
    await b.invalidate();
    expect(await a.get('k')).toBe('from a');
  });

  it('a memory namespace is bounded by entries and by bytes, evicting the least recently used', async () => {
    const byCount = h.deps.caches.create<number>({ namespace: ns('bound-count'), ttlMs: 60_000, maxEntries: 3, driver: 'memory' });
    for (const k of ['a', 'b', 'c']) await byCount.set(k, 1);
    await byCount.get('a'); // a is now the most recently used
    await byCount.set('d', 1);
    expect(await byCount.get('b')).toBeUndefined();
    expect(await byCount.get('a')).toBe(1);
    expect((await byCount.figures()).entries).toBe(3);
    const bySize = h.deps.caches.create<string>({ namespace: ns('bound-bytes'), ttlMs: 60_000, maxBytes: 2_000, driver: 'memory' });
    for (let i = 0; i < 10; i++) await bySize.set(`k${i}`, 'x'.repeat(500));
    const f = await bySize.figures();
    expect(f.bytes).toBeLessThanOrEqual(2_000);
    expect(f.entries).toBe(3);
    expect(f.bytes_method).toBe('exact');
  });

  it('refuses a bad namespace, a second one with the same name, and an unbounded memory namespace', () => {
    expect(() => h.deps.caches.create({ namespace: 'Bad Name', ttlMs: 1, maxEntries: 1 })).toThrow(/lower-case/);
    const name = ns('twice');
    h.deps.caches.create({ namespace: name, ttlMs: 1_000, maxEntries: 1 });
    expect(() => h.deps.caches.create({ namespace: name, ttlMs: 1_000, maxEntries: 1 })).toThrow(/exists/);
    expect(() => h.deps.caches.create({ namespace: ns('unbounded'), ttlMs: 1_000, driver: 'memory' })).toThrow(/maxEntries or maxBytes/);
  });

  it('health: a write-read-delete round trip; /ready lists it', async () => {
    await expect(h.deps.caches.ping()).resolves.toBeUndefined();
    const res = await h.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json().checks.cache.status).toBe('ok');
  });

  it('exports its figures to /metrics', async () => {
    const c = h.deps.caches.create<number>({ namespace: ns('prom'), ttlMs: 60_000, maxEntries: 10 });
    await c.set('x', 1);
    await c.get('x');
    await c.get('y');
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(`probador_cache_hits_total{namespace="${c.namespace}"} 1`);
    expect(text).toContain(`probador_cache_misses_total{namespace="${c.namespace}"} 1`);
    expect(text).toContain(`probador_cache_entries{namespace="${c.namespace}"} 1`);
    expect(text).toMatch(new RegExp(`probador_cache_bytes\\{namespace="${c.namespace.replace('.', '\\.')}"\\} [1-9]`));
    expect(text).toContain(`probador_cache_operation_seconds_count{namespace="${c.namespace}",op="get"} 2`);
  });
});

describe('a Redis that does not answer', () => {
  it('a get is a miss and a set is lost, each counted as an error; the health check fails', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const caches = await createCaches({ redis: dead, prefix: 'dead:', pubsub: memoryPubSub(), registry: new Registry(), clock: h.clock, log: h.deps.log });
    const c = caches.create<number>({ namespace: 'test.dead', ttlMs: 1_000 });
    await expect(c.set('k', 1)).resolves.toBeUndefined();
    await expect(c.get('k')).resolves.toBeUndefined();
    const f = await c.figures();
    expect([f.errors, f.misses, f.sets]).toEqual([2, 1, 0]);
    await expect(caches.ping()).rejects.toThrow();
    await caches.close();
    dead.disconnect();
  });
});

describe('histogram quantiles', () => {
  it('interpolate within the bucket the rank falls in, as histogram_quantile does', () => {
    const buckets = [
      { le: 0.001, count: 50 },
      { le: 0.002, count: 90 },
      { le: 0.004, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.001, 9);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.0015, 9);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.003, 9);
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeNull();
  });
});

describe.runIf(usingRedis())('two nodes on one Redis', () => {
  let b: TestApp;
  beforeAll(async () => {
    // The same config: the same REDIS_PREFIX (and the same database on PostgreSQL).
    b = await createTestApp({ sameDataAs: h });
  });
  afterAll(() => b?.close());

  async function eventually(check: () => Promise<boolean>) {
    for (let i = 0; i < 100; i++) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  it('a Redis namespace is shared: a value set on one node is a hit on the other, and invalidated for both', async () => {
    const name = ns('shared');
    const onA = h.deps.caches.create<string>({ namespace: name, ttlMs: 60_000 });
    const onB = b.deps.caches.create<string>({ namespace: name, ttlMs: 60_000 });
    await onA.set('ten_x:img', 'sta_1');
    expect(await onB.get('ten_x:img')).toBe('sta_1');
    expect(await onB.invalidate({ prefix: 'ten_x:' })).toBe(1);
    expect(await onA.get('ten_x:img')).toBeUndefined();
    expect((await onB.figures()).bytes_method).toBe('sampled');
  });

  it('a memory namespace invalidated on one node is dropped on the other through the bus', async () => {
    const name = ns('local');
    const onA = h.deps.caches.create<string>({ namespace: name, ttlMs: 60_000, maxEntries: 10, driver: 'memory' });
    const onB = b.deps.caches.create<string>({ namespace: name, ttlMs: 60_000, maxEntries: 10, driver: 'memory' });
    await onA.set('k', 'a');
    await onB.set('k', 'b');
    await onB.set('other', 'b');
    expect(await onA.get('k')).toBe('a'); // node-local: each has its own
    await onA.invalidate({ key: 'k' });
    expect(await eventually(async () => (await onB.get('k')) === undefined)).toBe(true);
    expect(await onB.get('other')).toBe('b');
    await onA.invalidate();
    expect(await eventually(async () => (await onB.get('other')) === undefined)).toBe(true);
  });
});
