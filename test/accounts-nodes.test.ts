/**
 * End-user sessions on two API nodes sharing PostgreSQL + Redis: each node caches live sessions for a
 * few seconds, and a revocation on one node reaches the other through Redis pub/sub at once.
 * Runs only when DATABASE_URL and REDIS_URL are set (PGlite is single-process by design).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problem, usingPostgres, usingRedis, type TestApp } from './harness.js';
import { accountsClient, pkHeaders, userAuth, type EndTokens } from './accounts-helpers.js';

const enabled = usingPostgres() && usingRedis();

describe.runIf(enabled)('end-user sessions on two nodes', () => {
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

  async function refusedWithin(check: () => Promise<number>, ms: number) {
    const started = Date.now();
    while (Date.now() - started < ms) {
      if ((await check()) === 401) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 20));
    }
    return Infinity;
  }

  it('a session ended on node A is refused on node B within a second (B had it cached)', async () => {
    const ca = accountsClient(a);
    const cb = accountsClient(b);
    const u = await ca.newUser(a.tenantA);
    expect((await cb.me(userAuth(u.access_token))).statusCode).toBe(200); // cached on B now
    expect((await cb.me(userAuth(u.access_token))).statusCode).toBe(200);
    const out = await ca.post('/v1/auth/logout', { refresh_token: u.refresh_token }, pkHeaders(a.tenantA));
    expect(out.statusCode, out.body).toBe(204);
    expect(await refusedWithin(async () => (await cb.me(userAuth(u.access_token))).statusCode, 1000)).toBeLessThan(1000);
    problem(await cb.me(userAuth(u.access_token)), 401, 'INVALID_TOKEN');
  });

  it('refresh reuse detected on node B ends the session on node A', async () => {
    const ca = accountsClient(a);
    const cb = accountsClient(b);
    const u = await ca.newUser(a.tenantA);
    const next = (await ca.refresh(a.tenantA, u.refresh_token)).json() as EndTokens;
    expect((await ca.me(userAuth(next.access_token))).statusCode).toBe(200); // cached on A
    problem(await cb.refresh(b.tenantA ?? a.tenantA, u.refresh_token), 401, 'REFRESH_TOKEN_REUSED');
    expect(await refusedWithin(async () => (await ca.me(userAuth(next.access_token))).statusCode, 1000)).toBeLessThan(1000);
  });

  it('a password changed on node A ends the other sessions on node B', async () => {
    const ca = accountsClient(a);
    const cb = accountsClient(b);
    const u = await ca.newUser(a.tenantA);
    const other = (await cb.login(a.tenantA, u.user.email, u.password)).json() as EndTokens;
    expect((await cb.me(userAuth(other.access_token))).statusCode).toBe(200);
    const ch = await ca.post('/v1/account/password', { current_password: u.password, new_password: 'two nodes passphrase' }, userAuth(u.access_token));
    expect(ch.statusCode, ch.body).toBe(204);
    expect(await refusedWithin(async () => (await cb.me(userAuth(other.access_token))).statusCode, 1000)).toBeLessThan(1000);
    expect((await cb.me(userAuth(u.access_token))).statusCode).toBe(200);
  });
});
