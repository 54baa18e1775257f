/**
 * Single sign-on (issue 25, part 1) against a REAL OpenID Provider (oidc-provider on 127.0.0.1,
 * test/fakes/oidc-idp.ts): the authorization code flow with PKCE, state and nonce end to end —
 * start, the provider's own login and consent pages, callback, the one-time code, the session —
 * and every refusal: unknown email, unverified email, domain not allowed, state mismatch, replayed
 * code, wrong nonce, wrong PKCE verifier; password sign-in switched off for a store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { loadSecretBox } from '../src/platform/crypto/secret-box.js';
import { bearer, createTestApp, OPERATOR, problem, type TestApp } from './harness.js';
import { startIdp, type FakeIdp } from './fakes/oidc-idp.js';

const PUBLIC_URL = 'http://probador.test';
const CALLBACK = `${PUBLIC_URL}/admin/v1/auth/oidc/test-idp/callback`;
const OWNER = { email: 'owner@shop-a.example', password: 'owner-password-123' };

let t: TestApp;
let idp: FakeIdp;
let providerId: string;

beforeAll(async () => {
  idp = await startIdp({
    redirectUris: [CALLBACK, `${PUBLIC_URL}/admin/v1/auth/oidc/store-b-idp/callback`],
    accounts: {
      owner: { email: 'Owner@Shop-A.example', email_verified: true, name: 'Owner A' },
      invitee: { email: 'invitee@shop-a.example', email_verified: true },
      stranger: { email: 'stranger@nowhere.example', email_verified: true },
      unverified: { email: OWNER.email, email_verified: false },
      outsider: { email: 'helper@freemail.example', email_verified: true },
      operator: { email: OPERATOR.email, email_verified: true },
    },
  });
  t = await createTestApp({ env: { PUBLIC_URL, PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: idp.host } });
  for (const [email, password] of [[OWNER.email, OWNER.password], ['helper@freemail.example', 'helper-password-123']] as const) {
    const r = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantA.id}/users`, headers: t.operatorAuth, payload: { email, password, role: 'owner' } });
    expect(r.statusCode, r.body).toBe(201);
  }
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
});

const rows = async <T>(q: ReturnType<typeof sql>) => ((await t.deps.db.execute(q)) as unknown as { rows: T[] }).rows;

const cookieOf = (setCookie: string | string[] | undefined) => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;

/** start → the provider's pages as `account` → the callback URL the provider sent the browser to, with our attempt cookie. */
async function throughProvider(account: string, slug = 'test-idp') {
  const start = await t.app.inject({ method: 'GET', url: `/admin/v1/auth/oidc/${slug}/start` });
  expect(start.statusCode, start.body).toBe(302);
  const back = await idp.signInThrough(String(start.headers.location), account);
  return { start, back, cookie: cookieOf(start.headers['set-cookie']) };
}

const callback = (back: URL, cookie: string | undefined, slug = 'test-idp') =>
  t.app.inject({ method: 'GET', url: `/admin/v1/auth/oidc/${slug}/callback${back.search}`, headers: cookie ? { cookie } : {} });

const fragment = (location: unknown) => new URLSearchParams(String(location).split('#')[1] ?? '');

async function signIn(account: string) {
  const { back, cookie } = await throughProvider(account);
  const res = await callback(back, cookie);
  expect(res.statusCode).toBe(302);
  return { res, code: fragment(res.headers.location).get('sso_code'), error: fragment(res.headers.location).get('sso_error') };
}

describe('the operator configures a provider', () => {
  it('nothing configured: the sign-in page lists no provider, and an unknown one goes back to the sign-in page', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/admin/v1/auth/oidc/providers' });
    expect(list.json()).toEqual({ object: 'list', data: [], has_more: false });
    const start = await t.app.inject({ method: 'GET', url: '/admin/v1/auth/oidc/nobody/start' });
    expect(start.statusCode).toBe(302);
    expect(start.headers.location).toBe('/dashboard/login#sso_error=SSO_PROVIDER_NOT_FOUND');
  });

  it('adds a provider (discovery read now; the secret sealed at rest, never shown); the sign-in page gets names only', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/admin/v1/sso/providers', headers: t.operatorAuth, payload: { slug: 'broken', name: 'Broken', issuer: `http://${idp.host}/nope`, client_id: 'x' } });
    problem(bad, 422, 'SSO_DISCOVERY_FAILED');
    const notAllowed = await t.app.inject({ method: 'POST', url: '/admin/v1/sso/providers', headers: t.operatorAuth, payload: { slug: 'private', name: 'Private', issuer: 'http://10.0.0.1:8080', client_id: 'x' } });
    problem(notAllowed, 400, 'URL_NOT_ALLOWED');

    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/sso/providers',
      headers: t.operatorAuth,
      payload: { slug: 'test-idp', name: 'Test IdP', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret },
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = await rows<{ actor_kind: string; details: Record<string, unknown> }>(sql`select actor_kind, details::text as details from audit_events where action = 'sso.provider_created'`);
    expect(created).toHaveLength(1);
    expect(created[0]!.actor_kind).toBe('operator');
    expect(String(created[0]!.details)).not.toContain(idp.clientSecret);
    const p = res.json() as Record<string, unknown>;
    providerId = p.id as string;
    expect(p).toMatchObject({ object: 'sso_provider', slug: 'test-idp', has_client_secret: true, scopes: 'openid email profile', tenant_id: null, redirect_uri: CALLBACK });
    expect(res.body).not.toContain(idp.clientSecret);
    const [row] = await rows<{ client_secret_sealed: string }>(sql`select client_secret_sealed from sso_providers where id = ${providerId}`);
    expect(row!.client_secret_sealed).toMatch(/^v1\./);
    expect(row!.client_secret_sealed).not.toContain(idp.clientSecret);

    problem(await t.app.inject({ method: 'POST', url: '/admin/v1/sso/providers', headers: t.operatorAuth, payload: { slug: 'test-idp', name: 'Again', issuer: idp.issuer, client_id: 'x' } }), 409, 'SSO_PROVIDER_EXISTS');
    const owner = await t.login(OWNER.email, OWNER.password);
    problem(await t.app.inject({ method: 'GET', url: '/admin/v1/sso/providers', headers: bearer(owner.access_token) }), 403, 'FORBIDDEN');

    const list = await t.app.inject({ method: 'GET', url: '/admin/v1/auth/oidc/providers' });
    expect(list.json()).toEqual({ object: 'list', data: [{ id: 'test-idp', name: 'Test IdP' }], has_more: false });
  });
});

describe('signing in', () => {
  it('start: to the provider with code + PKCE S256, state and nonce; the attempt in a sealed HttpOnly SameSite=Lax cookie', async () => {
    const start = await t.app.inject({ method: 'GET', url: '/admin/v1/auth/oidc/test-idp/start' });
    expect(start.statusCode).toBe(302);
    const to = new URL(String(start.headers.location));
    expect(to.origin).toBe(idp.issuer);
    const q = to.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(idp.clientId);
    expect(q.get('redirect_uri')).toBe(CALLBACK);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toBeTruthy();
    expect(q.get('nonce')).toBeTruthy();
    const cookie = String(start.headers['set-cookie']);
    expect(cookie).toMatch(/^probador_sso=v1\./);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/admin/v1/auth/oidc/');
    expect(cookie).toContain('Max-Age=600');
    // The verifier never leaves the server in the clear.
    expect(cookie).not.toContain(q.get('state')!);
  });

  it('an existing user: through the provider’s pages into a session made like a password sign-in’s (me, refresh, logout)', async () => {
    const { res, code } = await signIn('owner');
    expect(String(res.headers.location)).toMatch(/^\/dashboard\/login#sso_code=[A-Za-z0-9_-]{43}$/);
    expect(String(res.headers['set-cookie'])).toMatch(/^probador_sso=; Max-Age=0/);
    const ex = await t.app.inject({ method: 'POST', url: '/admin/v1/auth/oidc/exchange', payload: { code } });
    expect(ex.statusCode, ex.body).toBe(200);
    const tokens = ex.json() as { access_token: string; refresh_token: string; user: { email: string; tenant_id: string; role: string } };
    expect(tokens.user).toMatchObject({ email: OWNER.email, tenant_id: t.tenantA.id, role: 'owner' });
    const me = await t.app.inject({ method: 'GET', url: '/admin/v1/auth/me', headers: bearer(tokens.access_token) });
    expect(me.json()).toMatchObject({ email: OWNER.email });
    const refreshed = await t.app.inject({ method: 'POST', url: '/admin/v1/auth/refresh', payload: { refresh_token: tokens.refresh_token } });
    expect(refreshed.statusCode).toBe(200);
    // The one-time code works once.
    problem(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/oidc/exchange', payload: { code } }), 400, 'SSO_CODE_INVALID');
    // The log names the provider and the user, never the email.
    const line = t.logs.find((l) => l.includes('single sign-on: signed in'))!;
    expect(line).toContain('test-idp');
    expect(t.logs.join('')).not.toMatch(/owner@shop-a\.example/i);
    // The audit trail: the sign-in, method sso, by the person (their id, never their email).
    const [ev] = await rows<{ actor_kind: string; actor_id: string; tenant_id: string; details: Record<string, unknown> }>(
      sql`select actor_kind, actor_id, tenant_id, details from audit_events where action = 'auth.sign_in' and details->>'method' = 'sso' order by id desc limit 1`,
    );
    expect(ev).toMatchObject({ actor_kind: 'store_user', tenant_id: t.tenantA.id, details: { method: 'sso' } });
    expect(JSON.stringify(ev)).not.toMatch(/@shop-a\.example/i);
  });

  it('the one-time code expires after 60 s', async () => {
    const { code } = await signIn('owner');
    t.clock.advance(61_000);
    problem(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/oidc/exchange', payload: { code } }), 400, 'SSO_CODE_INVALID');
    t.clock.advance(-61_000);
  });

  it('an invited user (added without a password) accepts the invitation by signing in; password sign-in is impossible for them', async () => {
    const inv = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantA.id}/users`, headers: t.operatorAuth, payload: { email: 'invitee@shop-a.example', role: 'member' } });
    expect(inv.statusCode, inv.body).toBe(201);
    expect(inv.json()).toMatchObject({ last_login_at: null });
    problem(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: 'invitee@shop-a.example', password: 'anything-at-all' } }), 401, 'INVALID_CREDENTIALS');
    const { code } = await signIn('invitee');
    const ex = await t.app.inject({ method: 'POST', url: '/admin/v1/auth/oidc/exchange', payload: { code } });
    expect(ex.statusCode, ex.body).toBe(200);
    const me = await t.app.inject({ method: 'GET', url: '/admin/v1/auth/me', headers: bearer((ex.json() as { access_token: string }).access_token) });
    expect(me.json()).toMatchObject({ email: 'invitee@shop-a.example', role: 'member', tenant_id: t.tenantA.id });
    expect((me.json() as { last_login_at: string | null }).last_login_at).not.toBeNull();
  });

  it('an operator signs in too', async () => {
    const { code } = await signIn('operator');
    const ex = await t.app.inject({ method: 'POST', url: '/admin/v1/auth/oidc/exchange', payload: { code } });
    expect((ex.json() as { user: { role: string } }).user.role).toBe('operator');
  });
});

describe('refusals', () => {
  it('an email no account or invitation has is refused (no account is made)', async () => {
    expect((await signIn('stranger')).error).toBe('SSO_USER_UNKNOWN');
    expect(await rows(sql`select 1 from users where email = 'stranger@nowhere.example'`)).toHaveLength(0);
    // Recorded as a refused, anonymous sign-in; the email the provider named is not kept.
    const failed = await rows<{ actor_kind: string; details: Record<string, unknown> }>(sql`select actor_kind, details from audit_events where action = 'auth.sign_in_failed' and details->>'method' = 'sso'`);
    expect(failed.at(-1)).toMatchObject({ actor_kind: 'anonymous', details: { reason: 'sso_user_unknown', provider: 'test-idp' } });
    expect(JSON.stringify(failed)).not.toContain('stranger');
  });

  it('an email the provider has not verified is refused', async () => {
    expect((await signIn('unverified')).error).toBe('SSO_EMAIL_NOT_VERIFIED');
  });

  it('a store’s allowed domains: an account outside them is refused; the provider’s own list too', async () => {
    expect((await signIn('outsider')).code).toBeTruthy(); // allowed while the store names no domains
    const patch = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantA.id}`, headers: t.operatorAuth, payload: { settings: { sso: { allowed_domains: ['shop-a.example'] } } } });
    expect(patch.statusCode, patch.body).toBe(200);
    expect((await signIn('outsider')).error).toBe('SSO_DOMAIN_NOT_ALLOWED');
    expect((await signIn('owner')).code).toBeTruthy();
    // The provider's list applies to everyone, operators included.
    await t.app.inject({ method: 'PATCH', url: `/admin/v1/sso/providers/${providerId}`, headers: t.operatorAuth, payload: { allowed_domains: ['shop-a.example'] } });
    expect((await signIn('operator')).error).toBe('SSO_DOMAIN_NOT_ALLOWED');
    await t.app.inject({ method: 'PATCH', url: `/admin/v1/sso/providers/${providerId}`, headers: t.operatorAuth, payload: { allowed_domains: [] } });
    await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantA.id}`, headers: t.operatorAuth, payload: { settings: {} } });
  });

  it('a state that does not match the attempt, or no attempt cookie at all, is refused', async () => {
    const { back, cookie } = await throughProvider('owner');
    const forged = new URL(back);
    forged.searchParams.set('state', 'someone-elses-state');
    const a = await callback(forged, cookie);
    expect(a.headers.location).toBe('/dashboard/login#sso_error=SSO_STATE_INVALID');
    const b = await callback(back, undefined);
    expect(b.headers.location).toBe('/dashboard/login#sso_error=SSO_STATE_INVALID');
    // An attempt older than 10 minutes.
    const late = await throughProvider('owner');
    t.clock.advance(601_000);
    const c = await callback(late.back, late.cookie);
    t.clock.advance(-601_000);
    expect(c.headers.location).toBe('/dashboard/login#sso_error=SSO_STATE_INVALID');
  });

  it('a replayed authorization code is refused by the provider', async () => {
    const { back, cookie } = await throughProvider('owner');
    const first = await callback(back, cookie);
    expect(fragment(first.headers.location).get('sso_code')).toBeTruthy();
    const again = await callback(back, cookie);
    expect(again.headers.location).toBe('/dashboard/login#sso_error=SSO_FAILED');
  });

  it('an ID token with another nonce, or a code redeemed with another PKCE verifier, is refused', async () => {
    const box = await loadSecretBox(t.deps.db, { keys: t.config.secretsKeys, production: false, log: t.deps.log });
    const tamper = (cookie: string, change: Record<string, string>) => {
      const attempt = box.openJson<Record<string, unknown>>(cookie.slice('probador_sso='.length), 'sso-attempt');
      return `probador_sso=${box.sealJson({ ...attempt, ...change }, 'sso-attempt')}`;
    };
    const n = await throughProvider('owner');
    const wrongNonce = await callback(n.back, tamper(n.cookie, { n: 'another-nonce' }));
    expect(wrongNonce.headers.location).toBe('/dashboard/login#sso_error=SSO_FAILED');
    expect(t.logs.some((l) => l.includes('single sign-on: refused') && l.includes('nonce'))).toBe(true);
    const v = await throughProvider('owner');
    const wrongVerifier = await callback(v.back, tamper(v.cookie, { v: 'x'.repeat(43) }));
    expect(wrongVerifier.headers.location).toBe('/dashboard/login#sso_error=SSO_FAILED');
    // A cookie that was tampered with does not even open.
    const forged = await callback(v.back, `${v.cookie.slice(0, -4)}AAAA`);
    expect(forged.headers.location).toBe('/dashboard/login#sso_error=SSO_STATE_INVALID');
  });

  it('a store’s own provider signs in only that store’s people', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/sso/providers',
      headers: t.operatorAuth,
      payload: { slug: 'store-b-idp', name: 'Store B', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret, tenant_id: t.tenantB.id },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { back, cookie } = await throughProvider('owner', 'store-b-idp');
    const r = await callback(back, cookie, 'store-b-idp');
    expect(r.headers.location).toBe('/dashboard/login#sso_error=SSO_USER_UNKNOWN');
    // An attempt for one provider cannot be finished at another.
    const other = await throughProvider('owner');
    expect((await callback(other.back, other.cookie, 'store-b-idp')).headers.location).toBe('/dashboard/login#sso_error=SSO_STATE_INVALID');
  });
});

describe('password sign-in switched off for a store', () => {
  it('its users get 403 PASSWORD_LOGIN_DISABLED (only with the right password); operators keep theirs; single sign-on still works', async () => {
    const patch = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantA.id}`, headers: t.operatorAuth, payload: { settings: { sso: { password_login: false } } } });
    expect(patch.statusCode, patch.body).toBe(200);
    problem(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: OWNER }), 403, 'PASSWORD_LOGIN_DISABLED');
    problem(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: OWNER.email, password: 'wrong-password-1' } }), 401, 'INVALID_CREDENTIALS');
    expect((await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: OPERATOR })).statusCode).toBe(200);
    // Another store is not affected.
    const b = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantB.id}/users`, headers: t.operatorAuth, payload: { email: 'owner@shop-b.example', password: 'owner-b-password-1', role: 'owner' } });
    expect(b.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: 'owner@shop-b.example', password: 'owner-b-password-1' } })).statusCode).toBe(200);
    const { code } = await signIn('owner');
    expect((await t.app.inject({ method: 'POST', url: '/admin/v1/auth/oidc/exchange', payload: { code } })).statusCode).toBe(200);
    await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantA.id}`, headers: t.operatorAuth, payload: { settings: {} } });
    expect((await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: OWNER })).statusCode).toBe(200);
  });
});
