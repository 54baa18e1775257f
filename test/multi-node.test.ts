/**
 * Several API nodes on one PostgreSQL + Redis: a change made through one node (key revoked,
 * tenant deactivated, rate limit consumed) holds on every other node within seconds.
 * Runs only when DATABASE_URL and REDIS_URL are set (PGlite is single-process by design).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, usingPostgres, usingRedis, type TestApp } from './harness.js';

const enabled = usingPostgres() && usingRedis();

describe.runIf(enabled)('two nodes on PostgreSQL + Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp({ sameDataAs: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const me = (node: TestApp, key: string) => node.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) });
  async function eventually(check: () => Promise<boolean>, ms = 3000) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  it('a key revoked on node A is refused on node B within seconds', async () => {
    const k = await a.modules.tenants.tenants.createKey(a.tenantA.id, {});
    expect((await me(b, k.key)).statusCode).toBe(200); // node B has it cached now
    const started = Date.now();
    const res = await a.app.inject({ method: 'POST', url: `/admin/v1/tenants/${a.tenantA.id}/keys/${k.id}/revoke`, headers: a.operatorAuth });
    expect(res.statusCode).toBe(200);
    expect(await eventually(async () => (await me(b, k.key)).statusCode === 401)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    problem(await me(b, k.key), 401, 'API_KEY_REVOKED');
  });

  it('a tenant deactivated on node A is refused on node B', async () => {
    const tn = await a.modules.tenants.tenants.createTenant({ name: 'Two nodes' });
    const k = await a.modules.tenants.tenants.createKey(tn.id, {});
    expect((await me(b, k.key)).statusCode).toBe(200);
    await a.app.inject({ method: 'POST', url: `/admin/v1/tenants/${tn.id}/deactivate`, headers: a.operatorAuth });
    expect(await eventually(async () => (await me(b, k.key)).statusCode === 403)).toBe(true);
  });

  it('rate limits are shared: requests on both nodes count against one budget', async () => {
    const tn = await a.modules.tenants.tenants.createTenant({ name: 'Shared budget', limits: { requests_per_minute_per_key: 6 } });
    const k = await a.modules.tenants.tenants.createKey(tn.id, {});
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await me(a, k.key)).statusCode, (await me(b, k.key)).statusCode);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
  });

  it('a session ended on node A is refused on node B', async () => {
    const tokens = await a.login('operator@test.local', 'operator-password-1');
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    expect((await b.app.inject({ method: 'GET', url: '/admin/v1/auth/me', headers: auth })).statusCode).toBe(200);
    const out = await a.app.inject({ method: 'POST', url: '/admin/v1/auth/logout', headers: auth });
    expect(out.statusCode, out.body).toBe(204);
    problem(await b.app.inject({ method: 'GET', url: '/admin/v1/auth/me', headers: auth }), 401, 'INVALID_TOKEN');
  });
});
