/** The operators' cache endpoints: figures, health, invalidation; operator JWT only (401/403), 404 for an unknown namespace. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import type { Cache } from '../cache/cache.js';
import { PORTRAIT } from '../../../test/style-helpers.js';

let h: TestApp;
let cache: Cache<string>;
let ownerAuth: { authorization: string };

beforeAll(async () => {
  h = await createTestApp();
  cache = h.deps.caches.create<string>({ namespace: 'test.admin', ttlMs: 60_000, maxEntries: 100 });
  await h.modules.tenants.users.createUser({ email: 'owner-cache@test.local', password: 'owner-cache-password', role: 'owner', tenantId: h.tenantA.id });
  ownerAuth = { authorization: `Bearer ${(await h.login('owner-cache@test.local', 'owner-cache-password')).access_token}` };
});
afterAll(() => h?.close());

const invalidate = (namespace: string, payload?: unknown, headers = h.operatorAuth) =>
  h.app.inject({ method: 'POST', url: `/admin/v1/cache/${namespace}/invalidate`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('/admin/v1/cache', () => {
  it('lists the namespaces with their figures', async () => {
    await cache.set('ten_a:1', 'sta_1');
    await cache.get('ten_a:1');
    await cache.get('ten_a:2');
    const res = await h.app.inject({ method: 'GET', url: '/admin/v1/cache', headers: h.operatorAuth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ object: 'list', driver: h.deps.caches.driver, node: h.deps.caches.node });
    const f = body.data.find((d: { namespace: string }) => d.namespace === 'test.admin');
    expect(f).toMatchObject({ hits: 1, misses: 1, hit_ratio: 0.5, sets: 1, entries: 1, ttl_ms: 60_000 });
    expect(f.latency.get.count).toBe(2);
  });

  it('health answers ok with its latency', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/admin/v1/cache/health', headers: h.operatorAuth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', driver: h.deps.caches.driver });
  });

  it('invalidates a key, a prefix, or the namespace', async () => {
    for (const k of ['ten_a:1', 'ten_a:2', 'ten_b:1']) await cache.set(k, 'x');
    let res = await invalidate('test.admin', { key: 'ten_a:1' });
    expect(res.json()).toEqual({ object: 'cache_invalidation', namespace: 'test.admin', scope: 'key', removed: 1 });
    expect(await cache.get('ten_a:1')).toBeUndefined();
    res = await invalidate('test.admin', { prefix: 'ten_a:' });
    expect(res.json()).toMatchObject({ scope: 'prefix', removed: 1 });
    expect(await cache.get('ten_b:1')).toBe('x');
    res = await invalidate('test.admin', {});
    expect(res.json()).toMatchObject({ scope: 'namespace', removed: 1 });
    await cache.set('k', 'x');
    res = await invalidate('test.admin'); // no body at all
    expect(res.json()).toMatchObject({ scope: 'namespace', removed: 1 });
    expect(await cache.get('k')).toBeUndefined();
  });

  it('an unknown namespace is 404; a key and a prefix together, or another field, 400', async () => {
    problem(await invalidate('no.such-namespace', {}), 404, 'CACHE_NAMESPACE_NOT_FOUND');
    problem(await invalidate('test.admin', { key: 'a', prefix: 'b' }), 400, 'VALIDATION_FAILED');
    problem(await invalidate('test.admin', { keys: ['a'] }), 400, 'VALIDATION_FAILED');
  });

  it('operators only: no token 401, a store owner 403, an API key 401', async () => {
    for (const [method, url] of [
      ['GET', '/admin/v1/cache'],
      ['GET', '/admin/v1/cache/health'],
      ['POST', '/admin/v1/cache/test.admin/invalidate'],
    ] as const) {
      problem(await h.app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) }), 401, 'UNAUTHENTICATED');
      problem(await h.app.inject({ method, url, headers: ownerAuth, ...(method === 'POST' ? { payload: {} } : {}) }), 403, 'FORBIDDEN');
      expect((await h.app.inject({ method, url, headers: bearer(h.tenantA.secretKey), ...(method === 'POST' ? { payload: {} } : {}) })).statusCode).toBe(401);
    }
    await cache.set('kept', 'x');
    await invalidate('test.admin', {}, ownerAuth);
    expect(await cache.get('kept')).toBe('x');
  });

  it('the perception module’s recent analyses are a namespace: a photo checked twice is analysed once', async () => {
    const before = (await h.deps.caches.get('perception.analyses')!.figures()) as { hits: number; misses: number };
    const image = `data:image/png;base64,${PORTRAIT.toString('base64')}`;
    for (let i = 0; i < 2; i++) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/photo-checks', headers: bearer(h.tenantA.secretKey), payload: { image } });
      expect(res.statusCode).toBe(200);
    }
    const res = await h.app.inject({ method: 'GET', url: '/admin/v1/cache', headers: h.operatorAuth });
    const f = res.json().data.find((d: { namespace: string }) => d.namespace === 'perception.analyses');
    expect([f.misses - before.misses, f.hits - before.hits]).toEqual([1, 1]);
    // Redis: entries are counted by SCAN at most every 30 s (the read above is that recent).
    if (f.driver === 'memory') expect(f.entries).toBeGreaterThanOrEqual(1);
  });
});
