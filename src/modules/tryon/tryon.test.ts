/**
 * The try-on pipeline end to end on the real app: intake → job → provider router → result,
 * with the offline `local` provider and, for routing behaviour, real adapters against fake
 * provider servers (fal, FASHN) on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { startFakeFal, type FakeFal } from '../../../test/fakes/fal.js';
import { startFakeFashn, type FakeFashn } from '../../../test/fakes/fashn.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { createFalProvider } from './providers/fal.js';
import { createFashnProvider } from './providers/fashn.js';
import { createLocalProvider } from './providers/local.js';
import { runMaintenance } from '../../maintenance.js';

const ASTRONAUT = readFileSync(new URL('../../../../shared/fixtures/astronaut.png', import.meta.url));
const dataUrl = (b: Buffer, type = 'image/png') => `data:${type};base64,${b.toString('base64')}`;

let t: TestApp;
let fal: FakeFal;
let fashn: FakeFashn;
let shirt: string;

beforeAll(async () => {
  fal = await startFakeFal();
  fashn = await startFakeFashn();
  t = await createTestApp({
    env: { PROBADOR_LATENCY_BUDGET_MS: '0', PROBADOR_PROVIDER_RETRIES: '1', PROBADOR_PROVIDER_ORDER: 'local' },
    build: {
      tryon: {
        providers: [
          createFalProvider({ apiKey: fal.apiKey, baseUrl: fal.url, pollIntervalMs: 20 }),
          createFashnProvider({ apiKey: fashn.apiKey, baseUrl: fashn.url, pollIntervalMs: 20 }),
          createLocalProvider(),
        ],
      },
    },
  });
  shirt = dataUrl(await garmentPng());
});
afterAll(async () => {
  await t?.close();
  await fal?.close();
  await fashn?.close();
});

const auth = () => bearer(t.tenantA.secretKey);
const post = (url: string, payload: unknown, headers: Record<string, string> = auth()) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });
const get = (url: string, headers: Record<string, string> = auth()) => t.app.inject({ method: 'GET', url, headers });

async function waitFor(id: string, done = (s: string) => ['succeeded', 'failed', 'canceled'].includes(s), ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const res = await get(`/v1/tryons/${id}`);
    const body = res.json();
    if (done(body.status) || Date.now() > end) return body;
    await new Promise((r) => setTimeout(r, 30));
  }
}

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
