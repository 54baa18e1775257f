/**
 * End users of a tenant (modules/accounts), through the public API on a real database: the whole
 * lifecycle, refresh reuse, sessions, password change and reset (the local outbox), profile, export
 * and erasure, isolation between users and tenants, throttling and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, problem, type TestApp } from './harness.js';
import { PASSWORD, accountsClient, freshEmail, freshIp, pkHeaders, skHeaders, userAuth, widgetAuth, type EndTokens } from './accounts-helpers.js';

let t: TestApp;
let c: ReturnType<typeof accountsClient>;
beforeAll(async () => {
  t = await createTestApp();
  c = accountsClient(t);
});
afterAll(async () => t?.close());

type Mail = { id: string; to: string; subject: string; text: string; kind: string; tenant_id: string | null };
async function outbox(): Promise<Mail[]> {
  const res = await t.app.inject({ method: 'GET', url: '/admin/v1/outbox?limit=100', headers: t.operatorAuth });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { driver: string; data: Mail[] };
  expect(body.driver).toBe('outbox');
  return body.data;
}
const tokenIn = (text: string) => /prt_[A-Za-z0-9_-]{20,}/.exec(text)?.[0];

describe('lifecycle', () => {
  it('registers with a publishable key, reads the profile with the token alone or beside the key, signs in again', async () => {
    const email = freshEmail();
    const res = await c.register(t.tenantA, { email: email.toUpperCase(), password: PASSWORD, name: 'Ana', language: 'es' });
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json() as EndTokens & { user: { id: string; email: string; tenant_id: string; language: string } };
    expect(s.user.id).toMatch(/^usr_/);
    expect(s.user).toMatchObject({ email, tenant_id: t.tenantA.id, language: 'es' });
    expect(s.refresh_token).not.toBe(s.access_token);

    const alone = await c.me(userAuth(s.access_token));
    expect(alone.statusCode, alone.body).toBe(200);
    expect(alone.json()).toMatchObject({ id: s.user.id, object: 'end_user', name: 'Ana', preferences: {} });
    // The widget: publishable key (from the store's page) plus the token; CORS lets the page read it.
    const widget = await c.me(widgetAuth(t.tenantA, s.access_token));
    expect(widget.statusCode, widget.body).toBe(200);
    expect(widget.headers['access-control-allow-origin']).toBe(t.tenantA.origin);
    // The key in x-api-key and the token as Bearer works too.
    expect((await c.me({ ...userAuth(s.access_token), 'x-api-key': t.tenantA.secretKey })).statusCode).toBe(200);

    const again = await c.login(t.tenantA, email, PASSWORD);
    expect(again.statusCode, again.body).toBe(200);
    expect((again.json() as { user: { id: string } }).user.id).toBe(s.user.id);
    // A second sign-up with that email in the same store is refused.
    problem(await c.register(t.tenantA, { email, password: PASSWORD }), 409, 'EMAIL_TAKEN');
  });

  it('refresh rotates; presenting a used refresh token again ends the whole session', async () => {
    const u = await c.newUser(t.tenantA);
    const r1 = await c.refresh(t.tenantA, u.refresh_token);
    expect(r1.statusCode, r1.body).toBe(200);
    const t1 = r1.json() as EndTokens;
    expect(t1.refresh_token).not.toBe(u.refresh_token);
    expect((await c.me(userAuth(t1.access_token))).statusCode).toBe(200);

    // The first refresh token again: reuse. The family is revoked: the newest tokens stop too.
    problem(await c.refresh(t.tenantA, u.refresh_token), 401, 'REFRESH_TOKEN_REUSED');
    problem(await c.refresh(t.tenantA, t1.refresh_token), 401, 'INVALID_TOKEN');
    problem(await c.me(userAuth(t1.access_token)), 401, 'INVALID_TOKEN');
    problem(await c.me(userAuth(u.access_token)), 401, 'INVALID_TOKEN');
    // Signing in again starts a new session.
    expect((await c.login(t.tenantA, u.user.email, PASSWORD)).statusCode).toBe(200);
  });

  it('logout by refresh token ends that session only; sessions are listed and one can be ended by id', async () => {
    const u = await c.newUser(t.tenantA);
    const second = (await c.login(t.tenantA, u.user.email, PASSWORD)).json() as EndTokens;
    const list = await c.get('/v1/account/sessions', userAuth(u.access_token));
    expect(list.statusCode, list.body).toBe(200);
    const sessions = (list.json() as { data: { id: string; current: boolean }[] }).data;
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((x) => x.current)).toHaveLength(1);
    const other = sessions.find((x) => !x.current)!;
    expect(other.id).toMatch(/^ses_/);

    const del = await t.app.inject({ method: 'DELETE', url: `/v1/account/sessions/${other.id}`, headers: userAuth(u.access_token) });
    expect(del.statusCode, del.body).toBe(204);
    problem(await c.me(userAuth(second.access_token)), 401, 'INVALID_TOKEN');
    expect((await c.me(userAuth(u.access_token))).statusCode).toBe(200);
    // Ending it again, or someone else's session: not found.
    problem(await t.app.inject({ method: 'DELETE', url: `/v1/account/sessions/${other.id}`, headers: userAuth(u.access_token) }), 404, 'SESSION_NOT_FOUND');
    const v = await c.newUser(t.tenantA);
    const vSession = ((await c.get('/v1/account/sessions', userAuth(v.access_token))).json() as { data: { id: string }[] }).data[0]!.id;
    problem(await t.app.inject({ method: 'DELETE', url: `/v1/account/sessions/${vSession}`, headers: userAuth(u.access_token) }), 404, 'SESSION_NOT_FOUND');
    expect((await c.me(userAuth(v.access_token))).statusCode).toBe(200);

    const out = await c.post('/v1/auth/logout', { refresh_token: u.refresh_token }, pkHeaders(t.tenantA));
    expect(out.statusCode, out.body).toBe(204);
    problem(await c.me(userAuth(u.access_token)), 401, 'INVALID_TOKEN');
    problem(await c.refresh(t.tenantA, u.refresh_token), 401, 'INVALID_TOKEN');
  });

  it('a password change ends the other sessions and keeps this one', async () => {
    const u = await c.newUser(t.tenantA);
    const other = (await c.login(t.tenantA, u.user.email, PASSWORD)).json() as EndTokens;
    const h = userAuth(u.access_token);
    problem(await c.post('/v1/account/password', { current_password: 'not the password', new_password: 'a new long passphrase' }, h), 401, 'INVALID_CREDENTIALS');
    problem(await c.post('/v1/account/password', { current_password: PASSWORD, new_password: 'short' }, h), 422, 'WEAK_PASSWORD');
    const ok = await c.post('/v1/account/password', { current_password: PASSWORD, new_password: 'a new long passphrase' }, h);
    expect(ok.statusCode, ok.body).toBe(204);
    expect((await c.me(h)).statusCode).toBe(200);
    problem(await c.me(userAuth(other.access_token)), 401, 'INVALID_TOKEN');
    problem(await c.refresh(t.tenantA, other.refresh_token), 401, 'INVALID_TOKEN');
    problem(await c.login(t.tenantA, u.user.email, PASSWORD), 401, 'INVALID_CREDENTIALS');
    expect((await c.login(t.tenantA, u.user.email, 'a new long passphrase')).statusCode).toBe(200);
  });

  it('a deactivated store stops its end users at once', async () => {
    const tn = await t.modules.tenants.tenants.createTenant({ name: 'Closing', allowed_origins: ['https://closing.example'] });
    const pk = await t.modules.tenants.tenants.createKey(tn.id, { kind: 'publishable', environment: 'live' });
    const seeded = { id: tn.id, secretKey: '', publishableKey: pk.key, origin: 'https://closing.example' };
    const u = await c.newUser(seeded);
    expect((await c.me(userAuth(u.access_token))).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${tn.id}/deactivate`, headers: t.operatorAuth });
    problem(await c.me(userAuth(u.access_token)), 403, 'TENANT_INACTIVE');
  });
});

describe('password reset by a one-time link (local outbox)', () => {
  it('mails a link that works once; unknown emails get the same answer and no mail', async () => {
    const u = await c.newUser(t.tenantA, { language: 'es' });
    const before = (await outbox()).length;
    const unknown = await c.post('/v1/auth/password-reset', { email: freshEmail() }, pkHeaders(t.tenantA));
    expect(unknown.statusCode, unknown.body).toBe(202);
    expect((await outbox()).length).toBe(before);

    const res = await c.post('/v1/auth/password-reset', { email: u.user.email, reset_url: `${t.tenantA.origin}/reset?from=mail` }, pkHeaders(t.tenantA));
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual(unknown.json());
    const mail = (await outbox()).find((m) => m.to === u.user.email)!;
    expect(mail).toMatchObject({ kind: 'password_reset', tenant_id: t.tenantA.id, subject: 'Restablece tu contraseña' });
    expect(mail.text).toContain(`${t.tenantA.origin}/reset?from=mail&token=prt_`);
    const token = tokenIn(mail.text)!;
    // Neither the token nor the mail reached the log.
    expect(t.logs.join('')).not.toContain(token);

    const other = (await c.login(t.tenantA, u.user.email, PASSWORD)).json() as EndTokens;
    // Another store's key cannot use it (and does not use it up); a weak password does not use it up.
    problem(await c.post('/v1/auth/password-reset/confirm', { token, new_password: 'brand new passphrase' }, pkHeaders(t.tenantB)), 400, 'RESET_TOKEN_INVALID');
    problem(await c.post('/v1/auth/password-reset/confirm', { token, new_password: 'weak' }, pkHeaders(t.tenantA)), 422, 'WEAK_PASSWORD');
    const ok = await c.post('/v1/auth/password-reset/confirm', { token, new_password: 'brand new passphrase' }, pkHeaders(t.tenantA));
    expect(ok.statusCode, ok.body).toBe(204);
    problem(await c.post('/v1/auth/password-reset/confirm', { token, new_password: 'another passphrase' }, pkHeaders(t.tenantA)), 400, 'RESET_TOKEN_INVALID');
    // Every session ended; the new password signs in.
    problem(await c.me(userAuth(other.access_token)), 401, 'INVALID_TOKEN');
    problem(await c.me(userAuth(u.access_token)), 401, 'INVALID_TOKEN');
    expect((await c.login(t.tenantA, u.user.email, 'brand new passphrase')).statusCode).toBe(200);
  });

  it('a link expires after 30 minutes; a newer password change voids an older link', async () => {
    const u = await c.newUser(t.tenantA);
    const ask = async () => {
      expect((await c.post('/v1/auth/password-reset', { email: u.user.email }, skHeaders(t.tenantA))).statusCode).toBe(202);
      const mails = (await outbox()).filter((m) => m.to === u.user.email);
      return tokenIn(mails[0]!.text)!; // newest first
    };
    const first = await ask();
    t.clock.advance(31 * 60_000);
    problem(await c.post('/v1/auth/password-reset/confirm', { token: first, new_password: 'brand new passphrase' }, pkHeaders(t.tenantA)), 400, 'RESET_TOKEN_INVALID');
    const second = await ask();
    expect(second).not.toBe(first);
    const change = await c.post('/v1/account/password', { current_password: PASSWORD, new_password: 'changed meanwhile 1' }, userAuth(u.access_token));
    expect(change.statusCode, change.body).toBe(204);
    problem(await c.post('/v1/auth/password-reset/confirm', { token: second, new_password: 'brand new passphrase' }, pkHeaders(t.tenantA)), 400, 'RESET_TOKEN_INVALID');
  });

  it("a browser's reset_url must be on its own origin", async () => {
    const u = await c.newUser(t.tenantA);
    problem(await c.post('/v1/auth/password-reset', { email: u.user.email, reset_url: 'https://evil.example/reset' }, pkHeaders(t.tenantA)), 400, 'VALIDATION_FAILED');
    problem(await c.post('/v1/auth/password-reset', { email: u.user.email, reset_url: 'javascript:alert(1)' }, pkHeaders(t.tenantA)), 400, 'VALIDATION_FAILED');
    // A server (secret key) names any http(s) page.
    expect((await c.post('/v1/auth/password-reset', { email: u.user.email, reset_url: 'https://account.shop-a.example/reset' }, skHeaders(t.tenantA))).statusCode).toBe(202);
  });
});

describe('profile, export and erasure', () => {
  it('updates name, language and preferences; refuses mistyped or oversized values', async () => {
    const u = await c.newUser(t.tenantA);
    const h = userAuth(u.access_token);
    const patch = (payload: unknown) => t.app.inject({ method: 'PATCH', url: '/v1/account', headers: h, payload: payload as Record<string, unknown> });
    const ok = await patch({ name: 'Lucía', language: 'es', preferences: { season: 'soft_autumn', sizes: ['M'] } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ name: 'Lucía', language: 'es', preferences: { season: 'soft_autumn', sizes: ['M'] } });
    expect((await c.me(h)).json()).toMatchObject({ name: 'Lucía', language: 'es' });
    expect((await patch({ name: null })).json()).toMatchObject({ name: null, language: 'es' });

    for (const bad of [{ language: 'fr' }, { name: 123 }, { preferences: ['a'] }, { preferences: 'x' }, {}, { email: 'new@example.com' }, { name: '' }]) {
      problem(await patch(bad), 400, 'VALIDATION_FAILED');
    }
    problem(await patch({ preferences: { big: 'x'.repeat(5000) } }), 400, 'VALIDATION_FAILED');
    problem(await patch({ preferences: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }), 400, 'VALIDATION_FAILED');
  });

  it('exports everything, including what other modules registered, and deletion erases it all', async () => {
    const notes = new Map<string, string[]>();
    const erased: string[] = [];
    t.modules.accounts.registerUserData({
      name: 'test_notes',
      export: async (tenantId, userId) => notes.get(`${tenantId}:${userId}`) ?? [],
      erase: async (tenantId, userId) => {
        erased.push(userId);
        notes.delete(`${tenantId}:${userId}`);
      },
    });
    expect(() => t.modules.accounts.registerUserData({ name: 'test_notes', export: async () => 1, erase: async () => undefined })).toThrow();
    const u = await c.newUser(t.tenantA, { name: 'Eva' });
    const keep = await c.newUser(t.tenantA);
    notes.set(`${t.tenantA.id}:${u.user.id}`, ['likes teal']);
    notes.set(`${t.tenantA.id}:${keep.user.id}`, ['other person']);
    await c.post('/v1/auth/password-reset', { email: u.user.email }, skHeaders(t.tenantA));
    expect((await outbox()).some((m) => m.to === u.user.email)).toBe(true);

    const ex = await c.get('/v1/account/export', userAuth(u.access_token));
    expect(ex.statusCode, ex.body).toBe(200);
    const body = ex.json() as { object: string; account: { id: string; name: string }; sessions: unknown[]; data: Record<string, unknown> };
    expect(body.object).toBe('account_export');
    expect(body.account).toMatchObject({ id: u.user.id, name: 'Eva', email: u.user.email });
    expect(body.sessions).toHaveLength(1);
    expect(body.data).toEqual({ test_notes: ['likes teal'], style: { analyses: [], quiz_results: [], palette: expect.objectContaining({ season: null }), saved_products: [], files: [] } });
    expect(ex.body).not.toContain('password_hash');
    expect(ex.body).not.toContain('$argon2');

    const del = (payload: unknown) => t.app.inject({ method: 'DELETE', url: '/v1/account', headers: userAuth(u.access_token), payload: payload as Record<string, unknown> });
    problem(await del({ password: 'wrong password' }), 401, 'INVALID_CREDENTIALS');
    problem(await del({}), 400, 'VALIDATION_FAILED');
    const gone = await del({ password: PASSWORD });
    expect(gone.statusCode, gone.body).toBe(204);
    expect(erased).toEqual([u.user.id]);
    problem(await c.me(userAuth(u.access_token)), 401, 'INVALID_TOKEN');
    problem(await c.refresh(t.tenantA, u.refresh_token), 401, 'INVALID_TOKEN');
    problem(await c.login(t.tenantA, u.user.email, PASSWORD), 401, 'INVALID_CREDENTIALS');
    expect((await outbox()).some((m) => m.to === u.user.email)).toBe(false);
    const count = async (table: string) => {
      const r = await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table} where ${table === 'end_users' ? 'id' : 'user_id'} = '${u.user.id}'`));
      return Number((r as unknown as { rows: { n: number }[] }).rows[0]!.n);
    };
    expect(await count('end_users')).toBe(0);
    expect(await count('end_user_refresh_tokens')).toBe(0);
    expect(await count('end_user_password_resets')).toBe(0);
    // The other person is untouched; the same email may sign up again, as a new account.
    expect(notes.get(`${t.tenantA.id}:${keep.user.id}`)).toEqual(['other person']);
    expect((await c.me(userAuth(keep.access_token))).statusCode).toBe(200);
    const again = await c.register(t.tenantA, { email: u.user.email, password: PASSWORD });
    expect(again.statusCode).toBe(201);
    expect((again.json() as { user: { id: string } }).user.id).not.toBe(u.user.id);
  });
});

describe("the store's view", () => {
  it('lists and reads its own end users; erases one on request; another store gets 404', async () => {
    const u = await c.newUser(t.tenantA, { name: 'Listed' });
    const other = await c.newUser(t.tenantB);
    const sk = skHeaders(t.tenantA);
    const list = await c.get(`/v1/end-users?email=${encodeURIComponent(u.user.email.toUpperCase())}`, sk);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json()).toMatchObject({ object: 'list', has_more: false, data: [{ id: u.user.id, name: 'Listed' }] });
    const all = (await c.get('/v1/end-users?limit=100', sk)).json() as { data: { id: string; tenant_id: string }[] };
    expect(all.data.every((x) => x.tenant_id === t.tenantA.id)).toBe(true);
    expect(all.data.some((x) => x.id === other.user.id)).toBe(false);
    expect(JSON.stringify(all)).not.toContain('argon2');
    const page = (await c.get('/v1/end-users?limit=1', sk)).json() as { data: { id: string }[]; has_more: boolean };
    expect(page.has_more).toBe(true);
    const next = (await c.get(`/v1/end-users?limit=1&starting_after=${page.data[0]!.id}`, sk)).json() as { data: { id: string }[] };
    expect(next.data[0]!.id < page.data[0]!.id).toBe(true);

    expect((await c.get(`/v1/end-users/${u.user.id}`, sk)).json()).toMatchObject({ id: u.user.id, email: u.user.email });
    problem(await c.get(`/v1/end-users/${other.user.id}`, sk), 404, 'USER_NOT_FOUND');
    problem(await t.app.inject({ method: 'DELETE', url: `/v1/end-users/${other.user.id}`, headers: sk }), 404, 'USER_NOT_FOUND');
    // A publishable key (the browser) may not list a store's people; an end user's token neither.
    problem(await c.get('/v1/end-users', pkHeaders(t.tenantA)), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
    problem(await c.get('/v1/end-users', userAuth(u.access_token)), 401, 'INVALID_TOKEN');
    // The store erases the person (their request reached the store): gone, sessions ended.
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/end-users/${u.user.id}`, headers: sk });
    expect(del.statusCode, del.body).toBe(204);
    problem(await c.me(userAuth(u.access_token)), 401, 'INVALID_TOKEN');
    problem(await c.get(`/v1/end-users/${u.user.id}`, sk), 404, 'USER_NOT_FOUND');
    // The store's dashboard people read through the same routes (operators name the store).
    const asOperator = await c.get('/v1/end-users?limit=1', { ...t.operatorAuth, 'probador-tenant': t.tenantB.id });
    expect(asOperator.statusCode, asOperator.body).toBe(200);
    expect((asOperator.json() as { data: { tenant_id: string }[] }).data[0]!.tenant_id).toBe(t.tenantB.id);
  });
});

describe('isolation', () => {
  it('a user of one store is unknown to another; tokens and keys of different stores do not mix', async () => {
    const a = await c.newUser(t.tenantA);
    // Store B: the same email is a different account there; A's password means nothing.
    problem(await c.login(t.tenantB, a.user.email, PASSWORD), 401, 'INVALID_CREDENTIALS');
    const b = await c.register(t.tenantB, { email: a.user.email, password: 'another passphrase 2' });
    expect(b.statusCode, b.body).toBe(201);
    const bs = b.json() as EndTokens & { user: { id: string } };
    expect(bs.user.id).not.toBe(a.user.id);
    // A's token beside B's key: refused, saying nothing about the user.
    problem(await c.me(widgetAuth(t.tenantB, a.access_token)), 401, 'INVALID_TOKEN');
    problem(await c.me({ ...userAuth(a.access_token), 'x-api-key': t.tenantB.secretKey }), 401, 'INVALID_TOKEN');
    // A's refresh token with B's key: not valid there, and not used up.
    problem(await c.refresh(t.tenantB, a.refresh_token), 401, 'INVALID_TOKEN');
    expect((await c.refresh(t.tenantA, a.refresh_token)).statusCode).toBe(200);
    // Logout with B's key does nothing to A's session.
    const a2 = (await c.login(t.tenantA, a.user.email, PASSWORD)).json() as EndTokens;
    expect((await c.post('/v1/auth/logout', { refresh_token: a2.refresh_token }, pkHeaders(t.tenantB))).statusCode).toBe(204);
    expect((await c.me(userAuth(a2.access_token))).statusCode).toBe(200);
    // Each sees only their own account.
    expect((await c.me(userAuth(bs.access_token))).json()).toMatchObject({ id: bs.user.id, tenant_id: t.tenantB.id });
    expect((await c.me(userAuth(a2.access_token))).json()).toMatchObject({ id: a.user.id, tenant_id: t.tenantA.id });
  });

  it('staff tokens and end-user tokens are not interchangeable; keys alone do not act for a user', async () => {
    const a = await c.newUser(t.tenantA);
    problem(await c.me(t.operatorAuth), 401, 'INVALID_TOKEN');
    problem(await t.app.inject({ method: 'GET', url: '/admin/v1/auth/me', headers: userAuth(a.access_token) }), 401, 'INVALID_TOKEN');
    problem(await c.me(skHeaders(t.tenantA)), 401, 'UNAUTHENTICATED');
    problem(await c.me({}), 401, 'UNAUTHENTICATED');
    problem(await c.me(userAuth('not.a.jwt')), 401, 'INVALID_TOKEN');
    // The existing /v1/me (the key's own view) is unchanged.
    expect((await t.app.inject({ method: 'GET', url: '/v1/me', headers: skHeaders(t.tenantA) })).statusCode).toBe(200);
    // A publishable key from a page not on the store's list is refused before the token is looked at.
    problem(await c.me({ ...widgetAuth(t.tenantA, a.access_token), origin: 'https://evil.example' }), 403, 'ORIGIN_NOT_ALLOWED');
    // The sign-up and sign-in routes need the store's key.
    problem(await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: a.user.email, password: PASSWORD } }), 401, 'UNAUTHENTICATED');
  });
});

describe('throttling', () => {
  it('per account: after 10 attempts even the right password waits, and the answer never says whether the email exists', async () => {
    const u = await c.newUser(t.tenantA);
    const wrong = await c.login(t.tenantA, u.user.email, 'wrong password!');
    const unknown = await c.login(t.tenantA, freshEmail(), 'wrong password!');
    const pw = problem(wrong, 401, 'INVALID_CREDENTIALS');
    const pu = problem(unknown, 401, 'INVALID_CREDENTIALS');
    expect(pu.detail).toBe(pw.detail);
    // The security log names the store and the user id, never the email.
    expect(t.logs.some((l) => l.includes('end user sign-in failed') && l.includes(u.user.id))).toBe(true);
    expect(t.logs.join('')).not.toContain(u.user.email);
    for (let i = 0; i < 9; i++) expect((await c.login(t.tenantA, u.user.email, 'wrong password!')).statusCode).toBe(401);
    const limited = await c.login(t.tenantA, u.user.email, PASSWORD);
    problem(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another account from the same addresses is not held up.
    const v = await c.newUser(t.tenantA);
    expect((await c.login(t.tenantA, v.user.email, PASSWORD)).statusCode).toBe(200);
  });

  it('per address: 50 attempts in 10 minutes, whatever the emails', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 51; i++) statuses.push((await c.login(t.tenantA, freshEmail(), 'wrong password!', ip)).statusCode);
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(statuses[50]).toBe(429);
  });

  it('reset mails: 3 an hour per account', async () => {
    const u = await c.newUser(t.tenantA);
    for (let i = 0; i < 3; i++) expect((await c.post('/v1/auth/password-reset', { email: u.user.email }, pkHeaders(t.tenantA))).statusCode).toBe(202);
    const res = await c.post('/v1/auth/password-reset', { email: u.user.email }, pkHeaders(t.tenantA));
    problem(res, 429, 'RATE_LIMITED');
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('idempotency', () => {
  it('a replayed sign-up answers the same account without the tokens, which are never stored', async () => {
    const body = { email: freshEmail(), password: PASSWORD };
    const h = { ...pkHeaders(t.tenantA), 'idempotency-key': `signup-${freshEmail()}` };
    const first = await c.post('/v1/auth/register', body, h);
    expect(first.statusCode, first.body).toBe(201);
    const tokens = first.json() as EndTokens & { user: { id: string } };
    const replay = await c.post('/v1/auth/register', body, h);
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toMatchObject({ user: { id: tokens.user.id }, access_token: '[shown once]', refresh_token: '[shown once]' });
    const r = await t.deps.db.execute(sql`select body from idempotency_keys where key = ${h['idempotency-key']}`);
    const rows = (r as unknown as { rows: { body: string }[] }).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.body).toContain(tokens.user.id);
    expect(rows[0]!.body).not.toContain(tokens.refresh_token);
    expect(rows[0]!.body).not.toContain(tokens.access_token);
  });
});

describe('bad input', () => {
  it('mistyped, malformed and huge bodies are 4xx problem+json', async () => {
    const h = pkHeaders(t.tenantA);
    for (const body of [
      { email: 123, password: PASSWORD },
      { email: freshEmail(), password: null },
      { email: 'not-an-email', password: PASSWORD },
      { email: freshEmail(), password: PASSWORD, role: 'owner' },
      { email: freshEmail(), password: PASSWORD, language: 'de' },
      { email: freshEmail(), password: 'x'.repeat(300) },
    ]) {
      problem(await c.post('/v1/auth/register', body, h), 400, 'VALIDATION_FAILED');
    }
    problem(await c.post('/v1/auth/register', { email: freshEmail(), password: 'short' }, h), 422, 'WEAK_PASSWORD');
    problem(await c.post('/v1/auth/refresh', { refresh_token: 42 }, h), 400, 'VALIDATION_FAILED');
    problem(await c.post('/v1/auth/refresh', { refresh_token: 'eurt_made_up_token_value' }, h), 401, 'INVALID_TOKEN');
    const malformed = await t.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { ...h, 'content-type': 'application/json' }, payload: '{"email": ' });
    problem(malformed, 400, 'MALFORMED_JSON');
    const huge = await t.app.inject({ method: 'POST', url: '/v1/auth/register', headers: { ...h, 'content-type': 'application/json' }, payload: JSON.stringify({ email: freshEmail(), password: PASSWORD, name: 'x'.repeat(2_000_000) }) });
    problem(huge, 413, 'BODY_TOO_LARGE');
    const u = await c.newUser(t.tenantA);
    const hugePatch = await t.app.inject({ method: 'PATCH', url: '/v1/account', headers: { ...userAuth(u.access_token), 'content-type': 'application/json' }, payload: JSON.stringify({ preferences: { a: 'x'.repeat(2_000_000) } }) });
    problem(hugePatch, 413, 'BODY_TOO_LARGE');
    problem(await t.app.inject({ method: 'DELETE', url: '/v1/account/sessions/nope', headers: userAuth(u.access_token) }), 400, 'VALIDATION_FAILED');
  });
});
