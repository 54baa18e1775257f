/** POST /v1/events: publishable key + widget session or secret key; validation; rollups; isolation; rate limit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const SESSION = 'widget-session-0123456789';
const widget = (extra: Record<string, string> = {}) => ({ ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin, 'probador-session': SESSION, ...extra });
const post = (headers: Record<string, string>, payload: unknown) => t.app.inject({ method: 'POST', url: '/v1/events', headers, payload: payload as object });

async function rollup(tenantId: string) {
  const r = (await t.deps.db.execute(sql`select dim, n::int as n from analytics_hourly where tenant_id = ${tenantId} and metric = 'event' order by dim`)) as unknown as { rows: { dim: string; n: number }[] };
  return Object.fromEntries(r.rows.map((x) => [x.dim, x.n]));
}
async function rawCount(tenantId: string) {
  const r = (await t.deps.db.execute(sql`select count(*)::int as n from analytics_events where tenant_id = ${tenantId}`)) as unknown as { rows: { n: number }[] };
  return r.rows[0]!.n;
}

describe('POST /v1/events', () => {
  it('accepts widget events with a publishable key and session, stores them and counts them per hour', async () => {
    const res = await post(widget(), {
      events: [
        { type: 'opened', product_id: 'sku-1' },
        { type: 'consented', product_id: 'sku-1' },
        { type: 'uploaded' },
        { type: 'opened', product_id: 'sku-2', properties: { lang: 'es' } },
      ],
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: 4 });
    expect(await rollup(t.tenantA.id)).toEqual({ consented: 1, opened: 2, uploaded: 1 });
    const r = (await t.deps.db.execute(sql`select session, product_id, properties from analytics_events where tenant_id = ${t.tenantA.id} and type = 'opened' order by product_id`)) as unknown as {
      rows: { session: string; product_id: string; properties: unknown }[];
    };
    expect(r.rows.map((x) => x.product_id)).toEqual(['sku-1', 'sku-2']);
    expect(r.rows[0]!.session).toMatch(/^[0-9a-f]{64}$/); // hashed, never the raw token
    expect(r.rows[0]!.session).not.toContain(SESSION);
    expect(r.rows[1]!.properties).toEqual({ lang: 'es' });
  });

  it('accepts events from a secret key (no session needed) with a past `at`, counted in that hour', async () => {
    const at = new Date(t.clock.now() - 3 * 3600_000).toISOString();
    const res = await post(bearer(t.tenantB.secretKey), { events: [{ type: 'added_to_cart', product_id: 'p', at }] });
    expect(res.statusCode, res.body).toBe(202);
    const r = (await t.deps.db.execute(sql`select hour from analytics_hourly where tenant_id = ${t.tenantB.id} and metric = 'event' and dim = 'added_to_cart'`)) as unknown as { rows: { hour: Date | string }[] };
    expect(new Date(r.rows[0]!.hour).getTime()).toBe(Math.floor(Date.parse(at) / 3600_000) * 3600_000);
  });

  it('a publishable key without a valid session header is a 400', async () => {
    problem(await post(widget({ 'probador-session': 'short' }), { events: [{ type: 'opened' }] }), 400, 'VALIDATION_FAILED');
    const h = widget();
    delete (h as Record<string, string>)['probador-session'];
    problem(await post(h, { events: [{ type: 'opened' }] }), 400, 'VALIDATION_FAILED');
  });

  it('a publishable key from a foreign origin is refused', async () => {
    problem(await post(widget({ origin: 'https://evil.example' }), { events: [{ type: 'opened' }] }), 403, 'ORIGIN_NOT_ALLOWED');
  });

  it('refuses bad input with problem+json and stores nothing', async () => {
    const before = await rawCount(t.tenantA.id);
    const cases: unknown[] = [
      {},
      { events: [] },
      { events: Array.from({ length: 51 }, () => ({ type: 'opened' })) },
      { events: [{ type: 'bought' }] },
      { events: [{ type: 'opened', extra: 1 }] },
      { events: [{ type: 'opened', at: 'yesterday' }] },
      { events: [{ type: 'opened', at: new Date(t.clock.now() + 3600_000).toISOString() }] },
      { events: [{ type: 'opened', at: new Date(t.clock.now() - 8 * 24 * 3600_000).toISOString() }] },
      { events: [{ type: 'opened', properties: { big: 'x'.repeat(3000) } }] },
      { events: [{ type: 'opened', tryon_id: 'nope' }] },
      { events: [{ type: 'opened' }, { type: 'opened', at: new Date(t.clock.now() + 3600_000).toISOString() }] },
    ];
    for (const c of cases) problem(await post(widget(), c), 400, 'VALIDATION_FAILED');
    expect(await rawCount(t.tenantA.id)).toBe(before);
    problem(await post({}, { events: [{ type: 'opened' }] }), 401, 'UNAUTHENTICATED');
    const bad = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...widget(), 'content-type': 'text/plain' }, payload: 'opened' });
    expect(bad.statusCode).toBe(415);
  });

  it("one tenant's events never count for another", async () => {
    const before = await rollup(t.tenantB.id);
    await post(widget(), { events: [{ type: 'shared' }] });
    expect(await rollup(t.tenantB.id)).toEqual(before);
  });

  it('is rate limited per key like every endpoint (429 + Retry-After)', async () => {
    const tenant = await t.modules.tenants.tenants.createTenant({ name: 'Tiny', allowed_origins: ['https://tiny.example'], limits: { requests_per_minute_per_key: 2 } });
    const pk = await t.modules.tenants.tenants.createKey(tenant.id, { kind: 'publishable', environment: 'live' });
    const h = { ...bearer(pk.key), origin: 'https://tiny.example', 'probador-session': SESSION };
    expect((await post(h, { events: [{ type: 'opened' }] })).statusCode).toBe(202);
    expect((await post(h, { events: [{ type: 'opened' }] })).statusCode).toBe(202);
    const res = await post(h, { events: [{ type: 'opened' }] });
    problem(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});
