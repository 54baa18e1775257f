/**
 * @probador/sdk in Chromium, as a single-page shop would use it: bundled for the browser by esbuild
 * (which fails on any Node import), loaded by a page on another origin, with the store's
 * publishable key from an allowed origin — CORS preflights for its headers (Authorization,
 * Idempotency-Key), a multipart upload from a Blob, a try-on, its Server-Sent Events read with
 * fetch streams, and a webhook signature checked with Web Crypto.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { createTestApp, type TestApp } from '../harness.js';
import { ROOT } from '../cli-run.js';
import { garmentPng } from '../fakes/images.js';
import { ASTRONAUT } from '../tryon-helpers.js';
import { collectPageErrors, launchChromium, newContext } from './chromium.js';
import { startHostServer } from './widget-harness.js';

let t: TestApp;
let base: string;
let browser: Browser;
let host: Awaited<ReturnType<typeof startHostServer>>;
let publishableKey: string;

beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_PROVIDER_ORDER: 'local' } });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const bundle = await build({ entryPoints: [join(ROOT, 'packages/sdk/src/index.ts')], bundle: true, write: false, format: 'iife', globalName: 'ProbadorSDK', platform: 'browser', target: 'es2022' });
  host = await startHostServer(
    { '/': '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A shop</title><link rel="icon" href="data:,"><script src="/sdk.js"></script></head><body><h1>A shop</h1></body></html>' },
    { '/sdk.js': { type: 'text/javascript', body: Buffer.from(bundle.outputFiles[0]!.text) } },
  );
  const tenant = await t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: t.operatorAuth, payload: { name: 'SPA Shop', tier: 'basic', allowed_origins: [host.origin] } });
  expect(tenant.statusCode, tenant.body).toBe(201);
  const key = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${tenant.json().id}/keys`, headers: t.operatorAuth, payload: { kind: 'publishable' } });
  expect(key.statusCode, key.body).toBe(201);
  publishableKey = key.json().key;
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await host?.close();
  await t?.close();
});

describe('@probador/sdk in Chromium', () => {
  it('uploads, tries on and waits over SSE from another origin with a publishable key; verifies a webhook with Web Crypto', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const posts: { url: string; key: string | undefined }[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push({ url: new URL(r.url()).pathname, key: r.headers()['idempotency-key'] });
    });
    await page.goto(host.url);
    const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    const now = Date.now();
    const body = '{"type":"tryon.succeeded","data":{"id":"try_x"}}';
    const signature = new Webhook(secret).sign('msg_1', new Date(now), body);
    // In-page code is a string: the tests compile without the DOM lib.
    const result = (await page.evaluate(`(async () => {
      const { createProbador, unwrap, verifyWebhook, VERSION } = window.ProbadorSDK;
      const probador = createProbador({ baseUrl: ${JSON.stringify(base)}, apiKey: ${JSON.stringify(publishableKey)} });
      const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const person = await probador.uploadFile(new Blob([bytes(${JSON.stringify(ASTRONAUT.toString('base64'))})], { type: 'image/png' }), { kind: 'person', filename: 'me.png' });
      const garment = await probador.uploadFile(new Blob([bytes(${JSON.stringify((await garmentPng()).toString('base64'))})], { type: 'image/png' }), { kind: 'garment' });
      const created = unwrap(await probador.POST('/v1/tryons', { body: { person: person.id, garments: [{ image: garment.id, category: 'tops' }] } }));
      const done = await probador.waitForTryon(created.id, { transport: 'sse', timeoutMs: 60000 });
      const headers = new Headers({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(${now} / 1000)), 'webhook-signature': ${JSON.stringify(signature)} });
      const event = await verifyWebhook(${JSON.stringify(secret)}, ${JSON.stringify(body)}, headers, { now: ${now} });
      const forged = await verifyWebhook(${JSON.stringify(secret)}, ${JSON.stringify(body.replace('try_x', 'try_y'))}, headers, { now: ${now} }).then(() => 'accepted', (e) => e.name);
      return { version: VERSION, person: person.id, status: done.status, id: done.id, created: created.id, event: event.data.id, forged };
    })()`)) as { version: string; person: string; status: string; id: string; created: string; event: string; forged: string };
    expect(result.person).toMatch(/^upl_/);
    expect(result.status).toBe('succeeded');
    expect(result.id).toBe(result.created);
    expect(result.event).toBe('try_x');
    expect(result.forged).toBe('WebhookVerificationError');
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
    // Every POST carried an Idempotency-Key through CORS (a preflight allowed it), each its own.
    const keys = posts.filter((p) => p.url.startsWith('/v1/')).map((p) => p.key);
    expect(keys).toHaveLength(3);
    expect(keys.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
    expect(new Set(keys).size).toBe(3);
    expect(errors).toEqual([]);
    await context.close();
  });
});
