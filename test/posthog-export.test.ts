/**
 * Product-analytics export to PostHog, against a local fake of its capture API (`POST /batch/`, the
 * endpoint posthog-node sends to): a tenant that opted in gets its widget funnel events and try-on
 * outcomes, batched, retried after a 503, the shopper pseudonymised (no session token, no hash the
 * platform stores, a different id per tenant), no person profiles, no GeoIP; a tenant that did
 * not opt in sends nothing; turning it off stops it; a bad host or key is refused.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from './fakes/webhook-receiver.js';
import { garmentPng } from './fakes/images.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { ASTRONAUT, dataUrl, waitForTryon } from './tryon-helpers.js';

type Captured = { event: string; uuid?: string; distinct_id: string; properties: Record<string, unknown>; timestamp?: string };
let t: TestApp;
let ph: Awaited<ReturnType<typeof startReceiver>>;
const SESSION = 'shopper-session-0123456789abcdef';
const KEY = 'phc_testProjectKey0123456789';

beforeAll(async () => {
  ph = await startReceiver();
  t = await createTestApp({ env: { PROBADOR_PROVIDER_ORDER: 'local', PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: ph.host } });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await ph?.close();
});

const batches = () =>
  ph.at('/batch/').map((r) => {
    expect(r.headers['content-encoding']).toBeUndefined();
    return JSON.parse(r.body) as { api_key: string; batch: Captured[] };
  });
const captured = () => batches().flatMap((b) => b.batch.map((e) => ({ ...e, api_key: b.api_key })));
const setPosthog = (tenantId: string, posthog: unknown) =>
  t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${tenantId}`, headers: t.operatorAuth, payload: { settings: { product_analytics: { posthog } } } });
const sendEvents = (key: string, events: object[], session = SESSION) =>
  t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(key), 'probador-session': session }, payload: { events } });
async function until<T>(f: () => T | undefined | false, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await t.modules.analytics.flushExport();
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('PostHog export', () => {
  it('forwards an opted-in tenant’s funnel events, pseudonymised, retried after a 503; another tenant sends nothing', async () => {
    expect((await setPosthog(t.tenantA.id, { project_api_key: KEY, host: `http://${ph.host}` })).statusCode).toBe(200);
    ph.script('/batch/', { status: 503, body: 'busy' });
    expect((await sendEvents(t.tenantA.secretKey, [{ type: 'opened', product_id: 'sku-1' }, { type: 'consented', properties: { retention: '24h' } }])).statusCode).toBe(202);
    expect((await sendEvents(t.tenantB.secretKey, [{ type: 'opened', product_id: 'sku-b' }])).statusCode).toBe(202);
    const events = await until(() => captured().filter((e) => e.event.startsWith('tryon widget')).length >= 2 && captured(), 'the funnel events');
    expect(ph.at('/batch/').length).toBeGreaterThanOrEqual(2); // the 503, then the retry
    const opened = events.find((e) => e.event === 'tryon widget opened')!;
    expect(opened).toMatchObject({ api_key: KEY, properties: { product_id: 'sku-1', $process_person_profile: false, source: 'widget' } });
    expect(events.find((e) => e.event === 'tryon widget consented')!.properties).toMatchObject({ retention: '24h' });
    // Sent again after the 503 with the same event uuid, which PostHog deduplicates on.
    const copies = events.filter((e) => e.event === 'tryon widget opened');
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((e) => (e as { uuid?: string }).uuid)).size).toBe(1);
    expect(copies[0]!.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(events.some((e) => e.properties.product_id === 'sku-b')).toBe(false);
    // Pseudonymous: neither the session nor the hash the platform stores of it.
    const stored = createHash('sha256').update(SESSION).digest('hex');
    expect(opened.distinct_id).toMatch(/^p_[0-9a-f]{32}$/);
    for (const b of ph.at('/batch/')) {
      expect(b.body).not.toContain(SESSION);
      expect(b.body).not.toContain(stored);
    }
    expect(events.find((e) => e.event === 'tryon widget consented')!.distinct_id).toBe(opened.distinct_id);
  });

  it('forwards try-on outcomes under the same pseudonym as the widget session that made them', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/tryons',
      headers: { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin, 'probador-session': SESSION },
      payload: { person: dataUrl(ASTRONAUT), garments: [{ image: dataUrl(await garmentPng()), category: 'tops' }] },
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id as string;
    await waitForTryon(t, id, { key: t.tenantA.secretKey });
    const outcome = await until(() => captured().find((e) => e.event === 'tryon succeeded' && e.properties.tryon_id === id), 'the try-on outcome');
    expect(outcome.properties).toMatchObject({ tryon_id: id, cached: false, provider: 'local', source: 'server', $process_person_profile: false });
    const widget = captured().find((e) => e.event === 'tryon widget opened')!;
    expect(outcome.distinct_id).toBe(widget.distinct_id);
  }, 60_000);

  it('stops when turned off; refuses a key or host that is not one', async () => {
    expect((await setPosthog(t.tenantA.id, null)).statusCode).toBe(200);
    const before = captured().length;
    expect((await sendEvents(t.tenantA.secretKey, [{ type: 'shared' }])).statusCode).toBe(202);
    await t.modules.analytics.flushExport();
    await new Promise((r) => setTimeout(r, 1500));
    expect(captured().length).toBe(before);
    expect((await setPosthog(t.tenantA.id, { project_api_key: 'sk_live_nope', host: 'https://eu.i.posthog.com' })).statusCode).toBe(400);
    expect((await setPosthog(t.tenantA.id, { project_api_key: KEY, host: 'ftp://eu.i.posthog.com' })).statusCode).toBe(400);
  });
});
