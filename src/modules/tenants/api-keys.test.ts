import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/v1/me', headers });
const createKey = async (tenantId: string, body: Record<string, unknown> = {}) => {
  const res = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${tenantId}/keys`, headers: t.operatorAuth, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; key: string; prefix: string; kind: string; environment: string };
};

describe('happy', () => {
  it('creates a key shown once, stored only as a hash, accepted in all three headers', async () => {
    const k = await createKey(t.tenantA.id, { name: 'server', environment: 'test' });
    expect(k.key).toMatch(/^sk_test_[1-9A-HJ-NP-Za-km-z]{32}$/);
    expect(k.key.startsWith(k.prefix)).toBe(true);
    const rows = (await t.deps.db.execute(sql`select hash from api_keys where id = ${k.id}`)) as unknown as { rows: { hash: string }[] };
    const stored = rows.rows[0]!.hash;
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(k.key.slice(8));
    const listed = await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${t.tenantA.id}/keys`, headers: t.operatorAuth });
    expect(listed.body).not.toContain(k.key);
    expect(listed.json().data.some((x: { id: string }) => x.id === k.id)).toBe(true);

    for (const headers of [bearer(k.key), { 'x-api-key': k.key }, { 'x-client-key': k.key }] as Record<string, string>[]) {
      const res = await me(headers);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().tenant.id).toBe(t.tenantA.id);
      expect(res.json().key.id).toBe(k.id);
    }
  });

  it('/v1/me reports tier limits and this month’s usage', async () => {
    await t.modules.tenants.usage.consumeGeneration(t.tenantA.id, 3);
    t.clock.advance(2_500); // past the 1 s usage cache and its 1 s of grace
    const body = (await me(bearer(t.tenantA.secretKey))).json();
    expect(body.tenant.tier).toBe('basic');
    expect(body.limits).toEqual({ requests_per_minute_per_key: 300, requests_per_minute_per_tenant: 600, monthly_generations: 2000 });
    expect(body.usage.generations).toBeGreaterThanOrEqual(3);
    expect(body.usage.generations_remaining).toBe(2000 - body.usage.generations);
  });

  it('rotates: the new key works at once, the old one until the grace period ends', async () => {
    const old = await createKey(t.tenantA.id);
    const res = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantA.id}/keys/${old.id}/rotate`, headers: t.operatorAuth, payload: { grace_seconds: 3600 } });
    expect(res.statusCode, res.body).toBe(201);
    const { key: fresh, previous } = res.json();
    expect(previous.replaced_by).toBe(fresh.id);
    expect(previous.status).toBe('expiring');
    expect((await me(bearer(fresh.key))).statusCode).toBe(200);
    expect((await me(bearer(old.key))).statusCode).toBe(200);
    t.clock.advance(3601_000);
    problem(await me(bearer(old.key)), 401, 'API_KEY_EXPIRED');
    expect((await me(bearer(fresh.key))).statusCode).toBe(200);
    // A rotated key cannot be rotated twice.
    const again = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantA.id}/keys/${old.id}/rotate`, headers: t.operatorAuth, payload: {} });
    problem(again, 409, 'CONFLICT');
  });

  it('revokes at once (the cached lookup is forgotten)', async () => {
    const k = await createKey(t.tenantA.id);
    expect((await me(bearer(k.key))).statusCode).toBe(200); // now cached
    const res = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantA.id}/keys/${k.id}/revoke`, headers: t.operatorAuth });
    expect(res.json().status).toBe('revoked');
    problem(await me(bearer(k.key)), 401, 'API_KEY_REVOKED');
  });

  it('refuses an expired key', async () => {
    const k = await createKey(t.tenantA.id, { expires_at: new Date(t.clock.now() + 60_000).toISOString() });
    expect((await me(bearer(k.key))).statusCode).toBe(200);
    t.clock.advance(61_000);
    problem(await me(bearer(k.key)), 401, 'API_KEY_EXPIRED');
  });
});

describe('key cache', () => {
  const keys = () => t.modules.tenants.keys;

  it('requests presenting a key not cached yet share one lookup', async () => {
    const k = await createKey(t.tenantA.id);
    const [a, b, c] = await Promise.all([keys().authenticate(k.key, 'secret', undefined), keys().authenticate(k.key, 'secret', undefined), keys().authenticate(k.key, 'secret', undefined)]);
    // One lookup, one cache entry: every request got the same one (separate lookups make separate entries).
    expect(a.principal.keyId).toBe(k.id);
    expect(b.entry).toBe(a.entry);
    expect(c.entry).toBe(a.entry);
  });

  it('past its TTL a key is answered at once from the cache while one background read refreshes it', async () => {
    const k = await createKey(t.tenantA.id);
    const first = await keys().authenticate(k.key, 'secret', undefined);
    // Revoked behind the cache's back (no invalidation): what the TTL is there to catch.
    await t.deps.db.execute(sql`update api_keys set revoked_at = now() where id = ${k.id}`);
    t.clock.advance(t.deps.config.keyCacheTtlMs + 1);
    const stale = keys().authenticate(k.key, 'secret', undefined);
    // No wait on the database: the same entry, synchronously (a lookup would be a promise).
    expect(stale).not.toBeInstanceOf(Promise);
    expect((stale as typeof first).entry).toBe(first.entry);
    // The refresh lands within a read's time, and the revocation is seen from then on.
    let refused: unknown;
    for (let i = 0; i < 200 && !refused; i++) {
      await new Promise((r) => setTimeout(r, 10));
      try {
        keys().authenticate(k.key, 'secret', undefined);
      } catch (e) {
        refused = e;
      }
    }
    expect(refused).toMatchObject({ code: 'API_KEY_REVOKED' });
    problem(await me(bearer(k.key)), 401, 'API_KEY_REVOKED');
  });

  it('a lookup under way when an invalidation arrives answers its requests but caches nothing', async () => {
    const k = await createKey(t.tenantA.id);
    const pending = keys().authenticate(k.key, 'secret', undefined);
    await keys().invalidate({ tenantId: t.tenantA.id });
    expect((await pending).principal.keyId).toBe(k.id);
    // Revoked behind the cache's back (no invalidation): only a lookup that was not cached sees it.
    await t.deps.db.execute(sql`update api_keys set revoked_at = now() where id = ${k.id}`);
    problem(await me(bearer(k.key)), 401, 'API_KEY_REVOKED');
  });
});

describe('errors', () => {
  it('refuses missing, malformed and unknown keys', async () => {
    problem(await me({}), 401, 'UNAUTHENTICATED');
    problem(await me(bearer('sk_live_short')), 401, 'INVALID_API_KEY');
    problem(await me(bearer(`sk_live_${'A'.repeat(32)}`)), 401, 'INVALID_API_KEY');
  });

  it('refuses an expiry in the past', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/tenants/${t.tenantA.id}/keys`,
      headers: t.operatorAuth,
      payload: { expires_at: new Date(t.clock.now() - 1000).toISOString() },
    });
    problem(res, 400, 'VALIDATION_FAILED');
  });

  it('a deactivated tenant’s keys stop working at once', async () => {
    const tn = await t.modules.tenants.tenants.createTenant({ name: 'Short-lived' });
    const k = await t.modules.tenants.tenants.createKey(tn.id, {});
    expect((await me(bearer(k.key))).statusCode).toBe(200);
    const res = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${tn.id}/deactivate`, headers: t.operatorAuth });
    expect(res.json().active).toBe(false);
    problem(await me(bearer(k.key)), 403, 'TENANT_INACTIVE');
  });
});

describe('security', () => {
  it('guessing keys is rate limited per address', async () => {
    let last;
    for (let i = 0; i < 31; i++) last = await me(bearer(`sk_live_${String(i).padStart(32, 'Z')}`));
    const p = problem(last!, 429, 'RATE_LIMITED');
    expect(p.detail).toContain('invalid API keys');
    // A valid key from the same address still works.
    expect((await me(bearer(t.tenantB.secretKey))).statusCode).toBe(200);
  });

  it('a publishable key is refused on secret-only endpoints, even from an allowed origin', async () => {
    problem(await me({ ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin }), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
  });

  it('a publishable key works on widget endpoints only from the tenant’s allowed origins', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(t.tenantA.origin);
    const other = await t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(t.tenantA.publishableKey), origin: t.tenantB.origin } });
    problem(other, 403, 'ORIGIN_NOT_ALLOWED');
    expect(other.headers['access-control-allow-origin']).not.toBe('*');
    problem(await t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(t.tenantA.publishableKey), origin: 'https://evil.example' } }), 403, 'ORIGIN_NOT_ALLOWED');
    problem(await t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: bearer(t.tenantA.publishableKey) }), 403, 'ORIGIN_NOT_ALLOWED');
  });

  it('a preflight is answered with the exact origin for a known origin, and without CORS headers for others', async () => {
    const pre = (origin: string) =>
      t.app.inject({ method: 'OPTIONS', url: '/v1/widget/config', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const ok = await pre(t.tenantA.origin);
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(t.tenantA.origin);
    expect(ok.headers['access-control-allow-headers']).toBe('authorization');
    const evil = await pre('https://evil.example');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('tenant B’s key and users never see tenant A’s objects (404)', async () => {
    const ownerB = await t.modules.tenants.users.createUser({ email: 'owner-b@test.local', password: 'owner-b-password', role: 'owner', tenantId: t.tenantB.id });
    expect(ownerB.tenantId).toBe(t.tenantB.id);
    const tokens = await t.login('owner-b@test.local', 'owner-b-password');
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    const keyA = (await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${t.tenantA.id}/keys`, headers: t.operatorAuth })).json().data[0].id;
    for (const [method, url] of [
      ['GET', `/admin/v1/tenants/${t.tenantA.id}`],
      ['GET', `/admin/v1/tenants/${t.tenantA.id}/keys`],
      ['GET', `/admin/v1/tenants/${t.tenantA.id}/keys/${keyA}`],
      ['POST', `/admin/v1/tenants/${t.tenantA.id}/keys/${keyA}/revoke`],
      ['GET', `/admin/v1/tenants/${t.tenantA.id}/users`],
    ] as const) {
      problem(await t.app.inject({ method, url, headers: auth }), 404, 'TENANT_NOT_FOUND');
    }
    // Tenant B's own key id under tenant A's path is not found either.
    const keyB = (await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${t.tenantB.id}/keys`, headers: auth })).json().data[0].id;
    problem(await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${t.tenantA.id}/keys/${keyB}`, headers: t.operatorAuth }), 404, 'API_KEY_NOT_FOUND');
    // The listing shows B only its own tenant.
    const list = (await t.app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: auth })).json();
    expect(list.data.map((x: { id: string }) => x.id)).toEqual([t.tenantB.id]);
    // And B's secret key reads B, never A.
    expect((await me(bearer(t.tenantB.secretKey))).json().tenant.id).toBe(t.tenantB.id);
  });

  it('an API key cannot call the admin API, nor a tenant user the operator-only endpoints', async () => {
    problem(await t.app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: bearer(t.tenantA.secretKey) }), 401, 'INVALID_TOKEN');
    await t.modules.tenants.users.createUser({ email: 'member-a@test.local', password: 'member-a-password', role: 'member', tenantId: t.tenantA.id });
    const tokens = await t.login('member-a@test.local', 'member-a-password');
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    problem(await t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: auth, payload: { name: 'x' } }), 403, 'FORBIDDEN');
    problem(await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantA.id}/keys`, headers: auth, payload: {} }), 403, 'FORBIDDEN');
    expect((await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${t.tenantA.id}/keys`, headers: auth })).statusCode).toBe(200);
  });
});
