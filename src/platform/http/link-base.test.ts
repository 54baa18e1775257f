/**
 * Links the server hands out (signed /v1/files links) never come from the request's Host or
 * X-Forwarded-Host (issue 20, item 4): PUBLIC_URL when set, else the listen address. And the
 * start-up warning when PUBLIC_URL is missing in production.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../../test/harness.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { loadConfig, publicUrlWarning } from '../../config.js';

const dataUrl = (b: Buffer) => `data:image/png;base64,${b.toString('base64')}`;
const evil = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };

/** Every link a tenant gets back for a catalog product (its garment image). */
async function productLink(t: TestApp, id: string) {
  const res = await t.app.inject({ method: 'PUT', url: `/v1/products/${id}`, headers: { ...bearer(t.tenantA.secretKey), ...evil }, payload: { name: 'Tee', image: dataUrl(await garmentPng()), category: 'tops' } });
  expect(res.statusCode, res.body).toBeLessThan(300);
  const got = await t.app.inject({ method: 'GET', url: `/v1/products/${id}`, headers: { ...bearer(t.tenantA.secretKey), ...evil } });
  return [(res.json() as { image: { url: string } }).image.url, (got.json() as { image: { url: string } }).image.url];
}

describe('without PUBLIC_URL: the listen address', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    // Behind a proxy that forwards X-Forwarded-Host: trusted for the client's address, not for links.
    t = await createTestApp({ env: { PROBADOR_TRUST_PROXY: 'true' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => t?.close());

  it('a request with Host: evil.example gets links to the server, not to evil.example', async () => {
    for (const url of await productLink(t, 'tee-1')) {
      expect(url).not.toContain('evil.example');
      expect(new URL(url).origin).toBe(`http://127.0.0.1:${port}`);
      expect(new URL(url).pathname).toMatch(/^\/v1\/files\//);
    }
    // And the link works, on the real socket.
    const [url] = await productLink(t, 'tee-2');
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\//);
  });

  it('try-on result links too', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/tryons',
      headers: { ...bearer(t.tenantA.secretKey), ...evil },
      payload: { person: dataUrl(await garmentPng('rgb(200,180,160)')), garments: [{ product_id: 'tee-1' }] },
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = (res.json() as { id: string }).id;
    let body: { status: string; result: { url: string } | null } = { status: '', result: null };
    for (let i = 0; i < 400 && !['succeeded', 'failed'].includes(body.status); i++) {
      await new Promise((r) => setTimeout(r, 50));
      body = (await t.app.inject({ method: 'GET', url: `/v1/tryons/${id}`, headers: { ...bearer(t.tenantA.secretKey), ...evil } })).json();
    }
    expect(body.status).toBe('succeeded');
    expect(new URL(body.result!.url).origin).toBe(`http://127.0.0.1:${port}`);
  });
});

describe('with PUBLIC_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { PUBLIC_URL: 'https://tryon.shop.example/' } });
  });
  afterAll(async () => t?.close());

  it('links start with PUBLIC_URL whatever the Host', async () => {
    for (const url of await productLink(t, 'tee-3')) expect(url).toMatch(/^https:\/\/tryon\.shop\.example\/v1\/files\//);
  });
});

describe('the start-up warning', () => {
  it('warns when PUBLIC_URL is unset in production or when listening beyond loopback, not on a local start', () => {
    expect(publicUrlWarning(loadConfig({}))).toBeUndefined();
    expect(publicUrlWarning(loadConfig({ NODE_ENV: 'production' }))).toMatch(/^PUBLIC_URL is not set/);
    expect(publicUrlWarning(loadConfig({ HOST: '0.0.0.0' }))).toMatch(/PUBLIC_URL/);
    expect(publicUrlWarning(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://tryon.example.com' }))).toBeUndefined();
  });
});
