/**
 * Rate limits: per key and per tenant for API keys (tier defaults or the tenant's override),
 * per address for anonymous callers; 429 RATE_LIMITED with Retry-After and RateLimit-* headers.
 * Windows are 60 s of real time (the limiter reads Date.now and Redis TTLs, not the test clock), so the
 * window reset is not exercised here; each test uses its own tenant and keys instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { ANONYMOUS_PER_MINUTE } from './rate-limit.js';

// Load shedding is tested on its own (load-shedding.test.ts); here it would only turn a slow start on a
// busy machine (schema compilation lagging the loop past 1 s) into 503s for the first requests.
const NO_LOAD_SHEDDING = { PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0' };
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: NO_LOAD_SHEDDING });
});
afterAll(async () => t?.close());

const me = (key: string) => t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) });

async function newTenant(body: Record<string, unknown>) {
  const res = await t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: t.operatorAuth, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; tier: string };
}
async function newKey(tenantId: string) {
  const res = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${tenantId}/keys`, headers: t.operatorAuth, payload: {} });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { key: string }).key;
}
async function setLimits(tenantId: string, limits: Record<string, number | null>) {
  const res = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${tenantId}`, headers: t.operatorAuth, payload: { limits } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().limits).toEqual(limits);
}
/** The value of probador_rate_limit_hits_total for a scope (0 before the first hit). */
async function hits(scope: string): Promise<number> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  const m = new RegExp(`^probador_rate_limit_hits_total\\{scope="${scope}"\\} (\\d+)$`, 'm').exec(res.body);
  return m ? Number(m[1]) : 0;
}
function rateHeaders(res: LightMyRequestResponse) {
  return {
    limit: res.headers['ratelimit-limit'],
    remaining: res.headers['ratelimit-remaining'],
    reset: Number(res.headers['ratelimit-reset']),
    policy: res.headers['ratelimit-policy'],
  };
}

describe('happy', () => {
  it('every key-authenticated answer carries RateLimit-* headers counting down', async () => {
    const tn = await newTenant({ name: 'Headers', tier: 'free' });
    const key = await newKey(tn.id);
    const first = await me(key);
    expect(first.statusCode).toBe(200);
    expect(rateHeaders(first)).toMatchObject({ limit: '60', remaining: '59', policy: '60;w=60' });
    expect(rateHeaders(first).reset).toBeGreaterThanOrEqual(1);
    expect(rateHeaders(first).reset).toBeLessThanOrEqual(60);
    expect(rateHeaders(await me(key)).remaining).toBe('58');
  });

  it('a tenant override raises the tier limit', async () => {
    const tn = await newTenant({ name: 'Raised', tier: 'free' });
    const key = await newKey(tn.id);
    for (let i = 0; i < 60; i++) expect((await me(key)).statusCode).toBe(200);
    problem(await me(key), 429, 'RATE_LIMITED');
    await setLimits(tn.id, { requests_per_minute_per_key: 100 });
    const res = await me(key);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().limits).toMatchObject({ requests_per_minute_per_key: 100, requests_per_minute_per_tenant: 120 });
    // The free tier's 120 a minute per tenant still applies (and is now the tighter one): 62 requests so far, 58 more fit.
    expect(res.headers['ratelimit-limit']).toBe('120');
    expect(res.headers['ratelimit-remaining']).toBe('58');
    for (let i = 0; i < 58; i++) expect((await me(key)).statusCode).toBe(200);
    const body = problem(await me(key), 429, 'RATE_LIMITED') as unknown as { scope: string };
    expect(body.scope).toBe('tenant');
    // Raise that one too.
    await setLimits(tn.id, { requests_per_minute_per_key: 100, requests_per_minute_per_tenant: 1000 });
    const raised = await me(key);
    expect(raised.statusCode, raised.body).toBe(200);
    expect(raised.headers['ratelimit-limit']).toBe('100');
  });

  it('health, readiness and metrics are never rate limited', async () => {
    for (const url of ['/health', '/ready', '/metrics']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['ratelimit-limit'], url).toBeUndefined();
      expect(res.headers['ratelimit-remaining'], url).toBeUndefined();
    }
  });
});

describe('errors', () => {
  it('the 61st request a minute on a free-tier key is 429 RATE_LIMITED with Retry-After and RateLimit-* headers', async () => {
    const before = await hits('key');
    const tn = await newTenant({ name: 'Free', tier: 'free' });
    const key = await newKey(tn.id);
    for (let i = 1; i <= 60; i++) {
      const ok = await me(key);
      expect(ok.statusCode, `request ${i}`).toBe(200);
      expect(ok.headers['ratelimit-remaining']).toBe(String(60 - i));
    }
    const res = await me(key);
    const body = problem(res, 429, 'RATE_LIMITED') as unknown as { detail: string; scope: string };
    const h = rateHeaders(res);
    expect(h.limit).toBe('60');
    expect(h.remaining).toBe('0');
    expect(h.reset).toBeGreaterThanOrEqual(1);
    expect(h.reset).toBeLessThanOrEqual(60);
    expect(res.headers['retry-after']).toBe(String(h.reset));
    expect(body.scope).toBe('key');
    expect(body.detail).toBe(`Rate limit of 60 requests per minute per key reached; retry in ${h.reset} s.`);
    // Refusals keep being refused (and counted) within the window.
    problem(await me(key), 429, 'RATE_LIMITED');
    expect(await hits('key')).toBe(before + 2);
  });

  it('two keys of one tenant together hit the tenant limit; each key alone hits its own', async () => {
    const before = { key: await hits('key'), tenant: await hits('tenant') };
    const tn = await newTenant({ name: 'Shared', tier: 'basic' });
    const [k1, k2] = [await newKey(tn.id), await newKey(tn.id)];
    await setLimits(tn.id, { requests_per_minute_per_key: 5, requests_per_minute_per_tenant: 8 });

    for (let i = 0; i < 5; i++) expect((await me(k1)).statusCode).toBe(200);
    const k1Over = await me(k1);
    expect((problem(k1Over, 429, 'RATE_LIMITED') as unknown as { scope: string }).scope).toBe('key');
    expect(k1Over.headers['ratelimit-limit']).toBe('5');

    // k1 has spent 6 of the tenant's 8 (its refused request counted too): k2 gets 2.
    for (let i = 0; i < 2; i++) {
      const ok = await me(k2);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.headers['ratelimit-limit']).toBe('8'); // the tighter of key (5) and tenant (8 − used) is reported
    }
    const k2Over = await me(k2);
    const body = problem(k2Over, 429, 'RATE_LIMITED') as unknown as { scope: string; detail: string };
    expect(body.scope).toBe('tenant');
    expect(body.detail).toMatch(/^Rate limit of 8 requests per minute per tenant reached; retry in \d+ s\.$/);
    expect(k2Over.headers['ratelimit-limit']).toBe('8');
    expect(k2Over.headers['ratelimit-remaining']).toBe('0');
    expect(Number(k2Over.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    expect(await hits('key')).toBe(before.key + 1);
    expect(await hits('tenant')).toBe(before.tenant + 1);
  });
});

describe('security', () => {
  it('one tenant exhausting its limits leaves other tenants untouched', async () => {
    const tn = await newTenant({ name: 'Noisy', tier: 'basic', limits: { requests_per_minute_per_key: 3, requests_per_minute_per_tenant: 3 } });
    const key = await newKey(tn.id);
    for (let i = 0; i < 3; i++) expect((await me(key)).statusCode).toBe(200);
    problem(await me(key), 429, 'RATE_LIMITED');
    for (const other of [t.tenantA.secretKey, t.tenantB.secretKey]) {
      const res = await me(other);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('300'); // basic tier, untouched
    }
    problem(await me(key), 429, 'RATE_LIMITED');
  });

  it('anonymous callers are limited per address; another address is unaffected', async () => {
    const before = await hits('ip');
    const from = (remoteAddress: string) => t.app.inject({ method: 'GET', url: '/v1/no-such-route', remoteAddress });
    const first = await from('203.0.113.7');
    problem(first, 404, 'ROUTE_NOT_FOUND');
    expect(rateHeaders(first)).toMatchObject({ limit: String(ANONYMOUS_PER_MINUTE), remaining: String(ANONYMOUS_PER_MINUTE - 1) });
    for (let i = 1; i < ANONYMOUS_PER_MINUTE; i++) await from('203.0.113.7');
    const over = await from('203.0.113.7');
    const body = problem(over, 429, 'RATE_LIMITED') as unknown as { scope: string };
    expect(body.scope).toBe('ip');
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    problem(await from('203.0.113.8'), 404, 'ROUTE_NOT_FOUND');
    expect(await hits('ip')).toBe(before + 1);
    // The sign-in endpoint is anonymous too.
    const login = await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: 'x@test.local', password: 'nope-nope' } });
    expect(login.headers['ratelimit-limit']).toBe(String(ANONYMOUS_PER_MINUTE));
  });
});
