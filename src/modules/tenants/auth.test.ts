import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt } from 'jose';
import { OPERATOR, createTestApp, problem, type TestApp } from '../../../test/harness.js';

// One app for the file; access tokens live 60 s here so expiry can be shown by moving the clock.
const ACCESS_TTL_S = 60;
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_ACCESS_TOKEN_TTL_S: String(ACCESS_TTL_S) } });
});
afterAll(async () => t?.close());

type Tokens = { access_token: string; refresh_token: string; token_type: string; expires_in: number; refresh_expires_in: number };
type Person = { id: string; email: string; password: string };

const post = (url: string, payload?: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
const login = (email: string, password: string) => post('/admin/v1/auth/login', { email, password });
const refresh = (refreshToken: string) => post('/admin/v1/auth/refresh', { refresh_token: refreshToken });
const auth = (access: string) => ({ authorization: `Bearer ${access}` });
const me = (access: string) => t.app.inject({ method: 'GET', url: '/admin/v1/auth/me', headers: auth(access) });

let seq = 0;
/** A fresh person (own email, so the per-email login limit never spills between tests). */
async function newPerson(opts: { role?: 'owner' | 'member'; tenantId?: string } = {}): Promise<Person> {
  const email = `person-${++seq}-${randomBytes(3).toString('hex')}@test.local`;
  const password = `pw-${randomBytes(9).toString('hex')}`;
  const u = await t.modules.tenants.users.createUser({ email, password, role: opts.role ?? 'owner', tenantId: opts.tenantId ?? t.tenantA.id });
  return { id: u.id, email, password };
}
async function signIn(p: Person): Promise<Tokens> {
  const res = await login(p.email, p.password);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Tokens;
}
/** A fresh operator token (the seeded one expires when a test moves the clock). */
async function operatorAuth() {
  return auth((await t.login(OPERATOR.email, OPERATOR.password)).access_token);
}

describe('happy', () => {
  it('login returns an access token, a refresh token and the user', async () => {
    const p = await newPerson();
    const res = await login(p.email.toUpperCase(), p.password); // email is case-insensitive
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(ACCESS_TTL_S);
    expect(body.refresh_expires_in).toBe(t.config.refreshTokenTtlS);
    expect(body.refresh_token).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    expect(body.access_token.split('.')).toHaveLength(3);
    expect(body.user).toEqual({
      id: p.id,
      object: 'user',
      email: p.email,
      name: null,
      role: 'owner',
      tenant_id: t.tenantA.id,
      active: true,
      last_login_at: new Date(t.clock.now()).toISOString(),
      created_at: expect.any(String),
    });
    expect(res.body).not.toContain('$argon2');
    expect(res.body).not.toContain(p.password);

    const claims = decodeJwt(body.access_token);
    expect(claims.sub).toBe(p.id);
    expect(claims.role).toBe('owner');
    expect(claims.tid).toBe(t.tenantA.id);
    expect(claims.exp! - claims.iat!).toBe(ACCESS_TTL_S);

    const who = await me(body.access_token);
    expect(who.statusCode, who.body).toBe(200);
    expect(who.json().id).toBe(p.id);
    expect(who.json().email).toBe(p.email);
  });

  it('refresh rotates: a new refresh token is issued and the old one stops working', async () => {
    const p = await newPerson();
    const first = await signIn(p);
    const res = await refresh(first.refresh_token);
    expect(res.statusCode, res.body).toBe(200);
    const second = res.json() as Tokens;
    expect(second.refresh_token).toMatch(/^rt_/);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.expires_in).toBe(ACCESS_TTL_S);
    expect(decodeJwt(second.access_token).sid).toBe(decodeJwt(first.access_token).sid); // same session
    expect((await me(second.access_token)).json().id).toBe(p.id);
    problem(await refresh(first.refresh_token), 401, 'REFRESH_TOKEN_REUSED');
  });

  it('logout with the refresh token in the body ends the session', async () => {
    const p = await newPerson();
    const s = await signIn(p);
    expect((await me(s.access_token)).statusCode).toBe(200);
    const res = await post('/admin/v1/auth/logout', { refresh_token: s.refresh_token });
    expect(res.statusCode, res.body).toBe(204);
    problem(await me(s.access_token), 401, 'INVALID_TOKEN');
    problem(await refresh(s.refresh_token), 401, 'INVALID_TOKEN');
    // Logging out again is harmless.
    expect((await post('/admin/v1/auth/logout', { refresh_token: s.refresh_token })).statusCode).toBe(204);
  });

  it('logout with the Bearer access token ends the session, and only that one', async () => {
    const p = await newPerson();
    const s = await signIn(p);
    const other = await signIn(p);
    const res = await post('/admin/v1/auth/logout', undefined, auth(s.access_token));
    expect(res.statusCode, res.body).toBe(204);
    problem(await me(s.access_token), 401, 'INVALID_TOKEN');
    problem(await refresh(s.refresh_token), 401, 'INVALID_TOKEN');
    expect((await me(other.access_token)).statusCode).toBe(200);
    expect((await refresh(other.refresh_token)).statusCode).toBe(200);
  });

  it('password change: checks the current password and strength, ends old sessions, swaps the password', async () => {
    const p = await newPerson();
    const s1 = await signIn(p);
    const s2 = await signIn(p);
    const change = (access: string, current: string, next: string) =>
      post('/admin/v1/auth/password', { current_password: current, new_password: next }, auth(access));
    const next = `new-${randomBytes(9).toString('hex')}`;

    problem(await change(s1.access_token, 'not-the-password', next), 401, 'INVALID_CREDENTIALS');
    for (const weak of ['short', 'aaaaaaaaaaaa', 'Password123']) problem(await change(s1.access_token, p.password, weak), 422, 'WEAK_PASSWORD');
    problem(await post('/admin/v1/auth/password', { current_password: p.password, new_password: next }), 401, 'UNAUTHENTICATED');
    expect((await me(s1.access_token)).statusCode).toBe(200); // refusals changed nothing

    const res = await change(s1.access_token, p.password, next);
    expect(res.statusCode, res.body).toBe(200);
    const fresh = res.json() as Tokens;
    expect(fresh.refresh_token).not.toBe(s1.refresh_token);
    expect(fresh.access_token).not.toBe(s1.access_token);
    expect((await me(fresh.access_token)).json().id).toBe(p.id);

    for (const old of [s1, s2]) {
      problem(await me(old.access_token), 401, 'INVALID_TOKEN');
      problem(await refresh(old.refresh_token), 401, 'INVALID_TOKEN');
    }
    problem(await login(p.email, p.password), 401, 'INVALID_CREDENTIALS');
    expect((await login(p.email, next)).statusCode).toBe(200);
    expect((await refresh(fresh.refresh_token)).statusCode).toBe(200);
  });

  it('an access token expires after PROBADOR_ACCESS_TOKEN_TTL_S; the refresh token still works until its own expiry', async () => {
    const p = await newPerson();
    const s = await signIn(p);
    t.clock.advance((ACCESS_TTL_S - 1) * 1000);
    expect((await me(s.access_token)).statusCode).toBe(200);
    t.clock.advance(2_000);
    problem(await me(s.access_token), 401, 'INVALID_TOKEN');

    const res = await refresh(s.refresh_token);
    expect(res.statusCode, res.body).toBe(200);
    const renewed = res.json() as Tokens;
    expect((await me(renewed.access_token)).statusCode).toBe(200);

    t.clock.advance(t.config.refreshTokenTtlS * 1000 + 1000);
    problem(await refresh(renewed.refresh_token), 401, 'INVALID_TOKEN');
    problem(await me(renewed.access_token), 401, 'INVALID_TOKEN');
  });
});

describe('errors', () => {
  it('a wrong password and an unknown email give the same 401 INVALID_CREDENTIALS body', async () => {
    const p = await newPerson();
    const wrong = problem(await login(p.email, 'not-the-password'), 401, 'INVALID_CREDENTIALS');
    const unknown = problem(await login(`nobody-${randomBytes(3).toString('hex')}@test.local`, 'not-the-password'), 401, 'INVALID_CREDENTIALS');
    const strip = ({ request_id: _id, ...rest }: Record<string, unknown>) => rest;
    expect(Object.keys(wrong).sort()).toEqual(Object.keys(unknown).sort());
    expect(strip(wrong)).toEqual(strip(unknown));
    expect(wrong.request_id).not.toBe(unknown.request_id);
  });

  it('refuses malformed requests', async () => {
    problem(await post('/admin/v1/auth/login', { email: 'not-an-email', password: 'x' }), 400, 'VALIDATION_FAILED');
    problem(await post('/admin/v1/auth/login', { email: 'a@test.local' }), 400, 'VALIDATION_FAILED');
    problem(await refresh('rt_not-a-real-token'), 401, 'INVALID_TOKEN');
    problem(await post('/admin/v1/auth/logout'), 401, 'UNAUTHENTICATED');
    problem(await t.app.inject({ method: 'GET', url: '/admin/v1/auth/me' }), 401, 'UNAUTHENTICATED');
  });

  it('a disabled user cannot sign in and their sessions end; enabling again allows a new login', async () => {
    const p = await newPerson({ role: 'member' });
    const s = await signIn(p);
    const op = await operatorAuth();
    const patch = (active: boolean) => t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantA.id}/users/${p.id}`, headers: op, payload: { active } });
    const res = await patch(false);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().active).toBe(false);

    problem(await me(s.access_token), 401, 'INVALID_TOKEN');
    problem(await refresh(s.refresh_token), 401, 'INVALID_TOKEN');
    problem(await login(p.email, p.password), 401, 'INVALID_CREDENTIALS');

    expect((await patch(true)).json().active).toBe(true);
    problem(await refresh(s.refresh_token), 401, 'INVALID_TOKEN'); // the old session stays ended
    expect((await signIn(p)).access_token).toBeTruthy();
  });

  it('the users of a deactivated tenant cannot sign in, refresh or use their access token', async () => {
    const tn = await t.modules.tenants.tenants.createTenant({ name: 'Closing down' });
    const p = await newPerson({ tenantId: tn.id });
    const s = await signIn(p);
    const spare = await signIn(p);
    expect((await me(s.access_token)).statusCode).toBe(200);

    const res = await post(`/admin/v1/tenants/${tn.id}/deactivate`, undefined, await operatorAuth());
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().active).toBe(false);

    problem(await login(p.email, p.password), 403, 'TENANT_INACTIVE');
    problem(await refresh(s.refresh_token), 403, 'TENANT_INACTIVE');
    problem(await me(spare.access_token), 403, 'TENANT_INACTIVE');
    // Operators and other tenants' people are unaffected.
    expect((await me((await t.login(OPERATOR.email, OPERATOR.password)).access_token)).statusCode).toBe(200);
  });
});

describe('security', () => {
  it('using a refresh token twice ends the whole session (reuse detection), not the person’s other sessions', async () => {
    const p = await newPerson();
    const s1 = await signIn(p);
    const other = await signIn(p);
    const s2 = (await refresh(s1.refresh_token)).json() as Tokens;
    const r3 = await refresh(s2.refresh_token);
    expect(r3.statusCode, r3.body).toBe(200);
    const s3 = r3.json() as Tokens;
    expect((await me(s3.access_token)).statusCode).toBe(200);

    // An attacker replays the first (stolen, already used) token.
    problem(await refresh(s1.refresh_token), 401, 'REFRESH_TOKEN_REUSED');
    // The whole family is gone: the newest refresh token and the live access token.
    problem(await refresh(s3.refresh_token), 401, 'INVALID_TOKEN');
    problem(await me(s3.access_token), 401, 'INVALID_TOKEN');
    problem(await me(s2.access_token), 401, 'INVALID_TOKEN');
    // Another session of the same person is a different family and keeps working.
    expect((await me(other.access_token)).statusCode).toBe(200);
    expect((await refresh(other.refresh_token)).statusCode).toBe(200);
  });

  it('refuses a tampered or forged access token', async () => {
    const p = await newPerson({ role: 'member' });
    const s = await signIn(p);
    expect((await me(s.access_token)).statusCode).toBe(200);
    const [header, payload, signature] = s.access_token.split('.') as [string, string, string];
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

    // One character of the signature changed (in the middle: the last one may only carry padding bits).
    const i = Math.floor(signature.length / 2);
    const flipped = `${header}.${payload}.${signature.slice(0, i)}${signature[i] === 'A' ? 'B' : 'A'}${signature.slice(i + 1)}`;
    problem(await me(flipped), 401, 'INVALID_TOKEN');

    // Claims raised to operator, original signature kept.
    const claims = decodeJwt(s.access_token);
    const raised = `${header}.${b64({ ...claims, role: 'operator', tid: null })}.${signature}`;
    problem(await me(raised), 401, 'INVALID_TOKEN');

    // alg "none", with and without the raised claims.
    for (const body of [payload, b64({ ...claims, role: 'operator', tid: null })]) {
      problem(await me(`${b64({ alg: 'none', typ: 'JWT' })}.${body}.`), 401, 'INVALID_TOKEN');
    }

    // Well-formed HS256 with the same claims, signed with another secret.
    const forged = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(randomBytes(48));
    problem(await me(forged), 401, 'INVALID_TOKEN');
    const forgedOp = await new SignJWT({ ...claims, role: 'operator', tid: null }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(randomBytes(48));
    problem(await t.app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: auth(forgedOp) }), 401, 'INVALID_TOKEN');

    // An API key is not an access token.
    problem(await me(t.tenantA.secretKey), 401, 'INVALID_TOKEN');
    // The original still works: only the tampering was refused.
    expect((await me(s.access_token)).statusCode).toBe(200);
  });

  it('limits login attempts to 10 a minute per address and email (429 with Retry-After)', async () => {
    const p = await newPerson();
    for (let i = 0; i < 10; i++) problem(await login(p.email, `wrong-password-${i}`), 401, 'INVALID_CREDENTIALS');
    const limited = await login(p.email, p.password); // even the right password waits now
    const body = problem(limited, 429, 'RATE_LIMITED');
    expect(body.detail).toMatch(/sign-in attempts/i);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body).not.toContain('access_token');
    // Another email from the same address is not affected.
    const q = await newPerson();
    expect((await login(q.email, q.password)).statusCode).toBe(200);
  });
});
