/**
 * @probador/sdk (packages/sdk) against the real server on a real port, on the embedded database and
 * on PostgreSQL + Redis: an operator makes a tenant and its key through the SDK; the tenant uploads,
 * tries on, waits (SSE, polling, and SSE failing over to polling), lists with the cursor iterator;
 * a webhook the server delivers verifies, a forged one does not; a 429 is retried after its
 * Retry-After with the same Idempotency-Key, and a retried POST whose first answer was lost is
 * replayed by the server, not repeated. The only fakes are at the network edge: the webhook
 * receiver, a tiny HTTP server answering 429 then 201, and a fetch wrapper standing in for a proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createProbador, ProbadorError, unwrap, verifyWebhook, WebhookVerificationError, VERSION, type Probador } from '../packages/sdk/src/index.js';
import { generateSchema, generateVersion } from '../packages/sdk/scripts/generate.js';
import { createTestApp, OPERATOR, type TestApp } from './harness.js';
import { startReceiver, type Receiver } from './fakes/webhook-receiver.js';
import { garmentPng } from './fakes/images.js';
import { ASTRONAUT } from './tryon-helpers.js';
import { ROOT } from './cli-run.js';

const SDK = join(ROOT, 'packages/sdk');

type Sent = { method: string; url: string; idempotencyKey: string | null; status: number };

/** A fetch that records what went out and what came back (the SDK's `fetch` option). */
function recorder(inner: (r: Request) => Promise<Response> = (r) => fetch(r)) {
  const sent: Sent[] = [];
  const f = async (r: Request) => {
    const res = await inner(r);
    sent.push({ method: r.method, url: new URL(r.url).pathname, idempotencyKey: r.headers.get('idempotency-key'), status: res.status });
    return res;
  };
  return { sent, fetch: f };
}

let t: TestApp;
let rx: Receiver;
let baseUrl: string;
let operator: Probador;
let tenant: { id: string; key: string };
let sdk: Probador;
let person: string;
let garment: string;

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({ env: { PROBADOR_PROVIDER_ORDER: 'local' }, build: { webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [50, 50, 50], jitter: 0 } } });
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  // The operator signs in through the SDK and makes a store and its secret key.
  const login = unwrap(await createProbador({ baseUrl }).POST('/admin/v1/auth/login', { body: { email: OPERATOR.email, password: OPERATOR.password } }));
  operator = createProbador({ baseUrl, accessToken: login.access_token });
  const made = unwrap(await operator.POST('/admin/v1/tenants', { body: { name: 'SDK Store', tier: 'basic' } }));
  const key = unwrap(await operator.POST('/admin/v1/tenants/{tenant_id}/keys', { params: { path: { tenant_id: made.id } }, body: { kind: 'secret' } }));
  tenant = { id: made.id, key: key.key };
  sdk = createProbador({ baseUrl, apiKey: tenant.key });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

describe('@probador/sdk', () => {
  it('is built from the server’s current document and carries its version', async () => {
    const schema = readFileSync(join(SDK, 'src/schema.ts'), 'utf8');
    // Stale types after a route change: run `npm run build:sdk` and commit src/schema.ts.
    expect(schema === (await generateSchema(t.app.swagger())), 'packages/sdk/src/schema.ts is stale: run `npm run build:sdk`').toBe(true);
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(readFileSync(join(SDK, 'src/version.ts'), 'utf8')).toBe(generateVersion(version));
    expect(VERSION).toBe(version);
    expect((JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8')) as { version: string }).version).toBe(version);
  });

  it('uploads files, tries on and waits over Server-Sent Events', async () => {
    person = (await sdk.uploadFile(ASTRONAUT, { kind: 'person', filename: 'astronaut.png' })).id;
    garment = (await sdk.uploadFile(new Blob([new Uint8Array(await garmentPng())], { type: 'image/png' }), { kind: 'garment' })).id;
    expect(person).toMatch(/^upl_/);
    expect(garment).toMatch(/^upl_/);
    const created = unwrap(await sdk.POST('/v1/tryons', { body: { person, garments: [{ image: garment, category: 'tops' }] } }));
    expect(created.status).toMatch(/queued|running|succeeded/);
    const seen: string[] = [];
    const done = await sdk.waitForTryon(created.id, { transport: 'sse', timeoutMs: 60_000, onProgress: (p) => seen.push(p.status) });
    expect(done.id).toBe(created.id);
    expect(done.status).toBe('succeeded');
    expect(done.result?.url).toBeTruthy();
  });

  it('waits by polling, and falls back to polling when the stream fails (a proxy answering 502)', async () => {
    const create = async () => unwrap(await sdk.POST('/v1/tryons', { body: { person, garments: [{ image: garment, category: 'tops' }] } })).id;
    const polled = await sdk.waitForTryon(await create(), { transport: 'poll', pollIntervalMs: 50, timeoutMs: 60_000 });
    expect(polled.status).toBe('succeeded');

    const proxy = recorder((r) => (new URL(r.url).pathname.endsWith('/events') ? Promise.resolve(new Response('bad gateway', { status: 502 })) : fetch(r)));
    const viaProxy = createProbador({ baseUrl, apiKey: tenant.key, fetch: proxy.fetch, maxRetries: 0 });
    const id = await create();
    const fellBack = await viaProxy.waitForTryon(id, { pollIntervalMs: 50, timeoutMs: 60_000 });
    expect(fellBack.status).toBe('succeeded');
    expect(proxy.sent.map((s) => s.url)).toEqual(expect.arrayContaining([`/v1/tryons/${id}/events`, `/v1/tryons/${id}`]));
    // With `sse` only, the same failure is an error, not a silent fallback.
    await expect(viaProxy.waitForTryon(id, { transport: 'sse' })).rejects.toMatchObject({ status: 502 });
  });

  it('iterates cursor lists page by page', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
      unwrap(await sdk.PUT('/v1/products/{product_id}', { params: { path: { product_id: `sku-${n}` } }, body: { name: `Shirt ${n}`, image: garment, category: 'tops' } }));
    }
    const rec = recorder();
    const listing = createProbador({ baseUrl, apiKey: tenant.key, fetch: rec.fetch });
    const products: string[] = [];
    for await (const p of listing.paginate('/v1/products', { query: { limit: 2 } })) products.push(p.product_id);
    expect(products.sort()).toEqual(['sku-1', 'sku-2', 'sku-3', 'sku-4', 'sku-5']);
    expect(rec.sent.filter((s) => s.url === '/v1/products')).toHaveLength(3); // 2 + 2 + 1
    const tryons: string[] = [];
    for await (const tr of listing.paginate('/v1/tryons', { query: { limit: 1 } })) tryons.push(tr.id);
    expect(tryons).toHaveLength(3);
    expect(new Set(tryons).size).toBe(3);
  });

  it('keeps tenants apart: another tenant’s try-on is 404, as a ProbadorError', async () => {
    const first = unwrap(await sdk.GET('/v1/tryons', { params: { query: { limit: 1 } } })).data[0]!;
    const other = createProbador({ baseUrl, apiKey: t.tenantB.secretKey });
    const err = await other.waitForTryon(first.id, { transport: 'poll' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProbadorError);
    expect(err).toMatchObject({ status: 404, code: 'TRYON_NOT_FOUND' });
    expect((err as ProbadorError).requestId).toMatch(/^req_/);
  });

  it('verifies the webhooks the server signs; a forged, re-signed or stale one fails', async () => {
    const endpoint = unwrap(await sdk.POST('/v1/webhook-endpoints', { body: { url: rx.url('/sdk'), event_types: ['tryon.succeeded'] } }));
    const secret = endpoint.secret!;
    expect(secret).toMatch(/^whsec_/);
    const id = unwrap(await sdk.POST('/v1/tryons', { body: { person, garments: [{ image: garment, category: 'tops' }] } })).id;
    const end = Date.now() + 30_000;
    while (rx.at('/sdk').length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const [delivery] = rx.at('/sdk');
    expect(delivery).toBeDefined();
    const now = Number(delivery!.headers['webhook-timestamp']) * 1000;
    const event = await verifyWebhook<{ id: string }>(secret, delivery!.body, delivery!.headers, { now });
    expect(event.type).toBe('tryon.succeeded');
    expect(event.data.id).toBe(id);

    const rejects = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(WebhookVerificationError);
    await rejects(verifyWebhook(secret, delivery!.body.replace(id, 'try_forged'), delivery!.headers, { now }));
    await rejects(verifyWebhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, delivery!.body, delivery!.headers, { now }));
    await rejects(verifyWebhook(secret, delivery!.body, { ...delivery!.headers, 'webhook-id': 'msg_other' }, { now }));
    await rejects(verifyWebhook(secret, delivery!.body, delivery!.headers, { now: now + 10 * 60_000 }));
    await rejects(verifyWebhook(secret, delivery!.body, { 'webhook-id': 'x' }, { now }));
    // The reference implementation agrees: what it signs verifies here (Headers object too).
    const ts = new Date(now);
    const sig = new Webhook(secret).sign('msg_1', ts, '{"type":"x","data":{}}');
    const h = new Headers({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': `v1,bogus ${sig}` });
    expect((await verifyWebhook(secret, '{"type":"x","data":{}}', h, { now })).type).toBe('x');
  });

  it('retries a 429 after its Retry-After with the same Idempotency-Key (a small rate limit)', async () => {
    const made = unwrap(await operator.POST('/admin/v1/tenants', { body: { name: 'Limited Store', tier: 'basic', limits: { requests_per_minute_per_key: 2 } } }));
    const key = unwrap(await operator.POST('/admin/v1/tenants/{tenant_id}/keys', { params: { path: { tenant_id: made.id } }, body: { kind: 'secret' } })).key;
    const rec = recorder();
    const waits: number[] = [];
    const limited = createProbador({
      baseUrl,
      apiKey: key,
      fetch: rec.fetch,
      // The window is a real minute: rather than wait it out, the wait raises the store's limit.
      sleep: async (ms) => {
        waits.push(ms);
        unwrap(await operator.PATCH('/admin/v1/tenants/{tenant_id}', { params: { path: { tenant_id: made.id } }, body: { limits: { requests_per_minute_per_key: 1000 } } }));
        const until = Date.now() + 10_000;
        while ((await fetch(`${baseUrl}/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status === 429 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      },
    });
    unwrap(await limited.GET('/v1/me'));
    unwrap(await limited.GET('/v1/me'));
    // Without retries the 429 comes back as an error.
    const noRetry = createProbador({ baseUrl, apiKey: key, maxRetries: 0 });
    await expect(noRetry.uploadFile(ASTRONAUT)).rejects.toMatchObject({ status: 429, code: 'RATE_LIMITED' });

    const up = await limited.uploadFile(ASTRONAUT, { kind: 'person' });
    expect(up.id).toMatch(/^upl_/);
    const posts = rec.sent.filter((s) => s.method === 'POST');
    expect(posts.map((s) => s.status)).toEqual([429, 201]);
    expect(posts[0]!.idempotencyKey).toBeTruthy();
    expect(posts[1]!.idempotencyKey).toBe(posts[0]!.idempotencyKey);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);
    expect(waits[0]).toBeLessThanOrEqual(60_000);
  });

  it('replays, not repeats, a retried POST whose first answer was lost (the server sees the same key)', async () => {
    let lost: unknown;
    // A proxy that lets the first POST through to the server but answers 503 (Retry-After: 0) in its place.
    const proxy = recorder(async (r) => {
      const res = await fetch(r);
      if (r.method === 'POST' && lost === undefined) {
        lost = await res.json();
        return new Response('upstream timeout', { status: 503, headers: { 'retry-after': '0' } });
      }
      return res;
    });
    const viaProxy = createProbador({ baseUrl, apiKey: tenant.key, fetch: proxy.fetch });
    const before = unwrap(await sdk.GET('/v1/tryons', { params: { query: { limit: 100 } } })).data.length;
    const { data, response } = await viaProxy.POST('/v1/tryons', { body: { person, garments: [{ image: garment, category: 'tops' }] } });
    expect(response.status).toBe(202);
    expect(response.headers.get('idempotent-replayed')).toBe('true');
    expect(data!.id).toBe((lost as { id: string }).id);
    const posts = proxy.sent.filter((s) => s.method === 'POST');
    expect(posts.map((s) => s.status)).toEqual([503, 202]);
    expect(posts[1]!.idempotencyKey).toBe(posts[0]!.idempotencyKey);
    expect(unwrap(await sdk.GET('/v1/tryons', { params: { query: { limit: 100 } } })).data.length).toBe(before + 1);
    await sdk.waitForTryon(data!.id, { timeoutMs: 60_000 });
  });

  it('waits Retry-After in real time by default (a server answering 429, Retry-After: 1, then 201)', async () => {
    const seen: { at: number; key: string | undefined }[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ at: Date.now(), key: req.headers['idempotency-key'] as string | undefined });
        if (seen.length === 1) res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/problem+json' }).end('{"status":429,"code":"RATE_LIMITED"}');
        else res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"upl_fake","object":"upload"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const fake = createProbador({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'sk_test_x' });
      const up = await fake.uploadFile(new Uint8Array([1, 2, 3]));
      expect(up.id).toBe('upl_fake');
      expect(seen).toHaveLength(2);
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
      expect(seen[0]!.key).toBeTruthy();
      expect(seen[1]!.key).toBe(seen[0]!.key);
      // A Retry-After beyond maxRetryDelayMs is not waited for.
      seen.length = 0;
      const impatient = createProbador({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxRetryDelayMs: 500 });
      await expect(impatient.uploadFile(new Uint8Array([1]))).rejects.toMatchObject({ status: 429 });
      expect(seen).toHaveLength(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('runs the README’s “Try it” SDK block as written (only the key and the port are the test’s)', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Try it\n'));
    const block = /```ts\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 5)))?.[1];
    expect(block, 'a ```ts block in the README’s “Try it”').toBeTruthy();
    const code = block!
      .replace("from '@probador/sdk'", `from ${JSON.stringify(join(SDK, 'src/index.ts'))}`)
      .replace("'http://localhost:3000'", JSON.stringify(baseUrl));
    const dir = mkdtempSync(join(tmpdir(), 'probador-readme-sdk-'));
    const file = join(dir, 'try-it.ts');
    writeFileSync(file, code);
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    process.env.PROBADOR_KEY = tenant.key;
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
      delete process.env.PROBADOR_KEY;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(lines.some((l) => /^succeeded https?:\/\//.test(l)), lines.join('\n')).toBe(true);
    expect(lines.filter((l) => /^try_\w+ succeeded$/.test(l)).length).toBeGreaterThanOrEqual(1);
  });
});
