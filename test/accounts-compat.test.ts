/**
 * The older Style backend's account paths over the end users' API: sign up, sign in, the profile,
 * refresh (single use) and logout under `/api/v1/...`, with the tenant's key or, without one, the
 * operator's default tenant; refused without either; bad bodies are 4xx problem+json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, type TestApp } from './harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });
const PASSWORD = 'a long enough passphrase';

describe('older Style API: accounts', () => {
  it('sign up, sign in, profile, refresh once, logout — with the store’s key', async () => {
    const key = bearer(t.tenantA.secretKey);
    const reg = await post('/api/v1/auth/register', { email: 'ana@example.com', password: PASSWORD, name: 'Ana' }, key);
    expect(reg.statusCode, reg.body).toBe(201);
    expect(reg.json()).toMatchObject({ token_type: 'Bearer', user: { email: 'ana@example.com', name: 'Ana' } });
    const login = await post('/api/v1/auth/login', { email: 'ana@example.com', password: PASSWORD }, key);
    expect(login.statusCode).toBe(200);
    const { access_token, refresh_token } = login.json() as { access_token: string; refresh_token: string };
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/users/profile', headers: bearer(access_token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: 'ana@example.com', name: 'Ana' });
    const put = await t.app.inject({ method: 'PUT', url: '/api/v1/users/profile', headers: bearer(access_token), payload: { name: 'Ana María', language: 'es' } });
    expect(put.statusCode, put.body).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/account', headers: bearer(access_token) })).json()).toMatchObject({ name: 'Ana María', language: 'es' });
    const refreshed = await post('/api/v1/auth/refresh', { refresh_token }, key);
    expect(refreshed.statusCode).toBe(200);
    // Used once: a second use ends the session.
    expect((await post('/api/v1/auth/refresh', { refresh_token }, key)).statusCode).toBe(401);
    const next = refreshed.json().refresh_token as string;
    expect((await post('/api/v1/auth/logout', { refresh_token: next }, key)).statusCode).toBe(204);
    expect((await post('/api/v1/auth/refresh', { refresh_token: next }, key)).statusCode).toBe(401);
    // Another store's key does not know her.
    expect((await post('/api/v1/auth/login', { email: 'ana@example.com', password: PASSWORD }, bearer(t.tenantB.secretKey))).statusCode).toBe(401);
  });

  it('without a key: the default tenant when configured, else 401', async () => {
    problem(await post('/api/v1/auth/register', { email: 'luis@example.com', password: PASSWORD }), 401, 'UNAUTHENTICATED');
    t.config.style.compatDefaultTenant = t.tenantB.id;
    try {
      const reg = await post('/api/v1/auth/register', { email: 'luis@example.com', password: PASSWORD });
      expect(reg.statusCode, reg.body).toBe(201);
      const listed = (await t.app.inject({ method: 'GET', url: '/v1/end-users', headers: bearer(t.tenantB.secretKey) })).json() as { data: { email: string }[] };
      expect(listed.data.map((u) => u.email)).toContain('luis@example.com');
      const inA = (await t.app.inject({ method: 'GET', url: '/v1/end-users', headers: bearer(t.tenantA.secretKey) })).json() as { data: { email: string }[] };
      expect(inA.data.map((u) => u.email)).not.toContain('luis@example.com');
    } finally {
      (t.config.style as { compatDefaultTenant: string | undefined }).compatDefaultTenant = undefined;
    }
  });

  it('bad bodies and missing tokens are 4xx problem+json', async () => {
    const key = bearer(t.tenantA.secretKey);
    problem(await post('/api/v1/auth/register', { email: 'not-an-email', password: PASSWORD }, key), 400, 'VALIDATION_FAILED');
    problem(await post('/api/v1/auth/login', { email: 'ana@example.com', password: 12345678901 }, key), 400, 'VALIDATION_FAILED');
    problem(await post('/api/v1/auth/refresh', {}, key), 400, 'VALIDATION_FAILED');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/profile' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/profile', headers: key })).statusCode).toBe(401);
  });
});
