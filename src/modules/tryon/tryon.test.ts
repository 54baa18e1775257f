/**
 * The try-on pipeline end to end on the real app: intake → job → provider router → result,
 * with the offline `local` provider and, for routing behaviour, real adapters against fake
 * provider servers (fal, FASHN) on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import type { FakeFal } from '../../../test/fakes/fal.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { ASTRONAUT, createTryonTestApp, dataUrl, waitForTryon } from '../../../test/tryon-helpers.js';
import { createLocalProvider } from './providers/local.js';
import { runMaintenance } from '../../maintenance.js';

let t: TestApp;
let fal: FakeFal;
let close: () => Promise<void>;
let shirt: string;

beforeAll(async () => {
  ({ t, fal, close } = await createTryonTestApp({ PROBADOR_LATENCY_BUDGET_MS: '0', PROBADOR_PROVIDER_RETRIES: '1', PROBADOR_PROVIDER_ORDER: 'local' }));
  shirt = dataUrl(await garmentPng());
});
afterAll(async () => close?.());

const auth = () => bearer(t.tenantA.secretKey);
const post = (url: string, payload: unknown, headers: Record<string, string> = auth()) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });
const get = (url: string, headers: Record<string, string> = auth()) => t.app.inject({ method: 'GET', url, headers });

const waitFor = (id: string) => waitForTryon(t, id);

async function multipartUpload(bytes: Buffer, filename = 'me.png', type = 'image/png') {
  const boundary = '----probador' + Math.random().toString(16).slice(2);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="shopper_id"\r\n\r\nshopper-1\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return t.app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
}

describe('happy', () => {
  it('uploads a photo once (multipart), normalised and reusable', async () => {
    const res = await multipartUpload(ASTRONAUT);
    expect(res.statusCode, res.body).toBe(201);
    const up = res.json();
    expect(up.id).toMatch(/^upl_/);
    expect(up).toMatchObject({ kind: 'person', content_type: 'image/jpeg', width: 512, height: 512, shopper_id: 'shopper-1', source: 'file' });
    expect((await get(`/v1/uploads/${up.id}`)).json().id).toBe(up.id);
  });

  it('generates a try-on with the local engine: 202, then succeeded with a signed result URL', async () => {
    const up = (await multipartUpload(ASTRONAUT)).json();
    const res = await post('/v1/tryons', { person: up.id, garments: [{ image: shirt, category: 'tops' }], shopper_id: 'shopper-1', metadata: { sku: 'RED-1' } });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.headers.location).toBe(`/v1/tryons/${res.json().id}`);
    expect(res.json().status).toBe('queued');
    const done = await waitFor(res.json().id);
    expect(done.status).toBe('succeeded');
    expect(done.provider).toBe('local');
    expect(done.cached).toBe(false);
    expect(done.metadata).toEqual({ sku: 'RED-1' });
    expect(done.timings.total_ms).toBeGreaterThanOrEqual(0);
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({ provider: 'local', outcome: 'succeeded' });
    expect(done.result).toMatchObject({ content_type: 'image/jpeg', width: 512, height: 512 });
    const file = await t.app.inject({ method: 'GET', url: new URL(done.result.url).pathname });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/jpeg');
    // Readable cross-origin (the widget downloads it from the store's page); the token is the capability.
    expect(file.headers['access-control-allow-origin']).toBe('*');
    const fromStore = await t.app.inject({ method: 'GET', url: new URL(done.result.url).pathname, headers: { origin: 'https://some-store.example' } });
    expect(fromStore.statusCode).toBe(200);
    expect(fromStore.headers['access-control-allow-origin']).toBe('*');
    const meta = await sharp(file.rawPayload).metadata();
    expect([meta.width, meta.height]).toEqual([512, 512]);
  });

  it('answers a repeat from the cache with zero provider calls', async () => {
    const up = (await multipartUpload(ASTRONAUT)).json();
    const body = { person: up.id, garments: [{ image: shirt, category: 'tops' }] };
    const first = await waitFor((await post('/v1/tryons', body)).json().id);
    expect(first.status).toBe('succeeded');
    const attemptsBefore = await count('tryon_attempts');
    const again = await post('/v1/tryons', body);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ status: 'succeeded', cached: true });
    expect(again.json().result.url).toBeTruthy();
    expect(await count('tryon_attempts')).toBe(attemptsBefore);
  });

  it('routes to the requested provider (fal) and records its model and cost', async () => {
    const res = await post('/v1/tryons', { person: dataUrl(ASTRONAUT), garments: [{ image: shirt, category: 'tops' }], provider: 'fal' });
    const done = await waitFor(res.json().id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.provider).toBe('fal');
    expect(done.model).toBe('fal-ai/fashn/tryon/v1.6');
    expect(done.cost_usd).toBeCloseTo(0.075);
    expect(fal.calls('POST', /fashn\/tryon/).length).toBeGreaterThan(0);
  });

  it('dresses a top and a bottom together: chained on a one-garment provider, in one call on the local engine', async () => {
    const pants = dataUrl(await garmentPng('rgb(30,30,200)'));
    const outfit = { person: dataUrl(ASTRONAUT), garments: [{ image: shirt, category: 'tops' }, { image: pants, category: 'bottoms' }] };
    const viaFal = await waitFor((await post('/v1/tryons', { ...outfit, provider: 'fal' })).json().id);
    expect(viaFal.status).toBe('succeeded');
    expect(viaFal.attempts.map((a: { step: number }) => a.step)).toEqual([0, 1]);
    const local = await waitFor((await post('/v1/tryons', outfit)).json().id);
    expect(local.status).toBe('succeeded');
    expect(local.attempts.map((a: { step: number }) => a.step)).toEqual([0]);
  });
});

async function count(table: string) {
  return ((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
}

describe('status events', () => {
  it('a job whose photos are all in the input cache goes straight to `generating`; one that reads them from storage says `preparing` first', async () => {
    const person = (await post('/v1/uploads', { data_url: dataUrl(ASTRONAUT) })).json().id as string;
    const garment = (await post('/v1/uploads', { data_url: dataUrl(await garmentPng('rgb(9,99,199)')), kind: 'garment' })).json().id as string;
    // Watch what the pipeline publishes (the real bus, passed through).
    const seen: { id: string; status: string; stage?: string }[] = [];
    const bus = t.deps.pubsub;
    const publish = bus.publish.bind(bus);
    bus.publish = async (channel, message) => {
      if (channel.startsWith('tryon.')) seen.push(JSON.parse(message) as never);
      return publish(channel, message);
    };
    try {
      const stagesOf = async (mode: string) => {
        const res = await post('/v1/tryons', { person, garments: [{ image: garment, category: 'tops' }], mode });
        expect(res.statusCode, res.body).toBe(202);
        const id = res.json().id as string;
        expect((await waitFor(id)).status).toBe('succeeded');
        // The pipeline's own stages (the provider's progress, `provider_*`, comes after).
        return seen.filter((e) => e.id === id && e.status === 'processing' && !e.stage?.startsWith('provider_')).map((e) => e.stage);
      };
      expect(await stagesOf('fast')).toEqual(['preparing', 'generating']);
      // The same photos again (another mode, so not a result-cache hit), now in the worker's input cache.
      expect(await stagesOf('quality')).toEqual(['generating']);
    } finally {
      bus.publish = publish;
    }
  });
});

describe('retention and erasure', () => {
  it('the purge removes photos and results past the tenant’s retention', async () => {
    const up = (await multipartUpload(ASTRONAUT)).json();
    const done = await waitFor((await post('/v1/tryons', { person: up.id, garments: [{ image: dataUrl(await garmentPng('rgb(10,200,10)')), category: 'tops' }] })).json().id);
    expect(done.status).toBe('succeeded');
    const resultPath = new URL(done.result.url).pathname;
    const keys = ((await t.deps.db.execute(sql`select blob_key from uploads where id = ${up.id}`)) as unknown as { rows: { blob_key: string }[] }).rows;
    const photoKey = keys[0]!.blob_key;
    expect(await t.deps.blobs.get(photoKey)).toBeDefined();
    t.clock.advance(25 * 3600 * 1000); // retention 24 h (the default)
    const purged = await runMaintenance(t.deps, { purgeTryons: () => t.modules.tryon.purgeExpired() });
    expect(purged.uploads).toBeGreaterThan(0);
    expect(purged.results).toBeGreaterThan(0);
    expect(await t.deps.blobs.get(photoKey)).toBeUndefined();
    const after = (await get(`/v1/tryons/${done.id}`)).json();
    expect(after.status).toBe('expired');
    expect(after.result).toBeNull();
    problem(await t.app.inject({ method: 'GET', url: resultPath }), 404, 'FILE_NOT_FOUND');
    problem(await get(`/v1/uploads/${up.id}`), 410, 'UPLOAD_GONE');
  });

  it('erasing a shopper removes their photos and results', async () => {
    const up = (await post('/v1/uploads', { data_url: dataUrl(ASTRONAUT), shopper_id: 'erase-me' })).json();
    const done = await waitFor((await post('/v1/tryons', { person: up.id, garments: [{ image: dataUrl(await garmentPng('rgb(200,200,10)')), category: 'tops' }], shopper_id: 'erase-me' })).json().id);
    expect(done.status).toBe('succeeded');
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/shoppers/erase-me', headers: auth() });
    expect(res.json()).toMatchObject({ uploads_erased: 2, tryons_erased: 1 }); // photo + garment image, one try-on
    expect((await get(`/v1/tryons/${done.id}`)).json().result).toBeNull();
    problem(await t.app.inject({ method: 'GET', url: new URL(done.result.url).pathname }), 404, 'FILE_NOT_FOUND');
  });

  it('deleting an upload erases the results made from it', async () => {
    const up = (await post('/v1/uploads', { data_url: dataUrl(ASTRONAUT) })).json();
    const done = await waitFor((await post('/v1/tryons', { person: up.id, garments: [{ image: dataUrl(await garmentPng('rgb(90,20,160)')), category: 'tops' }] })).json().id);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/uploads/${up.id}`, headers: auth() })).statusCode).toBe(204);
    expect((await get(`/v1/tryons/${done.id}`)).json().result).toBeNull();
    problem(await post('/v1/tryons', { person: up.id, garments: [{ image: shirt }] }), 410, 'UPLOAD_GONE');
  });
});

describe('errors', () => {
  it('refuses URLs that point inside the network (SSRF) and non-http schemes', async () => {
    for (const url of [
      'http://127.0.0.1:1/x.png',
      'http://10.0.0.1/x.png',
      'http://169.254.169.254/latest/meta-data/',
      'http://localhost/x.png',
      'http://[::1]/x.png',
      'http://2130706433/x.png',
      'file:///etc/passwd',
      'ftp://example.com/x.png',
      'gopher://example.com/x',
    ]) {
      problem(await post('/v1/uploads', { url }), 400, 'URL_NOT_ALLOWED');
      problem(await post('/v1/tryons', { person: url, garments: [{ image: shirt }] }), 400, 'URL_NOT_ALLOWED');
    }
  });

  it('refuses a redirect from an allowed host to a private address', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const t2 = await createTestApp({ env: { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${port}` }, build: { tryon: { providers: [createLocalProvider()] } } });
    try {
      const res = await t2.app.inject({ method: 'POST', url: '/v1/uploads', headers: bearer(t2.tenantA.secretKey), payload: { url: `http://127.0.0.1:${port}/photo.png` } });
      problem(res, 400, 'URL_NOT_ALLOWED');
    } finally {
      await t2.close();
      server.close();
    }
  });

  it('refuses hostile and broken images with a 4xx, and stores nothing', async () => {
    const before = await count('uploads');
    const bomb = await sharp({ create: { width: 10000, height: 10000, channels: 3, background: '#fff' } }).png({ compressionLevel: 9 }).toBuffer();
    problem(await multipartUpload(bomb), 413, 'IMAGE_TOO_MANY_PIXELS');
    const jpeg = await sharp(ASTRONAUT).jpeg().toBuffer();
    problem(await multipartUpload(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'cut.jpg', 'image/jpeg'), 422, 'IMAGE_UNREADABLE');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    problem(await multipartUpload(svg, 'x.svg', 'image/svg+xml'), 415, 'UNSUPPORTED_IMAGE_TYPE');
    problem(await multipartUpload(Buffer.from('just some text, not a picture'), 'photo.jpg', 'image/jpeg'), 415, 'UNSUPPORTED_IMAGE_TYPE');
    problem(await post('/v1/uploads', { data_url: 'data:image/png;base64,@@@' }), 400, 'INVALID_DATA_URL');
    problem(await post('/v1/uploads', {}), 400, 'VALIDATION_FAILED');
    problem(await post('/v1/tryons', { person: dataUrl(ASTRONAUT), garments: [] }), 400, 'VALIDATION_FAILED');
    problem(await post('/v1/tryons', { person: dataUrl(ASTRONAUT), garments: [{ image: shirt }, { image: shirt }, { image: shirt }, { image: shirt }] }), 400, 'VALIDATION_FAILED');
    expect(await count('uploads')).toBe(before);
  });

  it('the monthly quota stops new generations (cache hits still answer)', async () => {
    const tn = await t.modules.tenants.tenants.createTenant({ name: 'Tiny quota', limits: { monthly_generations: 1 } });
    const k = await t.modules.tenants.tenants.createKey(tn.id, {});
    const body = { person: dataUrl(ASTRONAUT), garments: [{ image: shirt, category: 'tops' }] };
    const first = await post('/v1/tryons', body, bearer(k.key));
    expect(first.statusCode).toBe(202);
    const res = await post('/v1/tryons', { ...body, mode: 'quality' }, bearer(k.key));
    const p = problem(res, 429, 'QUOTA_EXCEEDED');
    expect(p.detail).toContain('1 generations');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // The quota is read from the tenant the try-on module keeps in memory: an operator's change
    // reaches it at once (the cache is dropped on every tenant update).
    const raised = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${tn.id}`, headers: t.operatorAuth, payload: { limits: { monthly_generations: 2 } } });
    expect(raised.statusCode).toBe(200);
    // (With Redis the drop travels over pub/sub: allow it a moment.)
    let status = 0;
    for (const end = Date.now() + 3000; status !== 202 && Date.now() < end; ) {
      status = (await post('/v1/tryons', { ...body, mode: 'fast' }, bearer(k.key))).statusCode;
      if (status !== 202) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(202);
    problem(await post('/v1/tryons', { ...body, mode: 'quality' }, bearer(k.key)), 429, 'QUOTA_EXCEEDED');
  });
});

describe('security', () => {
  it('tenant B gets 404 on tenant A’s try-ons and uploads', async () => {
    const up = (await post('/v1/uploads', { data_url: dataUrl(ASTRONAUT) })).json();
    const tr = (await post('/v1/tryons', { person: up.id, garments: [{ image: shirt }] })).json();
    const b = bearer(t.tenantB.secretKey);
    problem(await get(`/v1/tryons/${tr.id}`, b), 404, 'TRYON_NOT_FOUND');
    problem(await get(`/v1/tryons/${tr.id}/events`, b), 404, 'TRYON_NOT_FOUND');
    problem(await post(`/v1/tryons/${tr.id}/cancel`, {}, b), 404, 'TRYON_NOT_FOUND');
    problem(await get(`/v1/uploads/${up.id}`, b), 404, 'UPLOAD_NOT_FOUND');
    problem(await t.app.inject({ method: 'DELETE', url: `/v1/uploads/${up.id}`, headers: b }), 404, 'UPLOAD_NOT_FOUND');
    problem(await post('/v1/tryons', { person: up.id, garments: [{ image: shirt }] }, b), 404, 'UPLOAD_NOT_FOUND');
    expect((await get('/v1/tryons', b)).json().data.map((x: { id: string }) => x.id)).not.toContain(tr.id);
  });

  it('a publishable key works only within its widget session', async () => {
    const origin = t.tenantA.origin;
    const session = (s: string) => ({ ...bearer(t.tenantA.publishableKey), origin, 'probador-session': s });
    const mine = session('session-one-aaaaaaaaaaaa');
    const res = await post('/v1/tryons', { person: dataUrl(ASTRONAUT), garments: [{ image: shirt }] }, mine);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    const id = res.json().id;
    expect((await get(`/v1/tryons/${id}`, mine)).statusCode).toBe(200);
    problem(await get(`/v1/tryons/${id}`, session('session-two-bbbbbbbbbbbb')), 404, 'TRYON_NOT_FOUND');
    problem(await post('/v1/tryons', { person: dataUrl(ASTRONAUT), garments: [{ image: shirt }] }, { ...bearer(t.tenantA.publishableKey), origin }), 400, 'VALIDATION_FAILED');
    problem(await post('/v1/tryons', { person: dataUrl(ASTRONAUT), garments: [{ image: shirt }] }, { ...session('session-one-aaaaaaaaaaaa'), origin: 'https://evil.example' }), 403, 'ORIGIN_NOT_ALLOWED');
    // The server key sees every try-on of the tenant.
    expect((await get(`/v1/tryons/${id}`)).statusCode).toBe(200);
  });

  it('a signed file link cannot be forged or reused after it expires', async () => {
    const done = await waitFor((await post('/v1/tryons', { person: dataUrl(ASTRONAUT), garments: [{ image: dataUrl(await garmentPng('rgb(1,2,3)')) }] })).json().id);
    const path = new URL(done.result.url).pathname;
    const forged = path.slice(0, -3) + (path.endsWith('AAA') ? 'BBB' : 'AAA');
    problem(await t.app.inject({ method: 'GET', url: forged }), 404, 'FILE_NOT_FOUND');
    t.clock.advance(16 * 60 * 1000);
    problem(await t.app.inject({ method: 'GET', url: path }), 404, 'FILE_NOT_FOUND');
  });
});
