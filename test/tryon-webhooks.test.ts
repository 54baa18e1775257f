/** A finished try-on reaches the store's webhook endpoint: signed per Standard Webhooks, with its id. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { startReceiver, type Receiver } from './fakes/webhook-receiver.js';
import { garmentPng } from './fakes/images.js';
import { ASTRONAUT, dataUrl } from './tryon-helpers.js';


let t: TestApp;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({ env: { PROBADOR_PROVIDER_ORDER: 'local' }, build: { webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [50, 50, 50], jitter: 0 } } });
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

it('tryon.succeeded is delivered, signed, with the try-on id; tenant B’s endpoint hears nothing', async () => {
  const create = async (key: string, path: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: bearer(key), payload: { url: rx.url(path), event_types: ['tryon.succeeded', 'tryon.failed'] } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().secret as string;
  };
  const secretA = await create(t.tenantA.secretKey, '/a');
  await create(t.tenantB.secretKey, '/b');
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/tryons',
    headers: bearer(t.tenantA.secretKey),
    payload: { person: dataUrl(ASTRONAUT), garments: [{ image: dataUrl(await garmentPng()), category: 'tops' }], metadata: { order: '42' } },
  });
  const id = res.json().id as string;
  const end = Date.now() + 20_000;
  while (rx.at('/a').length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  const [delivery] = rx.at('/a');
  expect(delivery).toBeDefined();
  const verified = new Webhook(secretA).verify(delivery!.body, {
    'webhook-id': String(delivery!.headers['webhook-id']),
    'webhook-timestamp': String(delivery!.headers['webhook-timestamp']),
    'webhook-signature': String(delivery!.headers['webhook-signature']),
  }) as { type: string; data: { id: string; metadata: Record<string, string> } };
  expect(verified.type).toBe('tryon.succeeded');
  expect(verified.data.id).toBe(id);
  expect(verified.data.metadata).toEqual({ order: '42' });
  expect(rx.at('/b')).toHaveLength(0);
});
