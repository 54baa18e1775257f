/**
 * Hostile request bodies (issue 20, item 4): bodies are validated, not coerced — a wrong type is
 * 400 VALIDATION_FAILED and changes nothing —, while query strings keep their coercion;
 * `limits.monthly_generations: null` means unlimited end to end; tenant `settings` are checked on
 * write (400 naming the field), and settings stored before that check cannot break reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { garmentPng, personPng } from '../../../test/fakes/images.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const patchTenant = (id: string, payload: unknown) => t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${id}`, headers: t.operatorAuth, payload: payload as object });
const getTenant = async (id: string) => (await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${id}`, headers: t.operatorAuth })).json() as Record<string, unknown>;
const dataUrl = (b: Buffer) => `data:image/png;base64,${b.toString('base64')}`;

describe('bodies are validated, not coerced', () => {
  it.each([
    ['active: null', { active: null }],
    ['active: "false"', { active: 'false' }],
    ['active: 0', { active: 0 }],
    ['name: 12345', { name: 12345 }],
    ['tier: ["pro"]', { tier: ['pro'] }],
    ['retention: null', { retention: null }],
    ['limits.requests_per_minute_per_key: "100"', { limits: { requests_per_minute_per_key: '100' } }],
  ])('PATCH tenant with %s → 400 VALIDATION_FAILED, tenant unchanged', async (_label, payload) => {
    const before = await getTenant(t.tenantB.id);
    problem(await patchTenant(t.tenantB.id, payload), 400, 'VALIDATION_FAILED');
    const after = await getTenant(t.tenantB.id);
    expect(after).toEqual(before);
    expect(after.active).toBe(true);
    // The tenant's keys still work (it was not deactivated).
    expect((await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(t.tenantB.secretKey) })).statusCode).toBe(200);
  });

  it('POST tenant with name 12345 is refused, not stored as "12345"', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: t.operatorAuth, payload: { name: 12345 } });
    expect(problem(res, 400, 'VALIDATION_FAILED').detail).toMatch(/name/);
    const list = (await t.app.inject({ method: 'GET', url: '/admin/v1/tenants?limit=100', headers: t.operatorAuth })).json() as { data: { name: string }[] };
    expect(list.data.map((x) => x.name)).not.toContain('12345');
  });

  it('a user cannot be deactivated by null or "false"', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/tenants/${t.tenantB.id}/users`,
      headers: t.operatorAuth,
      payload: { email: 'member-b@shop-b.example', password: 'member-password-1', role: 'member' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const userId = (created.json() as { id: string }).id;
    for (const active of [null, 'false', 0]) {
      const res = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantB.id}/users/${userId}`, headers: t.operatorAuth, payload: { active } });
      problem(res, 400, 'VALIDATION_FAILED');
    }
    // Still active: the member signs in.
    const login = await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: 'member-b@shop-b.example', password: 'member-password-1' } });
    expect(login.statusCode, login.body).toBe(200);
    // A real boolean still works.
    const off = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantB.id}/users/${userId}`, headers: t.operatorAuth, payload: { active: false } });
    expect(off.statusCode, off.body).toBe(200);
    expect((off.json() as { active: boolean }).active).toBe(false);
  });

  it('a JSON body whose string fields hold numbers is refused on a tenant route too (key name)', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantB.id}/keys`, headers: t.operatorAuth, payload: { kind: 'secret', name: 42 } });
    problem(res, 400, 'VALIDATION_FAILED');
  });

  it('query strings are still coerced: ?limit=1&active=true', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/v1/tenants?limit=1&active=true', headers: t.operatorAuth });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { data: unknown[]; has_more: boolean };
    expect(body.data).toHaveLength(1);
    expect(body.has_more).toBe(true);
    problem(await t.app.inject({ method: 'GET', url: '/admin/v1/tenants?limit=many', headers: t.operatorAuth }), 400, 'VALIDATION_FAILED');
  });
});

describe('limits.monthly_generations: null means unlimited', () => {
  it('is stored as null, reported as unlimited, and a try-on passes the quota', async () => {
    // A free-tier tenant (quota 100) made unlimited through the API.
    const created = await t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: t.operatorAuth, payload: { name: 'Unlimited shop', tier: 'free' } });
    const id = (created.json() as { id: string }).id;
    const key = await t.modules.tenants.tenants.createKey(id, { kind: 'secret', environment: 'live' });
    const res = await patchTenant(id, { limits: { monthly_generations: null } });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as { limits: unknown }).limits).toEqual({ monthly_generations: null });
    const me = (await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key.key) })).json() as { limits: { monthly_generations: number | null }; usage: { generations_remaining: number | null } };
    expect(me.limits.monthly_generations).toBeNull();
    expect(me.usage.generations_remaining).toBeNull();
    // A try-on's submit consumes the quota: with null it is accepted (a quota of 0 would be 429).
    const tryon = await t.app.inject({
      method: 'POST',
      url: '/v1/tryons',
      headers: bearer(key.key),
      payload: { person: dataUrl(await personPng()), garments: [{ image: dataUrl(await garmentPng()), category: 'tops' }] },
    });
    expect(tryon.statusCode, tryon.body).toBe(202);
    // And a quota of 0 set on purpose does refuse: the test can tell the two apart.
    await patchTenant(id, { limits: { monthly_generations: 0 } });
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/tryons',
      headers: bearer(key.key),
      payload: { person: dataUrl(await personPng(310, 400)), garments: [{ image: dataUrl(await garmentPng()), category: 'tops' }] },
    });
    problem(refused, 429, 'QUOTA_EXCEEDED');
  });
});

describe('tenant settings are checked on write', () => {
  it.each([
    ['tryon.providers as a string', { tryon: { providers: 'fal' } }, /tryon\/providers/],
    ['tryon.providers with a number', { tryon: { providers: ['fal', 3] } }, /tryon\/providers/],
    ['tryon.min_fidelity above 1', { tryon: { min_fidelity: 7 } }, /min_fidelity/],
    ['tryon.providers_by_category with an unknown category', { tryon: { providers_by_category: { hats: ['fal'] } } }, /providers_by_category/],
    ['precheck.strictness unknown', { precheck: { strictness: 'paranoid' } }, /strictness/],
    ['widget.primary_color with CSS', { widget: { primary_color: 'red;}:host{display:none' } }, /primary_color/],
    ['widget.logo_url over http', { widget: { logo_url: 'http://shop.example/logo.png' } }, /logo_url/],
    ['a misspelt section', { tryon_providers: ['fal'] }, /tryon_providers|additional/i],
    ['settings as an array', ['fal'], /settings/],
  ])('%s → 400 VALIDATION_FAILED naming the field', async (_label, settings, field) => {
    const before = await getTenant(t.tenantA.id);
    const body = problem(await patchTenant(t.tenantA.id, { settings }), 400, 'VALIDATION_FAILED');
    expect(body.detail).toMatch(field);
    expect(await getTenant(t.tenantA.id)).toEqual(before);
    // On create too.
    problem(await t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: t.operatorAuth, payload: { name: 'Bad settings', settings } }), 400, 'VALIDATION_FAILED');
  });

  it('good settings are stored as sent', async () => {
    const settings = {
      tryon: { providers: ['fal', 'fashn'], providers_by_category: { bottoms: ['fashn'] }, min_fidelity: 0.5, cache: false, latency_budget_ms: 20_000 },
      precheck: { strictness: 'lenient' },
      widget: { primary_color: '#0a7', text_color: 'rgb(1, 2, 3)', logo_url: 'https://shop-a.example/logo.svg', position: 'bottom-left', language: 'es', launcher: false },
    };
    const res = await patchTenant(t.tenantA.id, { settings });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as { settings: unknown }).settings).toEqual(settings);
  });

  it('settings stored unchecked (before this check) do not break reads: widget config returns only checked values', async () => {
    // Written around the API, as an older version allowed.
    const bad = { tryon: { providers: 'fal', min_fidelity: 0.4 }, widget: { primary_color: 'red;}:host{display:none', position: 'bottom-left', launcher: 'no', evil: '<script>' }, precheck: 'strict', other: 1 };
    await t.deps.db.execute(sql`update tenants set settings = ${JSON.stringify(bad)}::jsonb where id = ${t.tenantA.id}`);
    await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { name: 'Tenant A' }); // drops cached views on every node
    const res = await t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { widget: Record<string, unknown>; theme: Record<string, unknown> };
    expect(body.widget).toEqual({ position: 'bottom-left' });
    expect(body.theme.primary_color).toBe('#111827');
    // The tenant itself still reads (the operator sees what is stored, to fix it).
    expect((await getTenant(t.tenantA.id)).settings).toEqual(bad);
    // A try-on with the bad stored provider list still works (the default order applies).
    const tryon = await t.app.inject({
      method: 'POST',
      url: '/v1/tryons',
      headers: bearer(t.tenantA.secretKey),
      payload: { person: dataUrl(await personPng(320, 400)), garments: [{ image: dataUrl(await garmentPng()), category: 'tops' }] },
    });
    expect(tryon.statusCode, tryon.body).toBe(202);
    const id = (tryon.json() as { id: string }).id;
    let status = '';
    let last: Record<string, unknown> = {};
    for (let i = 0; i < 400 && !['succeeded', 'failed', 'canceled'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 50));
      last = (await t.app.inject({ method: 'GET', url: `/v1/tryons/${id}`, headers: bearer(t.tenantA.secretKey) })).json();
      status = String(last.status);
    }
    expect(status, JSON.stringify(last)).toBe('succeeded');
  });
});
