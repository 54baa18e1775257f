/**
 * The operator's private-host allow-list (PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS, `host:port` entries)
 * reaches both users of remote URLs (issue 20, item 4):
 *   - webhook endpoints may point at an allow-listed internal receiver (http, private address),
 *     and deliveries arrive there; anything else must be https on a public address;
 *   - image URLs (uploads, try-ons, photo checks) are https only, plain http only for an
 *     allow-listed host — on every hop, so a redirect cannot downgrade to another http host;
 *   - an operator cannot create a webhook endpoint for a tenant that does not exist (404).
 * Everything goes through the config, as an operator sets it — no module options.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, type TestApp } from './harness.js';
import { startReceiver, type Receiver } from './fakes/webhook-receiver.js';
import { personPng } from './fakes/images.js';

let t: TestApp;
let rx: Receiver;
let images: http.Server;
let imagesHost: string;

beforeAll(async () => {
  rx = await startReceiver();
  const png = await personPng();
  // An operator's internal image server: a PNG, and a redirect to another plain-http host.
  images = http.createServer((req, res) => {
    if (req.url === '/photo.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    if (req.url === '/downgrade') return void res.writeHead(302, { location: 'http://images.example.com/photo.png' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
  imagesHost = `127.0.0.1:${(images.address() as AddressInfo).port}`;
  t = await createTestApp({ env: { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: `${rx.host}, ${imagesHost}` } });
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
  images?.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = bearer(t.tenantA.secretKey)) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });

describe('webhook endpoints and the allow-list from config', () => {
  it('an endpoint on an allow-listed internal receiver is accepted and its deliveries arrive', async () => {
    const res = await post('/v1/webhook-endpoints', { url: rx.url('/internal'), event_types: ['*'] });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json() as { id: string };
    const test = await post(`/v1/webhook-endpoints/${id}/test`, {});
    expect(test.statusCode, test.body).toBeLessThan(300);
    const end = Date.now() + 15_000;
    while (rx.at('/internal').length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(rx.at('/internal').length).toBeGreaterThan(0);
    expect(rx.at('/internal')[0]!.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('other private addresses and plain http elsewhere are refused', async () => {
    for (const url of ['http://127.0.0.1:1/hook', 'http://10.0.0.1/hook', 'https://127.0.0.1:1/hook', 'http://example.com/hook', `http://${rx.host.replace('127.0.0.1', 'localhost')}/hook`]) {
      const res = await post('/v1/webhook-endpoints', { url, event_types: ['*'] });
      expect(problem(res, 400, 'URL_NOT_ALLOWED').detail, url).toBeTruthy();
    }
  });

  it('an operator naming a tenant that does not exist gets 404, and nothing is created', async () => {
    const ghost = 'ten_01M00000000000000000000000';
    const headers = { ...t.operatorAuth, 'probador-tenant': ghost };
    problem(await post('/v1/webhook-endpoints', { url: rx.url('/ghost'), event_types: ['*'] }, headers), 404, 'TENANT_NOT_FOUND');
    problem(await t.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers }), 404, 'TENANT_NOT_FOUND');
    // The same operator for a real tenant works.
    const ok = await post('/v1/webhook-endpoints', { url: rx.url('/real'), event_types: ['*'] }, { ...t.operatorAuth, 'probador-tenant': t.tenantB.id });
    expect(ok.statusCode, ok.body).toBe(201);
    expect((ok.json() as { url: string }).url).toBe(rx.url('/real'));
  });
});

describe('image URLs: https only, http only for allow-listed hosts', () => {
  it('plain http to a public host is refused on uploads, try-ons and photo checks', async () => {
    const url = 'http://images.example.com/photo.png';
    expect(problem(await post('/v1/uploads', { url }), 400, 'URL_NOT_ALLOWED').detail).toMatch(/https/);
    problem(await post('/v1/tryons', { person: url, garments: [{ image: 'https://images.example.com/tee.png' }] }), 400, 'URL_NOT_ALLOWED');
    problem(await post('/v1/photo-checks', { image: url }), 400, 'URL_NOT_ALLOWED');
  });

  it('an allow-listed internal http host is fetched', async () => {
    const res = await post('/v1/uploads', { url: `http://${imagesHost}/photo.png` });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ object: 'upload', width: 300, height: 400 });
  });

  it('a redirect from the allow-listed host to another plain-http host is refused', async () => {
    problem(await post('/v1/uploads', { url: `http://${imagesHost}/downgrade` }), 400, 'URL_NOT_ALLOWED');
  });
});
