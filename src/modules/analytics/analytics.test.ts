/**
 * Analytics API: figures equal what the try-on API reports, before and after the rollup job and
 * once the hours are old; tenant isolation (keys, tenant users, operators); funnel; CSV; operator
 * metrics (platform, per tenant, providers); bad periods are 400s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { ASTRONAUT, dataUrl, waitForTryon } from '../../../test/tryon-helpers.js';
import { startFakeFal, type FakeFal } from '../../../test/fakes/fal.js';
import { startReceiver, type Receiver } from '../../../test/fakes/webhook-receiver.js';
// eslint-disable-next-line no-restricted-imports -- the test points the real fal adapter at the fake fal server
import { createFalProvider } from '../tryon/providers/fal.js';

let t: TestApp;
let fal: FakeFal;
let rx: Receiver;
let shirt: string;
let ownerA: { authorization: string };
let memberB: { authorization: string };

beforeAll(async () => {
  // fal's documented queue API, served by a local fake: quick on a busy machine.
  fal = await startFakeFal();
  rx = await startReceiver();
  t = await createTestApp({ build: { tryon: { providers: [createFalProvider({ apiKey: fal.apiKey, baseUrl: fal.url, pollIntervalMs: 20 })] }, webhooks: { allowPrivateHosts: [rx.host] } } });
  shirt = dataUrl(await garmentPng());
  // Polling for results must not run into the basic tier's per-key limit.
  for (const id of [t.tenantA.id, t.tenantB.id]) await t.modules.tenants.tenants.updateTenant(id, { tier: 'enterprise' });
  await t.modules.tenants.users.createUser({ email: 'owner@a.example', password: 'owner-password-1', role: 'owner', tenantId: t.tenantA.id });
  await t.modules.tenants.users.createUser({ email: 'member@b.example', password: 'member-password-1', role: 'member', tenantId: t.tenantB.id });
  ownerA = { authorization: `Bearer ${(await t.login('owner@a.example', 'owner-password-1')).access_token}` };
  memberB = { authorization: `Bearer ${(await t.login('member@b.example', 'member-password-1')).access_token}` };

  // Tenant A: three try-ons of sku-1 (the third repeats the second: a cache hit) and one of sku-2; tenant B: one.
  const make = async (key: string, product: string, garment = shirt) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/tryons', headers: bearer(key), payload: { person: dataUrl(ASTRONAUT), garments: [{ image: garment, category: 'tops', product_id: product }] } });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    return body.status === 'succeeded' ? body : waitForTryon(t, body.id, { key, ms: 60_000 });
  };
  await make(t.tenantA.secretKey, 'sku-1');
  await make(t.tenantA.secretKey, 'sku-1', dataUrl(await garmentPng('rgb(10,200,30)')));
  await make(t.tenantA.secretKey, 'sku-1', dataUrl(await garmentPng('rgb(10,200,30)')));
  await make(t.tenantA.secretKey, 'sku-2', dataUrl(await garmentPng('rgb(200,10,200)')));
  await make(t.tenantB.secretKey, 'sku-b');
}, 120_000);
afterAll(async () => {
  await t?.close();
  await fal?.close();
  await rx?.close();
});

const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

/** What the try-on API itself says about tenant A. */
async function fromTryonApi(key: string) {
  const list = (await get('/v1/tryons?limit=100', bearer(key))).json() as { data: { status: string; cached: boolean; garments: { product_id: string | null }[] }[] };
  const products: Record<string, number> = {};
  for (const x of list.data) for (const g of x.garments) if (g.product_id) products[g.product_id] = (products[g.product_id] ?? 0) + 1;
  return {
    tryons: list.data.length,
    succeeded: list.data.filter((x) => x.status === 'succeeded').length,
    cached: list.data.filter((x) => x.cached).length,
    products,
  };
}

async function figures(headers: Record<string, string>, base = '/v1/analytics') {
  const s = (await get(`${base}/tryons?period=24h`, headers)).json();
  const p = (await get(`${base}/products?period=24h`, headers)).json();
  return { summary: s.summary, products: Object.fromEntries(p.data.map((d: { product_id: string; tryons: number }) => [d.product_id, d.tryons])), points: s.points };
}

describe('try-on figures', () => {
  it('equal what the try-on API reports, live, after the rollup job, and once the hours are rolled up', async () => {
    const api = await fromTryonApi(t.tenantA.secretKey);
    expect(api.tryons).toBe(4);
    expect(api.cached).toBe(1);

    const live = await figures(bearer(t.tenantA.secretKey));
    expect(live.summary).toMatchObject({ tryons: api.tryons, succeeded: api.succeeded, cached: api.cached, failed: 0, success_rate: 1, cache_hit_ratio: 0.25 });
    expect(live.products).toEqual(api.products);
    expect(live.points).toHaveLength(24);
    expect(live.points.reduce((n: number, p: { tryons: number }) => n + p.tryons, 0)).toBe(api.tryons);

    await t.modules.analytics.rollup();
    expect(await figures(bearer(t.tenantA.secretKey))).toEqual(live);

    // Five hours on, the try-on hours are older than the job's rewrite window: read from the rollups only.
    t.clock.advance(5 * 3600_000);
    await t.modules.analytics.rollup();
    const rolled = await figures(bearer(t.tenantA.secretKey));
    expect(rolled.summary).toEqual(live.summary);
    expect(rolled.products).toEqual(live.products);
    t.clock.advance(-5 * 3600_000);
  });

  it("a tenant user sees their own tenant's figures; another tenant's never mix in", async () => {
    const a = await figures(ownerA);
    expect(a.summary.tryons).toBe(4);
    const b = await figures(memberB);
    expect(b.summary.tryons).toBe(1);
    expect(b.products).toEqual({ 'sku-b': 1 });
    const bKey = await figures(bearer(t.tenantB.secretKey));
    expect(bKey.summary).toEqual(b.summary);
  });

  it('operators read any tenant with probador-tenant, and platform-wide under /admin/v1/metrics', async () => {
    problem(await get('/v1/analytics/tryons', t.operatorAuth), 400, 'VALIDATION_FAILED');
    const asA = await figures({ ...t.operatorAuth, 'probador-tenant': t.tenantA.id });
    expect(asA.summary.tryons).toBe(4);
    const all = (await get('/admin/v1/metrics/tryons?period=7d', t.operatorAuth)).json();
    expect(all.summary.tryons).toBe(5);
    expect(all.points).toHaveLength(7);
    expect(all.range.granularity).toBe('day');
    const one = (await get(`/admin/v1/metrics/tryons?period=7d&tenant_id=${t.tenantB.id}`, t.operatorAuth)).json();
    expect(one.summary.tryons).toBe(1);
    const tenants = (await get('/admin/v1/metrics/tenants?period=24h', t.operatorAuth)).json();
    expect(tenants.data.map((d: { tenant_id: string; tryons: number }) => [d.tenant_id, d.tryons])).toEqual([
      [t.tenantA.id, 4],
      [t.tenantB.id, 1],
    ]);
    problem(await get('/admin/v1/metrics/tryons', ownerA), 403, 'FORBIDDEN');
    problem(await get('/admin/v1/metrics/tryons', bearer(t.tenantA.secretKey)), 401, 'INVALID_TOKEN');
  });

  it('the providers report counts the provider calls and knows the breaker state', async () => {
    const r = (await get('/admin/v1/metrics/providers?period=24h', t.operatorAuth)).json();
    const local = r.data.find((p: { provider: string }) => p.provider === 'fal');
    expect(local).toBeDefined();
    expect(local.attempts).toBe(4); // five try-ons, one a cache hit
    expect(local.succeeded).toBe(4);
    expect(local.error_rate).toBe(0);
    expect(local.breaker).toBe('closed');
    expect(local.healthy).toBe(true);
    expect(local.cost_per_day).toHaveLength(1);
    expect(local.cost_per_day[0].attempts).toBe(4);
  });

  it('recent try-ons list status and result links for the dashboard', async () => {
    const r = (await get('/v1/analytics/recent-tryons?limit=10', ownerA)).json();
    expect(r.data).toHaveLength(4);
    expect(r.data[0].status).toBe('succeeded');
    expect(r.data[0].result.url).toMatch(/\/v1\/files\//);
    const img = await get(new URL(r.data[0].result.url).pathname, {});
    expect(img.statusCode).toBe(200);
    expect(String(img.headers['content-type'])).toMatch(/^image\//);
    expect((await get('/v1/analytics/recent-tryons?limit=10', memberB)).json().data).toHaveLength(1);
  });
});

describe('funnel and events', () => {
  it('counts unique sessions per step (and the raw events), with the conversion from the previous step', async () => {
    const post = async (session: string | null, events: { type: string; at?: string; product_id?: string }[]) => {
      const headers = session ? { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin, 'probador-session': session } : bearer(t.tenantA.secretKey);
      const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers, payload: { events } });
      expect(res.statusCode, res.body).toBe(202);
    };
    const ago = (h: number) => new Date(t.clock.now() - h * 3600_000).toISOString();
    const ev = (type: string, n = 1) => Array.from({ length: n }, () => ({ type }));
    // Ten sessions open the widget; s0 opens it three times, once two hours earlier (another hour row).
    for (let i = 0; i < 10; i++) await post(`funnel-session-${String(i).padStart(6, '0')}`, i === 0 ? [...ev('opened', 2), { type: 'opened', at: ago(2) }] : ev('opened'));
    // Eight consent (s1 twice), six upload, three see a result, one adds to cart; s0 also shares.
    for (let i = 0; i < 8; i++) await post(`funnel-session-${String(i).padStart(6, '0')}`, [...ev('consented', i === 1 ? 2 : 1), ...(i < 6 ? ev('uploaded') : []), ...(i < 3 ? ev('generated', 2) : [])]);
    await post('funnel-session-000000', [{ type: 'added_to_cart', product_id: 'sku-1' }, { type: 'shared' }]);
    // A store's server reports an "opened" without a widget session: an event, not a shopper session.
    await post(null, ev('opened'));

    const f = (await get('/v1/analytics/funnel?period=7d', ownerA)).json();
    expect(f.steps.map((s: { type: string; sessions: number; events: number }) => [s.type, s.sessions, s.events])).toEqual([
      ['opened', 10, 13],
      ['consented', 8, 9],
      ['uploaded', 6, 6],
      ['generated', 3, 6],
      ['added_to_cart', 1, 1],
    ]);
    // The same numbers straight from the raw events.
    const raw = (await t.deps.db.execute(sql`
      select type, count(distinct session)::int as sessions, count(*)::int as events from analytics_events
      where tenant_id = ${t.tenantA.id} group by type`)) as unknown as { rows: { type: string; sessions: number; events: number }[] };
    for (const s of f.steps) {
      const r = raw.rows.find((x) => x.type === s.type)!;
      expect([s.type, s.sessions, s.events]).toEqual([r.type, Number(r.sessions), Number(r.events)]);
    }
    expect(f.steps[0].conversion_from_previous).toBeNull();
    expect(f.steps[1].conversion_from_previous).toBeCloseTo(0.8);
    expect(f.steps[4].conversion_from_previous).toBeCloseTo(1 / 3);
    expect(f.steps[4].conversion_from_start).toBeCloseTo(0.1);
    // A 24-hour period reaching back past s0's earlier "opened" hour, and one that starts after it.
    const day = (await get('/v1/analytics/funnel?period=24h', ownerA)).json();
    expect(day.steps[0]).toMatchObject({ sessions: 10, events: 13 });
    const hourAgo = (await get(`/v1/analytics/funnel?period=custom&from=${encodeURIComponent(ago(1))}&to=${encodeURIComponent(ago(-1))}`, ownerA)).json();
    expect(hourAgo.steps[0]).toMatchObject({ sessions: 10, events: 12 });
    const e = (await get('/v1/analytics/events?period=24h', ownerA)).json();
    expect(e.totals).toMatchObject({ opened: 13, shared: 1 });
    expect((await get('/v1/analytics/funnel?period=7d', memberB)).json().steps[0]).toMatchObject({ sessions: 0, events: 0 });
    const platform = (await get('/admin/v1/metrics/funnel?period=7d', t.operatorAuth)).json();
    expect(platform.steps[0]).toMatchObject({ sessions: 10, events: 13 });
  });
});

describe('platform-wide and daily series', () => {
  it('day series (daily rollups, per tenant and platform-wide) equal a direct count over the raw rows, before and after the rollup job', async () => {
    const dayOf = (ms: number) => new Date(Math.floor(ms / 86400_000) * 86400_000).toISOString();
    // Tenant B sends events on two days (yesterday and today).
    const h = { ...bearer(t.tenantB.publishableKey), origin: t.tenantB.origin, 'probador-session': 'daily-session-0000001' };
    const yesterday = new Date(t.clock.now() - 86400_000).toISOString();
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: h, payload: { events: [{ type: 'opened', at: yesterday }, { type: 'opened' }, { type: 'viewed' }] } });
    expect(res.statusCode, res.body).toBe(202);

    const rawEvents = async (tenant: string | null) => {
      const r = (await t.deps.db.execute(sql`
        select date_trunc('day', at, 'UTC') as d, type, count(*)::int as n from analytics_events
        ${tenant ? sql`where tenant_id = ${tenant}` : sql``} group by 1, 2`)) as unknown as { rows: { d: string | Date; type: string; n: number }[] };
      const out: Record<string, Record<string, number>> = {};
      for (const x of r.rows) (out[new Date(x.d).toISOString()] ??= {})[x.type] = Number(x.n);
      return out;
    };
    const apiEvents = async (url: string, headers: Record<string, string>) => {
      const s = (await get(url, headers)).json();
      const out: Record<string, Record<string, number>> = {};
      for (const p of s.points as { t: string; counts: Record<string, number> }[]) {
        const nz = Object.fromEntries(Object.entries(p.counts).filter(([, n]) => n > 0));
        if (Object.keys(nz).length) out[p.t] = nz;
      }
      return out;
    };
    const platformEvents = await apiEvents('/admin/v1/metrics/events?period=7d', t.operatorAuth);
    expect(platformEvents).toEqual(await rawEvents(null));
    expect(Object.keys(platformEvents).length).toBeGreaterThanOrEqual(2);
    expect(await apiEvents('/v1/analytics/events?period=7d', memberB)).toEqual(await rawEvents(t.tenantB.id));

    // Try-ons per day, platform-wide: equal the raw try-ons, live, after the job, and once the hours are old.
    const rawTryons = async () => {
      const r = (await t.deps.db.execute(sql`select date_trunc('day', queued_at, 'UTC') as d, count(*)::int as n from tryons group by 1`)) as unknown as { rows: { d: string | Date; n: number }[] };
      return Object.fromEntries(r.rows.map((x) => [new Date(x.d).toISOString(), Number(x.n)]));
    };
    const apiTryons = async () => {
      const s = (await get('/admin/v1/metrics/tryons?period=7d', t.operatorAuth)).json();
      return Object.fromEntries((s.points as { t: string; tryons: number }[]).filter((p) => p.tryons > 0).map((p) => [p.t, p.tryons]));
    };
    const expected = await rawTryons();
    expect(Object.values(expected).reduce((a, b) => a + b, 0)).toBe(5);
    expect(await apiTryons()).toEqual(expected);
    await t.modules.analytics.rollup();
    expect(await apiTryons()).toEqual(expected);
    // Two days on, yesterday's and today's try-on days are wholly before the live boundary: read from analytics_daily.
    t.clock.advance(2 * 86400_000);
    await t.modules.analytics.rollup();
    const daily = (await t.deps.db.execute(sql`select sum(n)::int as n from analytics_daily where tenant_id = '*' and metric = 'tryon'`)) as unknown as { rows: { n: number }[] };
    expect(Number(daily.rows[0]!.n)).toBe(5);
    expect(await apiTryons()).toEqual(expected);
    expect(await apiEvents('/admin/v1/metrics/events?period=7d', t.operatorAuth)).toEqual(await rawEvents(null));
    const tenants = (await get('/admin/v1/metrics/tenants?period=7d', t.operatorAuth)).json();
    expect(tenants.data.map((d: { tenant_id: string; tryons: number }) => [d.tenant_id, d.tryons])).toEqual([
      [t.tenantA.id, 4],
      [t.tenantB.id, 1],
    ]);
    expect(dayOf(t.clock.now())).not.toBe(Object.keys(expected)[0]);
    t.clock.advance(-2 * 86400_000);
  });
});

describe('CSV export', () => {
  it('answers text/csv for ?format=csv and for Accept: text/csv', async () => {
    for (const [url, headers] of [
      ['/v1/analytics/tryons?period=24h&format=csv', ownerA],
      ['/v1/analytics/tryons?period=24h', { ...ownerA, accept: 'text/csv' }],
    ] as const) {
      const res = await get(url, headers);
      expect(res.statusCode).toBe(200);
      expect(String(res.headers['content-type'])).toMatch(/^text\/csv/);
      expect(String(res.headers['content-disposition'])).toContain('tryons.csv');
      const lines = res.body.trim().split('\r\n');
      expect(lines[0]).toBe('t,tryons,succeeded,failed,cached,success_rate,cache_hit_ratio,p50_ms,p95_ms,cost_usd');
      expect(lines).toHaveLength(25);
      expect(lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1]), 0)).toBe(4);
    }
    const funnel = await get('/v1/analytics/funnel?period=7d&format=csv', ownerA);
    expect(funnel.body.split('\r\n')[0]).toBe('step,sessions,events,conversion_from_previous,conversion_from_start');
    expect(funnel.body.split('\r\n')[1]).toMatch(/^opened,10,13,,1$/);
    const json = await get('/v1/analytics/tryons?period=24h', { ...ownerA, accept: 'application/json' });
    expect(json.json().object).toBe('tryon_series');
  });
});

describe('periods', () => {
  it('custom periods choose their granularity; bad ones are clear 400s', async () => {
    const now = t.clock.now();
    const from = new Date(now - 2 * 86400_000).toISOString();
    const r = (await get(`/v1/analytics/tryons?period=custom&from=${from}`, ownerA)).json();
    expect(r.range.granularity).toBe('hour');
    expect(r.summary.tryons).toBe(4);
    const d = (await get(`/v1/analytics/tryons?from=${new Date(now - 20 * 86400_000).toISOString()}&to=${new Date(now + 3600_000).toISOString()}`, ownerA)).json();
    expect(d.range.granularity).toBe('day');
    expect(d.summary.tryons).toBe(4);
    for (const q of [
      'period=custom',
      `period=custom&from=${new Date(now).toISOString()}&to=${new Date(now - 1000).toISOString()}`,
      `period=custom&from=${new Date(now - 200 * 86400_000).toISOString()}&granularity=hour`,
      `period=24h&from=${new Date(now).toISOString()}`,
      'period=1y',
      'granularity=minute',
      'from=yesterday',
    ]) {
      problem(await get(`/v1/analytics/tryons?${q}`, ownerA), 400, 'VALIDATION_FAILED');
    }
  });
});

describe('dashboard access to /v1 store endpoints (`tenant` auth)', () => {
  it('webhook endpoints: owners manage them with their session, members only read, operators name the tenant', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: ownerA, payload: { url: rx.url('/hook'), event_types: ['*'] } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    expect((await get('/v1/webhook-endpoints', bearer(t.tenantA.secretKey))).json().data.map((e: { id: string }) => e.id)).toContain(id);
    expect((await get(`/v1/webhook-endpoints/${id}`, { ...t.operatorAuth, 'probador-tenant': t.tenantA.id })).statusCode).toBe(200);
    problem(await get(`/v1/webhook-endpoints/${id}`, { ...t.operatorAuth, 'probador-tenant': t.tenantB.id }), 404, 'NOT_FOUND');
    problem(await get(`/v1/webhook-endpoints/${id}`, memberB), 404, 'NOT_FOUND');
    expect((await get('/v1/webhook-endpoints', memberB)).json().data).toEqual([]);
    problem(await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: memberB, payload: { url: rx.url('/b'), event_types: ['*'] } }), 403, 'FORBIDDEN');
    problem(await get('/v1/webhook-endpoints', t.operatorAuth), 400, 'VALIDATION_FAILED');
    // A publishable key is still refused there.
    problem(await get('/v1/webhook-endpoints', { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin }), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
  });
});
