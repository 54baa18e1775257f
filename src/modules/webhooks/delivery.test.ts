/**
 * Webhook delivery end to end: the real app, the real queue of this mode (database table or
 * BullMQ), and a real HTTP receiver on 127.0.0.1. Signatures are checked with the official
 * `standardwebhooks` library and by hand.
 */
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import type { WebhooksModule } from './index.js';
import { startReceiver, type Receiver } from '../../../test/fakes/webhook-receiver.js';

let t: TestApp;
let rx: Receiver;
let webhooks: WebhooksModule;
const secrets: string[] = [];

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({
    env: { PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0' }, // a busy test machine must not shed our requests
    build: { webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [50, 50, 50], jitter: 0 } },
  });
  webhooks = t.modules.webhooks;
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});
// Each test starts with no endpoints, so an emit reaches only the endpoints it made.
afterEach(async () => {
  for (const key of [t.tenantA.secretKey, t.tenantB.secretKey]) {
    const list = await call('GET', '/v1/webhook-endpoints?limit=100', undefined, key);
    for (const e of list.json().data as { id: string }[]) await call('DELETE', `/v1/webhook-endpoints/${e.id}`, undefined, key);
  }
});

type Delivery = { id: string; event_id: string; event_type: string; status: string; attempts: number; next_attempt_at: string | null; last_attempt_at: string | null; last_status_code: number | null; last_error: string | null; last_response_excerpt: string | null; payload: { id: string; type: string; data: Record<string, unknown> } };
type Attempt = { attempt: number; trigger: string; succeeded: boolean; status_code: number | null; error: string | null };

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = t.tenantA.secretKey) =>
  t.app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as object }) });

async function endpoint(path: string, eventTypes: string[] = ['*'], key = t.tenantA.secretKey) {
  const res = await call('POST', '/v1/webhook-endpoints', { url: rx.url(path), event_types: eventTypes }, key);
  expect(res.statusCode, res.body).toBe(201);
  const e = res.json() as { id: string; secret: string };
  secrets.push(e.secret);
  return e;
}

const delivery = async (endpointId: string, deliveryId: string, key = t.tenantA.secretKey) => {
  const res = await call('GET', `/v1/webhook-endpoints/${endpointId}/deliveries/${deliveryId}`, undefined, key);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Delivery & { attempt_history: Attempt[] };
};

/** Wait for a condition; moves the test clock on a little each round so delayed jobs of the database queue come due. */
async function until<T>(check: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    t.clock.advance(100);
    await new Promise((r) => setTimeout(r, 40));
  }
}
/** Poll the database (not the API, which is rate limited), then read the delivery through the API. */
async function deliveryWhen(endpointId: string, deliveryId: string, check: (d: { status: string; attempts: number }) => boolean) {
  await until(async () => check(await webhooks.service.getDelivery(t.tenantA.id, endpointId, deliveryId)));
  return delivery(endpointId, deliveryId);
}
const settled = (endpointId: string, deliveryId: string, status = 'succeeded') => deliveryWhen(endpointId, deliveryId, (d) => d.status === status);

const tryonData = { tryon_id: 'try_01TEST', status: 'succeeded', result_url: 'https://cdn.example/r.png' };

describe('happy', () => {
  it('delivers a signed Standard Webhooks request, verified by the official library and by hand', async () => {
    const e = await endpoint('/signed');
    const { eventId, deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    expect(eventId).toMatch(/^evt_/);
    expect(deliveryIds).toHaveLength(1);
    const [req] = await until(async () => rx.at('/signed').length === 1 && rx.at('/signed'));
    const h = req!.headers;
    expect(h['content-type']).toBe('application/json');
    expect(h['user-agent']).toBe('Probador-Webhooks/1');
    expect(h['webhook-id']).toBe(eventId);
    expect(String(h['webhook-timestamp'])).toMatch(/^\d{10}$/);
    expect(Math.abs(Number(h['webhook-timestamp']) - t.clock.now() / 1000)).toBeLessThan(60);

    const body = JSON.parse(req!.body);
    expect(body).toEqual({ id: eventId, type: 'tryon.succeeded', created_at: expect.any(String), data: tryonData });
    const verified = new Webhook(e.secret).verify(req!.body, { 'webhook-id': String(h['webhook-id']), 'webhook-timestamp': String(h['webhook-timestamp']), 'webhook-signature': String(h['webhook-signature']) });
    expect(verified).toEqual(body);
    const key = Buffer.from(e.secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${req!.body}`).digest('base64');
    expect(h['webhook-signature']).toBe(`v1,${expected}`);
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(req!.body, h as Record<string, string>)).toThrow();

    const d = await settled(e.id, deliveryIds[0]!);
    expect(d).toMatchObject({ event_id: eventId, event_type: 'tryon.succeeded', attempts: 1, last_status_code: 200, last_response_excerpt: 'ok', next_attempt_at: null });
    expect(d.payload).toEqual(body);
    expect(d.attempt_history).toMatchObject([{ attempt: 1, trigger: 'automatic', succeeded: true, status_code: 200 }]);
  });

  it('filters by event type: an endpoint subscribed to tryon.failed gets no tryon.succeeded', async () => {
    const failedOnly = await endpoint('/failed-only', ['tryon.failed']);
    const succeeded = await endpoint('/succeeded-only', ['tryon.succeeded']);
    const all = await endpoint('/all', ['*']);
    const off = await endpoint('/off', ['*']);
    await call('PATCH', `/v1/webhook-endpoints/${off.id}`, { enabled: false });
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    expect(deliveryIds).toHaveLength(2);
    await until(async () => rx.at('/succeeded-only').length === 1 && rx.at('/all').length === 1);
    const second = await webhooks.emit(t.tenantA.id, 'tryon.failed', { tryon_id: 'try_01TEST', error: { code: 'PROVIDER_FAILED' } });
    expect(second.deliveryIds).toHaveLength(2);
    await until(async () => rx.at('/failed-only').length === 1 && rx.at('/all').length === 2);
    expect(JSON.parse(rx.at('/failed-only')[0]!.body).type).toBe('tryon.failed');
    expect(rx.at('/succeeded-only')).toHaveLength(1);
    expect(rx.at('/off')).toHaveLength(0);
    expect((await call('GET', `/v1/webhook-endpoints/${failedOnly.id}/deliveries`)).json().data).toHaveLength(1);
    expect((await call('GET', `/v1/webhook-endpoints/${succeeded.id}/deliveries`)).json().data).toHaveLength(1);
    expect((await call('GET', `/v1/webhook-endpoints/${all.id}/deliveries`)).json().data).toHaveLength(2);
  });

  it('retries after a failure (500 then 200): two attempts recorded, the same webhook-id', async () => {
    const e = await endpoint('/flaky');
    rx.script('/flaky', { status: 500, body: 'boom' });
    const { eventId, deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    const d = await settled(e.id, deliveryIds[0]!);
    expect(d.attempts).toBe(2);
    expect(d.attempt_history).toMatchObject([
      { attempt: 1, trigger: 'automatic', succeeded: false, status_code: 500, error: 'The endpoint answered 500' },
      { attempt: 2, trigger: 'automatic', succeeded: true, status_code: 200, error: null },
    ]);
    expect(rx.at('/flaky').map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
    const ep = (await call('GET', `/v1/webhook-endpoints/${e.id}`)).json();
    expect(ep.failing_since).toBeNull(); // the success ended the failing run
  });

  it('redelivers on request, even a succeeded delivery, with the same webhook-id', async () => {
    const e = await endpoint('/again');
    const { eventId, deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    await settled(e.id, deliveryIds[0]!);
    const res = await call('POST', `/v1/webhook-endpoints/${e.id}/deliveries/${deliveryIds[0]}/redeliver`);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ id: deliveryIds[0], status: 'pending' });
    const d = await deliveryWhen(e.id, deliveryIds[0]!, (x) => x.attempts === 2 && x.status === 'succeeded');
    expect(d.attempt_history.map((a) => a.trigger)).toEqual(['automatic', 'manual']);
    expect(rx.at('/again').map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
    const [first, second] = rx.at('/again');
    expect(second!.body).toBe(first!.body);
  });

  it('gives up after the schedule: 1 + 3 attempts, then failed; the list filters by status', async () => {
    const e = await endpoint('/down');
    rx.always('/down', { status: 503, body: 'x'.repeat(2000) });
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.canceled', { tryon_id: 'try_01TEST' });
    const d = await settled(e.id, deliveryIds[0]!, 'failed');
    expect(d.attempts).toBe(4);
    expect(d.next_attempt_at).toBeNull();
    expect(d.last_status_code).toBe(503);
    expect(d.last_response_excerpt).toHaveLength(500);
    const failed = (await call('GET', `/v1/webhook-endpoints/${e.id}/deliveries?status=failed`)).json();
    expect(failed.data.map((x: Delivery) => x.id)).toEqual([deliveryIds[0]]);
    expect((await call('GET', `/v1/webhook-endpoints/${e.id}/deliveries?status=succeeded`)).json().data).toEqual([]);
  });

  it('sends a webhook.test event to one endpoint, whatever it subscribes to', async () => {
    const e = await endpoint('/test-event', ['tryon.failed']);
    const res = await call('POST', `/v1/webhook-endpoints/${e.id}/test`);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ event_type: 'webhook.test', status: 'pending' });
    const [req] = await until(async () => rx.at('/test-event').length === 1 && rx.at('/test-event'));
    expect(JSON.parse(req!.body)).toMatchObject({ type: 'webhook.test', data: { endpoint_id: e.id } });
    new Webhook(e.secret).verify(req!.body, req!.headers as Record<string, string>);
  });

  it('after a rotation signs with both secrets for the grace period, then with the new one only', async () => {
    const e = await endpoint('/rotated');
    const rotated = (await call('POST', `/v1/webhook-endpoints/${e.id}/rotate-secret`, {})).json() as { secret: string };
    secrets.push(rotated.secret);
    await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    const [req] = await until(async () => rx.at('/rotated').length === 1 && rx.at('/rotated'));
    const headers = req!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    new Webhook(rotated.secret).verify(req!.body, headers);
    new Webhook(e.secret).verify(req!.body, headers);

    const again = (await call('POST', `/v1/webhook-endpoints/${e.id}/rotate-secret`, { previous_secret_valid_seconds: 0 })).json() as { secret: string };
    secrets.push(again.secret);
    await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    const [, req2] = await until(async () => rx.at('/rotated').length === 2 && rx.at('/rotated'));
    const h2 = req2!.headers as Record<string, string>;
    expect(h2['webhook-signature']!.split(' ')).toHaveLength(1);
    new Webhook(again.secret).verify(req2!.body, h2);
    expect(() => new Webhook(rotated.secret).verify(req2!.body, h2)).toThrow();
  });
});

describe('robustness', () => {
  it('a duplicated job (two runs of one attempt) records the attempt once', async () => {
    const e = await endpoint('/twice');
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    await settled(e.id, deliveryIds[0]!);
    // As a queue may hand the same job out twice (a stalled worker), or a redelivery races a retry.
    const job = { delivery_id: deliveryIds[0]!, tenant_id: t.tenantA.id, seq: 1, trigger: 'manual', retries: false };
    await Promise.all([t.deps.jobs.enqueue('webhooks.deliver', job), t.deps.jobs.enqueue('webhooks.deliver', job)]);
    await until(async () => {
      const c = (await t.deps.jobs.counts())['webhooks.deliver'];
      return c !== undefined && c.waiting + c.active + c.delayed === 0 && rx.at('/twice').length >= 2;
    });
    const d = await delivery(e.id, deliveryIds[0]!);
    expect(d.attempts).toBe(2);
    expect(d.attempt_history.map((a) => a.attempt)).toEqual([1, 2]);
  });

  it('re-enqueues a delivery whose job was lost (recovery sweep)', async () => {
    const e = await endpoint('/lost');
    rx.script('/lost', { status: 500 });
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    await settled(e.id, deliveryIds[0]!); // 500, then the scheduled retry succeeds
    // Simulate a crash between recording an attempt and enqueueing the next one: no job exists.
    await t.deps.db.execute(sql`update webhook_deliveries set status = 'retrying', next_attempt_at = ${new Date(t.clock.now() - 3600_000)} where id = ${deliveryIds[0]!}`);
    expect(await webhooks.recoverOverdue()).toBe(1);
    const d = await deliveryWhen(e.id, deliveryIds[0]!, (x) => x.attempts === 3 && x.status === 'succeeded');
    expect(d.attempt_history.map((a) => a.succeeded)).toEqual([false, true, true]);
    expect(await webhooks.recoverOverdue()).toBe(0);
  });
});

describe('errors', () => {
  it('a 410 Gone disables the endpoint at once: no retry, no new deliveries', async () => {
    const e = await endpoint('/gone');
    rx.always('/gone', { status: 410, body: 'gone' });
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    const d = await settled(e.id, deliveryIds[0]!, 'failed');
    expect(d).toMatchObject({ attempts: 1, last_status_code: 410, next_attempt_at: null });
    expect((await call('GET', `/v1/webhook-endpoints/${e.id}`)).json()).toMatchObject({ enabled: false, disabled_reason: 'gone' });
    expect((await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData)).deliveryIds).toEqual([]);
    problem(await call('POST', `/v1/webhook-endpoints/${e.id}/deliveries/${deliveryIds[0]}/redeliver`), 409, 'CONFLICT');
    expect(rx.at('/gone')).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    const e = await endpoint('/busy');
    rx.script('/busy', { status: 429, headers: { 'retry-after': '2' } });
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    const first = await settled(e.id, deliveryIds[0]!, 'retrying');
    expect(Date.parse(first.next_attempt_at!) - Date.parse(first.last_attempt_at!)).toBeGreaterThanOrEqual(2000);
    const d = await settled(e.id, deliveryIds[0]!);
    expect(d.attempt_history.map((a) => a.status_code)).toEqual([429, 200]);
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const e = await endpoint('/moved');
    rx.always('/moved', { status: 302, headers: { location: rx.url('/moved-target') } });
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    const d = await settled(e.id, deliveryIds[0]!, 'failed');
    expect(d.attempt_history[0]).toMatchObject({ succeeded: false, status_code: 302 });
    expect(d.last_error).toMatch(/redirects are not followed/);
    expect(rx.at('/moved-target')).toHaveLength(0);
  });

  it('refuses an event body over 20 KB (links, not images)', async () => {
    await endpoint('/big');
    await expect(webhooks.emit(t.tenantA.id, 'tryon.succeeded', { image: 'A'.repeat(21 * 1024) })).rejects.toThrow(/20480/);
  });
});

describe('security', () => {
  it("tenant B gets 404 on tenant A's deliveries and redeliveries", async () => {
    const e = await endpoint('/private');
    const mine = await endpoint('/b-own', ['*'], t.tenantB.secretKey);
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    const id = deliveryIds[0]!;
    await settled(e.id, id);
    const b = t.tenantB.secretKey;
    problem(await call('GET', `/v1/webhook-endpoints/${e.id}/deliveries`, undefined, b), 404, 'NOT_FOUND');
    problem(await call('GET', `/v1/webhook-endpoints/${e.id}/deliveries/${id}`, undefined, b), 404, 'NOT_FOUND');
    problem(await call('POST', `/v1/webhook-endpoints/${e.id}/deliveries/${id}/redeliver`, undefined, b), 404, 'NOT_FOUND');
    // Nor through B's own endpoint.
    problem(await call('GET', `/v1/webhook-endpoints/${mine.id}/deliveries/${id}`, undefined, b), 404, 'NOT_FOUND');
    problem(await call('POST', `/v1/webhook-endpoints/${mine.id}/deliveries/${id}/redeliver`, undefined, b), 404, 'NOT_FOUND');
    expect(rx.at('/private')).toHaveLength(1);
    expect(rx.at('/b-own')).toHaveLength(0); // A's events never reach B's endpoints
  });

  it('a delivery is SSRF-checked again when it is sent', async () => {
    const e = await endpoint('/rebound');
    // The URL passed the check at registration; a private address written later (bypassing the API) is refused at send time.
    await t.deps.db.execute(sql`update webhook_endpoints set url = 'https://10.0.0.1/hook' where id = ${e.id}`);
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    const d = await deliveryWhen(e.id, deliveryIds[0]!, (x) => x.attempts >= 1);
    expect(d.attempt_history[0]).toMatchObject({ succeeded: false, status_code: null });
    expect(d.attempt_history[0]!.error).toMatch(/private or reserved/);
  });

  it('no signing secret ever reaches a log', async () => {
    expect(secrets.length).toBeGreaterThan(5);
    const logs = t.logs.join('');
    expect(logs).toContain('webhook attempt');
    for (const s of secrets) expect(logs).not.toContain(s.slice(6, 30));
  });

  // Last: it moves the clock five days on.
  it('an endpoint failing for 5 days is disabled (failing) and gets no new deliveries', async () => {
    const e = await endpoint('/broken');
    rx.always('/broken', { status: 500 });
    const first = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    await settled(e.id, first.deliveryIds[0]!, 'failed');
    const failing = (await call('GET', `/v1/webhook-endpoints/${e.id}`)).json();
    expect(failing).toMatchObject({ enabled: true, disabled_reason: null });
    expect(failing.failing_since).not.toBeNull();

    t.clock.advance(5 * 24 * 3600_000 + 60_000);
    const second = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    const d = await settled(e.id, second.deliveryIds[0]!, 'failed');
    expect(d.attempts).toBe(1); // no retries once the endpoint is disabled
    expect((await call('GET', `/v1/webhook-endpoints/${e.id}`)).json()).toMatchObject({ enabled: false, disabled_reason: 'failing' });
    expect((await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData)).deliveryIds).toEqual([]);

    // Re-enabling clears the failing state and deliveries resume.
    rx.always('/broken', { status: 200, body: 'fixed' });
    const on = (await call('PATCH', `/v1/webhook-endpoints/${e.id}`, { enabled: true })).json();
    expect(on).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    const third = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    await settled(e.id, third.deliveryIds[0]!);
  });

  it('forgets finished deliveries after 30 days (delivery-log retention)', async () => {
    const e = await endpoint('/old');
    const { deliveryIds } = await webhooks.emit(t.tenantA.id, 'tryon.succeeded', tryonData);
    await settled(e.id, deliveryIds[0]!);
    expect(await webhooks.purgeDeliveries()).toBe(0);
    t.clock.advance(30 * 24 * 3600_000 + 1000);
    expect(await webhooks.purgeDeliveries()).toBeGreaterThanOrEqual(1);
    problem(await call('GET', `/v1/webhook-endpoints/${e.id}/deliveries/${deliveryIds[0]}`), 404, 'NOT_FOUND');
  });
});
