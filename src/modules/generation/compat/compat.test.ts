/**
 * The older Tryon Backend's API as one of its clients calls it — only the base URL changed: its
 * `x-client-key` header, its request fields, its `{success, data, error, timestamp}` envelope
 * (errors too), the 200 (ready within the wait) and 202 (poll GET /generate/:id) paths, its
 * per-client figures, and the operator's view. Prometheus `/metrics` is unchanged without the header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, type TestApp } from '../../../../test/harness.js';
import type { FakeGemini } from '../../../../test/fakes/gemini.js';
import type { FakeFal } from '../../../../test/fakes/fal.js';
import { garmentPng } from '../../../../test/fakes/images.js';
import { dataUrl } from '../../../../test/tryon-helpers.js';
import { createGenerationTestApp } from '../../../../test/generation-helpers.js';

let t: TestApp;
let gemini: FakeGemini;
let fal: FakeFal;
let close: () => Promise<void>;

beforeAll(async () => {
  // A short wait, so the 202 path is reachable with a slow (queued) provider.
  ({ t, gemini, fal, close } = await createGenerationTestApp({ PROBADOR_GENERATION_COMPAT_WAIT_MS: '2000' }));
});
afterAll(async () => close?.());

const client = (key = t.tenantA.secretKey) => ({ 'x-client-key': key });
const generate = (payload: unknown, headers: Record<string, string> = client()) => t.app.inject({ method: 'POST', url: '/generate', headers, payload: payload as object });
const get = (url: string, headers: Record<string, string> = client()) => t.app.inject({ method: 'GET', url, headers });
let n = 0;
const prompt = (text = 'A pair of white sneakers on a pastel background') => `${text} (${++n})`;

/** An envelope: the four members, `success` as expected, a timestamp; returns `data`. */
function envelope(res: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number, success: boolean) {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toContain('application/json');
  const body = JSON.parse(res.body) as { success: boolean; data: Record<string, unknown> | null; error: string | null; timestamp: string; code?: string };
  expect(body.success).toBe(success);
  expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  if (success) expect(body.error).toBeNull();
  else expect(typeof body.error).toBe('string');
  return body;
}

describe('POST /generate', () => {
  it('waits for the image and answers 200 with the record: service banana → Gemini, model nano-banana-pro, width and height', async () => {
    const shirt = dataUrl(await garmentPng());
    const res = await generate({ prompt: prompt(), service: 'banana', model: 'nano-banana-pro', width: 1024, height: 768, referenceImages: [shirt], clientRef: 'ignored' });
    const { data } = envelope(res, 200, true);
    expect(data).toMatchObject({
      clientId: t.tenantA.id,
      service: 'banana',
      provider: 'gemini',
      model: 'gemini-3-pro-image-preview',
      width: 1024,
      height: 768,
      status: 'success',
      error: null,
      cached: false,
    });
    expect(String(data!.id)).toMatch(/^gen_/);
    expect(typeof data!.durationMs).toBe('number');
    const image = await t.app.inject({ method: 'GET', url: new URL(String(data!.imageUrl)).pathname });
    expect(image.statusCode).toBe(200);
    expect(image.rawPayload.equals(gemini.outputImage)).toBe(true);
    // What Gemini got: the prompt, the reference inline, Nano Banana Pro's aspect ratio and size.
    const sent = gemini.calls('POST', '/v1beta/models/gemini-3-pro-image-preview:generateContent').at(-1)!.body as { contents: { parts: unknown[] }[]; generationConfig: unknown };
    expect(sent.contents[0]!.parts).toHaveLength(2);
    expect(sent.generationConfig).toMatchObject({ imageConfig: { aspectRatio: '4:3', imageSize: '1K' } });
    // The same record by id.
    expect(envelope(await get(`/generate/${String(data!.id)}`), 200, true).data).toMatchObject({ id: data!.id, status: 'success' });
  });

  it('service fal → fal; without service the configured order; the request is a real generation in /v1/generations too', async () => {
    const viaFal = envelope(await generate({ prompt: prompt(), service: 'fal', width: 512, height: 512 }), 200, true).data!;
    expect(viaFal).toMatchObject({ provider: 'fal', service: 'fal', model: 'fal-ai/nano-banana', status: 'success' });
    const auto = envelope(await generate({ prompt: prompt() }), 200, true).data!;
    expect(auto).toMatchObject({ provider: 'gemini', width: 1024, height: 1024 });
    const v1 = await t.app.inject({ method: 'GET', url: `/v1/generations/${String(auto.id)}`, headers: bearer(t.tenantA.secretKey) });
    expect(v1.json()).toMatchObject({ id: auto.id, status: 'succeeded', provider: 'gemini' });
  });

  it('answers 202 with the id when the image takes longer than the wait; GET /generate/:id then shows it done', async () => {
    // fal reports a long queue (one position per 15 ms poll): longer than the 2 s wait.
    fal.scenario({ kind: 'queued', positions: Array.from({ length: 200 }, (_, i) => 200 - i) });
    const res = await generate({ prompt: prompt(), service: 'fal' });
    const { data } = envelope(res, 202, true);
    expect(['queued', 'processing']).toContain(data!.status);
    expect(data!.imageUrl).toBeNull();
    expect(res.headers.location).toBe(`/generate/${String(data!.id)}`);
    const end = Date.now() + 30_000;
    let polled = envelope(await get(`/generate/${String(data!.id)}`), 200, true).data!;
    while (polled.status !== 'success' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      polled = envelope(await get(`/generate/${String(data!.id)}`), 200, true).data!;
    }
    expect(polled).toMatchObject({ status: 'success', provider: 'fal' });
    expect(String(polled.imageUrl)).toContain('/v1/files/');
  });

  it('a refused prompt: 422 envelope with the failed record', async () => {
    gemini.scenario({ kind: 'provider_error', code: 'IMAGE_SAFETY' });
    const body = envelope(await generate({ prompt: prompt(), service: 'banana' }), 422, false);
    expect(body.code).toBe('CONTENT_REFUSED');
    expect(body.data).toMatchObject({ status: 'error', errorCode: 'CONTENT_REFUSED', imageUrl: null });
  });

  it.each([
    ['no prompt', { service: 'banana' }, 400],
    ['an empty prompt', { prompt: '' }, 400],
    ['a prompt that is a number list', { prompt: [1, 2] }, 400],
    ['a width that is text', { prompt: 'p', width: 'wide' }, 400],
    ['an absurd size', { prompt: 'p', width: 50000, height: 50000 }, 400],
    ['4 reference images', { prompt: 'p', images: ['upl_1', 'upl_2', 'upl_3', 'upl_4'] }, 400],
    ['reference images in two fields', { prompt: 'p', images: ['upl_1'], referenceImages: ['upl_2'] }, 400],
    ['an unknown service', { prompt: 'p', service: 'midjourney' }, 400],
    ['the video service', { prompt: 'p', service: 'veo3' }, 400],
    ['a try-on model', { prompt: 'p', model: 'fal-virtual-try-on' }, 400],
  ])('%s → %i envelope, success false', async (_name, payload, status) => {
    const body = envelope(await generate(payload), status, false);
    expect(body.data).toBeNull();
    expect(body.code).toBe('VALIDATION_FAILED');
  });

  it('no key → 401 envelope; a publishable key → 403 envelope; a wrong key → 401 envelope', async () => {
    expect(envelope(await generate({ prompt: 'p' }, {}), 401, false).code).toBe('UNAUTHENTICATED');
    expect(envelope(await generate({ prompt: 'p' }, { ...client(t.tenantA.publishableKey), origin: t.tenantA.origin }), 403, false).code).toBe('PUBLISHABLE_KEY_NOT_ALLOWED');
    expect(envelope(await generate({ prompt: 'p' }, client('sk_live_1111111111111111111111111111111X')), 401, false).code).toBe('INVALID_API_KEY');
  });

  it('GET /generate/:id: unknown and other client’s ids are 404 envelopes', async () => {
    const mine = envelope(await generate({ prompt: prompt() }), 200, true).data!;
    expect(envelope(await get('/generate/gen_nothing'), 404, false).code).toBe('GENERATION_NOT_FOUND');
    expect(envelope(await get(`/generate/${String(mine.id)}`, client(t.tenantB.secretKey)), 404, false).code).toBe('GENERATION_NOT_FOUND');
  });
});

describe('GET /metrics and /metrics/client/:id', () => {
  it('with x-client-key: the client’s own figures (its ClientMetrics shape and more)', async () => {
    const { data } = envelope(await get('/metrics'), 200, true);
    const figures = data as Record<string, unknown> & { generationsByModel: Record<string, number>; recentEvents: { id: string; status: string }[]; tryons: Record<string, unknown> };
    const v1 = (await t.app.inject({ method: 'GET', url: '/v1/generations?limit=100', headers: bearer(t.tenantA.secretKey) })).json().data as { id: string; status: string; model: string | null; requested_model: string | null }[];
    expect(figures).toMatchObject({ clientId: t.tenantA.id, clientName: 'Tenant A', totalGenerations: v1.length });
    expect(figures.successfulGenerations).toBe(v1.filter((g) => g.status === 'succeeded').length);
    expect(figures.failedGenerations).toBe(v1.filter((g) => g.status === 'failed').length);
    expect(figures.generationsByModel['gemini-3-pro-image-preview']).toBe(v1.filter((g) => (g.model ?? g.requested_model) === 'gemini-3-pro-image-preview').length);
    expect(figures.lastGeneration).toEqual(expect.any(String));
    expect(figures.recentEvents.map((e) => e.id)).toEqual(v1.slice(0, 50).map((g) => g.id));
    expect(typeof figures.p50DurationMs).toBe('number');
    // Try-on figures come from the analytics module (none made here).
    expect(figures.tryons).toMatchObject({ tryons: 0, succeeded: 0 });
  });

  it('without the header /metrics is still Prometheus', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/plain');
    expect(res.body).toContain('# TYPE');
    expect(() => JSON.parse(res.body)).toThrow();
  });

  it('/metrics/client/:id: a client sees its own id, another client’s id is a 404 envelope', async () => {
    expect(envelope(await get(`/metrics/client/${t.tenantA.id}`), 200, true).data).toMatchObject({ clientId: t.tenantA.id, clientName: 'Tenant A' });
    expect(envelope(await get(`/metrics/client/${t.tenantB.id}`), 404, false).code).toBe('TENANT_NOT_FOUND');
    expect(envelope(await get('/metrics/client/client_001'), 404, false).code).toBe('TENANT_NOT_FOUND');
    expect(envelope(await get(`/metrics/client/${t.tenantB.id}`, client(t.tenantB.secretKey)), 200, true).data).toMatchObject({ clientId: t.tenantB.id, totalGenerations: 0 });
  });

  it('an operator (Bearer JWT) sees any client; an unknown one is a 404 envelope; no credentials is 401', async () => {
    const a = envelope(await get(`/metrics/client/${t.tenantA.id}`, t.operatorAuth), 200, true).data as { totalGenerations: number };
    expect(a.totalGenerations).toBeGreaterThan(0);
    expect(envelope(await get(`/metrics/client/${t.tenantB.id}`, t.operatorAuth), 200, true).data).toMatchObject({ clientId: t.tenantB.id, clientName: 'Tenant B' });
    expect(envelope(await get('/metrics/client/ten_01NOSUCHTENANT0000000000000', t.operatorAuth), 404, false).code).toBe('TENANT_NOT_FOUND');
    expect(envelope(await get(`/metrics/client/${t.tenantA.id}`, {}), 401, false).code).toBe('UNAUTHENTICATED');
  });
});

describe('OpenAPI', () => {
  it('documents /v1/generations and the older paths; /metrics stays out of it', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/generations'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/v1/generations/{generation_id}/events']).toBeDefined();
    expect(doc.paths['/generate']?.post).toBeDefined();
    expect(doc.paths['/metrics/client/{id}']?.get).toBeDefined();
    expect(doc.paths['/metrics']).toBeUndefined();
  });
});
