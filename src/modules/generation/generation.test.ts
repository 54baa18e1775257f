/**
 * Image generation end to end on the real app: POST /v1/generations → job → provider router →
 * result link, with the Gemini and fal adapters talking to local fakes of their documented APIs.
 * Cache, fallback, no provider, tenant isolation, retention, SSE, webhooks, cancel, delete, quota,
 * and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { Webhook } from 'standardwebhooks';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import type { FakeGemini } from '../../../test/fakes/gemini.js';
import type { FakeFal } from '../../../test/fakes/fal.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { startReceiver, type Receiver } from '../../../test/fakes/webhook-receiver.js';
import { dataUrl } from '../../../test/tryon-helpers.js';
import { createGenerationTestApp, waitForGeneration } from '../../../test/generation-helpers.js';
import { runMaintenance } from '../../maintenance.js';

let t: TestApp;
let gemini: FakeGemini;
let fal: FakeFal;
let rx: Receiver;
let close: () => Promise<void>;
let shirt: string;

beforeAll(async () => {
  rx = await startReceiver();
  ({ t, gemini, fal, close } = await createGenerationTestApp({}, { webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [50, 50, 50], jitter: 0 } }));
  shirt = dataUrl(await garmentPng());
});
afterAll(async () => {
  await close?.();
  await rx?.close();
});

const auth = (key = t.tenantA.secretKey) => bearer(key);
const post = (url: string, payload: unknown, headers: Record<string, string> = auth()) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });
const get = (url: string, headers: Record<string, string> = auth()) => t.app.inject({ method: 'GET', url, headers });
const waitFor = (id: string, key?: string) => waitForGeneration(t, id, key ? { key } : {});
const count = async (table: string, where = 'true') =>
  ((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table} where ${where}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
let unique = 0;
/** A prompt not asked before (so no cache hit from another test). */
const prompt = (text = 'A red linen shirt on a wooden hanger, soft daylight') => `${text} #${++unique}`;

describe('happy', () => {
  it('generates from a prompt and a reference image: 202, then succeeded with a signed result link to the provider’s bytes', async () => {
    const res = await post('/v1/generations', { prompt: prompt(), reference_images: [shirt], size: { width: 1280, height: 720 }, metadata: { campaign: 'spring' } });
    expect(res.statusCode, res.body).toBe(202);
    const created = res.json();
    expect(created.id).toMatch(/^gen_/);
    expect(res.headers.location).toBe(`/v1/generations/${created.id}`);
    expect(created).toMatchObject({ object: 'generation', status: 'queued', size: { width: 1280, height: 720 }, aspect_ratio: '16:9', cached: false, result: null, metadata: { campaign: 'spring' } });
    expect(created.reference_images).toHaveLength(1);
    expect(created.reference_images[0].upload_id).toMatch(/^upl_/);

    const done = await waitFor(created.id);
    expect(done.status).toBe('succeeded');
    expect(done).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash-image', cost_usd: 0.039, error: null });
    expect(done.attempts).toEqual([expect.objectContaining({ provider: 'gemini', outcome: 'succeeded' })]);
    expect(done.result).toMatchObject({ content_type: 'image/png', width: 64, height: 48, bytes: gemini.outputImage.length });
    const file = await t.app.inject({ method: 'GET', url: new URL(done.result.url).pathname });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(gemini.outputImage)).toBe(true);

    // What Gemini was sent: the prompt as given, the stored (normalised) reference inline, the nearest shape.
    const call = gemini.calls('POST', '/v1beta/models/gemini-2.5-flash-image:generateContent').at(-1)!;
    const body = call.body as { contents: { parts: Record<string, { mimeType: string; data: string } | string>[] }[]; generationConfig: { imageConfig: unknown } };
    expect(body.contents[0]!.parts[0]).toEqual({ text: created.prompt });
    const inline = body.contents[0]!.parts[1]!.inlineData as { mimeType: string; data: string };
    expect((await sharp(Buffer.from(inline.data, 'base64')).metadata()).width).toBe(200);
    expect(body.generationConfig.imageConfig).toEqual({ aspectRatio: '16:9' });
  });

  it('answers the same request from the cache at once (no provider call), sharing the stored image; cache:false makes a new one', async () => {
    const req = { prompt: prompt('A straw hat on white'), aspect_ratio: '3:4' as const };
    const first = await waitFor((await post('/v1/generations', req)).json().id);
    expect(first.status).toBe('succeeded');
    const calls = gemini.requests.length;
    const again = await post('/v1/generations', req);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ status: 'succeeded', cached: true, provider: 'gemini', size: { width: 768, height: 1024 } });
    expect(again.json().id).not.toBe(first.id);
    expect(gemini.requests.length).toBe(calls);
    const file = await t.app.inject({ method: 'GET', url: new URL(again.json().result.url).pathname });
    expect(file.rawPayload.equals(gemini.outputImage)).toBe(true);
    const fresh = await post('/v1/generations', { ...req, cache: false });
    expect(fresh.json()).toMatchObject({ status: 'queued', cached: false });
    expect((await waitFor(fresh.json().id)).status).toBe('succeeded');
    expect(gemini.requests.length).toBe(calls + 1);
  });

  it('falls back to fal when Gemini fails, with both attempts on record', async () => {
    // Retries are 1 in this app: a failing call and its retry, then the next provider.
    gemini.scenario({ kind: 'server_error', status: 500 });
    gemini.scenario({ kind: 'server_error', status: 500 });
    const done = await waitFor((await post('/v1/generations', { prompt: prompt(), reference_images: [shirt] })).json().id);
    expect(done.status).toBe('succeeded');
    expect(done).toMatchObject({ provider: 'fal', model: 'fal-ai/nano-banana/edit' });
    expect(done.attempts.map((a: { provider: string; outcome: string; error_class: string | null }) => [a.provider, a.outcome, a.error_class])).toEqual([
      ['gemini', 'failed', 'server_error'],
      ['gemini', 'failed', 'server_error'],
      ['fal', 'succeeded', null],
    ]);
    const file = await t.app.inject({ method: 'GET', url: new URL(done.result.url).pathname });
    expect(file.rawPayload.equals(fal.outputImage)).toBe(true);
    const submit = fal.calls('POST', '/fal-ai/nano-banana/edit').at(-1)!.body as { image_urls: string[] };
    expect(submit.image_urls[0]).toMatch(/^data:image\/png;base64,/);
  });

  it('a named provider and model are used alone: fal flux/dev gets the exact size', async () => {
    const done = await waitFor((await post('/v1/generations', { prompt: prompt(), provider: 'fal', model: 'fal-ai/flux/dev', size: { width: 1024, height: 768 }, seed: 42 })).json().id);
    expect(done).toMatchObject({ status: 'succeeded', provider: 'fal', model: 'fal-ai/flux/dev', requested_provider: 'fal', requested_model: 'fal-ai/flux/dev', seed: 42 });
    expect(fal.calls('POST', '/fal-ai/flux/dev').at(-1)!.body).toMatchObject({ image_size: { width: 1024, height: 768 }, seed: 42 });
  });

  it('a content refusal fails the generation without trying the next provider, and gives the generation back to the quota', async () => {
    const used = async () =>
      ((await t.deps.db.execute(sql`select coalesce(sum(value), 0)::int as n from usage_counters where tenant_id = ${t.tenantA.id} and metric = 'generations'`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
    const before = await used();
    gemini.scenario({ kind: 'provider_error', code: 'IMAGE_SAFETY' });
    const submitsBefore = fal.requests.length;
    const done = await waitFor((await post('/v1/generations', { prompt: prompt() })).json().id);
    expect(done.status).toBe('failed');
    expect(done.error.code).toBe('CONTENT_REFUSED');
    expect(done.result).toBeNull();
    expect(fal.requests.length).toBe(submitsBefore);
    expect(await used()).toBe(before);
    // A successful one is counted.
    expect((await waitFor((await post('/v1/generations', { prompt: prompt() })).json().id)).status).toBe('succeeded');
    expect(await used()).toBe(before + 1);
  });

  it('lists generations newest first with a cursor', async () => {
    const page1 = (await get('/v1/generations?limit=2')).json();
    expect(page1.object).toBe('list');
    expect(page1.data).toHaveLength(2);
    expect(page1.has_more).toBe(true);
    const page2 = (await get(`/v1/generations?limit=2&starting_after=${page1.data[1].id}`)).json();
    expect(page2.data[0].id < page1.data[1].id).toBe(true);
    const failed = (await get('/v1/generations?status=failed')).json();
    expect(failed.data.every((g: { status: string }) => g.status === 'failed')).toBe(true);
  });

  it('Idempotency-Key replays the first answer', async () => {
    const headers = { ...auth(), 'idempotency-key': `gen-${unique}` };
    const body = { prompt: prompt() };
    const a = await post('/v1/generations', body, headers);
    const b = await post('/v1/generations', body, headers);
    expect(b.statusCode).toBe(202);
    expect(b.json().id).toBe(a.json().id);
  });
});

describe('events and webhooks', () => {
  it('streams the status sequence over SSE, ending with the whole generation', async () => {
    fal.scenario({ kind: 'queued', positions: [5, 4, 3, 2, 1] });
    const id = (await post('/v1/generations', { prompt: prompt(), provider: 'fal' })).json().id as string;
    const res = await get(`/v1/generations/${id}/events`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = res.body
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => ({ event: /event: (\w+)/.exec(b)![1], data: JSON.parse(/data: (.*)/.exec(b)![1]!) }));
    const statuses = events.filter((e) => e.event === 'status').map((e) => e.data.status);
    expect(statuses).toContain('processing');
    expect(statuses.at(-1)).toBe('succeeded');
    // The stream may open after the first positions were published: what it saw is the end of the countdown.
    const positions = events.filter((e) => e.data.stage === 'provider_queued').map((e) => e.data.queue_position);
    expect(positions.length).toBeGreaterThanOrEqual(2);
    expect(positions).toEqual([5, 4, 3, 2, 1].slice(5 - positions.length));
    const final = events.at(-1)!;
    expect(final.event).toBe('generation');
    expect(final.data).toMatchObject({ id, status: 'succeeded', provider: 'fal' });
    expect(final.data.result.url).toContain('/v1/files/');
  });

  it('generation.succeeded reaches the store’s endpoint, signed; tenant B’s endpoint hears nothing', async () => {
    const create = async (key: string, path: string) => {
      const res = await post('/v1/webhook-endpoints', { url: rx.url(path), event_types: ['generation.succeeded', 'generation.failed'] }, auth(key));
      expect(res.statusCode, res.body).toBe(201);
      return res.json().secret as string;
    };
    const secretA = await create(t.tenantA.secretKey, '/gen-a');
    await create(t.tenantB.secretKey, '/gen-b');
    const id = (await post('/v1/generations', { prompt: prompt(), metadata: { order: '7' } })).json().id as string;
    const end = Date.now() + 20_000;
    while (!rx.at('/gen-a').some((d) => d.body.includes(id)) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const delivery = rx.at('/gen-a').find((d) => d.body.includes(id));
    expect(delivery).toBeDefined();
    const verified = new Webhook(secretA).verify(delivery!.body, {
      'webhook-id': String(delivery!.headers['webhook-id']),
      'webhook-timestamp': String(delivery!.headers['webhook-timestamp']),
      'webhook-signature': String(delivery!.headers['webhook-signature']),
    }) as { type: string; data: { id: string; provider: string; metadata: Record<string, string> } };
    expect(verified.type).toBe('generation.succeeded');
    expect(verified.data).toMatchObject({ id, provider: 'gemini', metadata: { order: '7' } });
    expect(rx.at('/gen-b')).toHaveLength(0);
  });
});

describe('cancel and delete', () => {
  it('cancels a running generation: canceled, the fal request canceled upstream, a second cancel is 409', async () => {
    fal.scenario({ kind: 'slow' });
    // The fake is shared by the file's tests: wait for a status poll of this request (the upstream
    // request exists, so leaving now must cancel it), not for any poll ever made.
    const polls = fal.calls('GET', /\/status$/).length;
    const id = (await post('/v1/generations', { prompt: prompt(), provider: 'fal' })).json().id as string;
    const end = Date.now() + 10_000;
    while (fal.calls('GET', /\/status$/).length === polls && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await waitForGeneration(t, id, { until: (s) => s === 'processing', ms: 5_000 });
    const cancels = fal.calls('PUT', /\/cancel$/).length;
    const res = await post(`/v1/generations/${id}/cancel`, undefined);
    expect(res.statusCode, res.body).toBe(200);
    expect((await waitFor(id)).status).toBe('canceled');
    const until = Date.now() + 5_000;
    while (fal.calls('PUT', /\/cancel$/).length === cancels && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(fal.calls('PUT', /\/cancel$/).length).toBeGreaterThan(cancels);
    problem(await post(`/v1/generations/${id}/cancel`, undefined), 409, 'GENERATION_NOT_CANCELABLE');
  });

  it('DELETE erases the result, the reference image stored for it and the record', async () => {
    const done = await waitFor((await post('/v1/generations', { prompt: prompt(), reference_images: [shirt], cache: false })).json().id);
    const uploadId = done.reference_images[0].upload_id as string;
    const path = new URL(done.result.url).pathname;
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/generations/${done.id}`, headers: auth() })).statusCode).toBe(204);
    problem(await get(`/v1/generations/${done.id}`), 404, 'GENERATION_NOT_FOUND');
    expect((await t.app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
    problem(await get(`/v1/uploads/${uploadId}`), 410, 'UPLOAD_GONE');
    expect(await count('generation_attempts', `generation_id = '${done.id}'`)).toBe(0);
  });
});

describe('retention', () => {
  it('the purge removes results past the tenant’s retention: expired, no link, no cache entry', async () => {
    const req = { prompt: prompt('A wool scarf, knitted') };
    const done = await waitFor((await post('/v1/generations', req)).json().id);
    const path = new URL(done.result.url).pathname;
    t.clock.advance(25 * 3600 * 1000); // retention 24 h (the default)
    const purged = await runMaintenance(t.deps, { purgeGenerations: () => t.modules.generation.purgeExpired() });
    expect(purged.generations).toBeGreaterThanOrEqual(1);
    const after = (await get(`/v1/generations/${done.id}`)).json();
    expect(after.status).toBe('expired');
    expect(after.result).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
    expect(await count('generation_cache', `generation_id = '${done.id}'`)).toBe(0);
    // The same request again is generated anew, not answered from a deleted image.
    expect((await post('/v1/generations', req)).json()).toMatchObject({ status: 'queued', cached: false });
  });

  it('a process-only tenant: no cache, the reference image erased once the result exists, the result kept 10 minutes', async () => {
    const patch = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantB.id}`, headers: t.operatorAuth, payload: { retention: 'process-only' } });
    expect(patch.statusCode, patch.body).toBe(200);
    const key = t.tenantB.secretKey;
    const done = await waitFor((await post('/v1/generations', { prompt: prompt(), reference_images: [shirt] }, auth(key))).json().id, key);
    expect(done.status).toBe('succeeded');
    expect(new Date(done.expires_at).getTime() - new Date(done.finished_at).getTime()).toBe(10 * 60 * 1000);
    problem(await get(`/v1/uploads/${done.reference_images[0].upload_id}`, auth(key)), 410, 'UPLOAD_GONE');
    expect(await count('generation_cache', `tenant_id = '${t.tenantB.id}'`)).toBe(0);
  });
});

describe('errors', () => {
  it('tenant B cannot see, cancel, stream or delete tenant A’s generation (404), nor list it', async () => {
    const id = (await post('/v1/generations', { prompt: prompt() })).json().id as string;
    await waitFor(id);
    const b = auth(t.tenantB.secretKey);
    problem(await get(`/v1/generations/${id}`, b), 404, 'GENERATION_NOT_FOUND');
    problem(await post(`/v1/generations/${id}/cancel`, undefined, b), 404, 'GENERATION_NOT_FOUND');
    problem(await get(`/v1/generations/${id}/events`, b), 404, 'GENERATION_NOT_FOUND');
    problem(await t.app.inject({ method: 'DELETE', url: `/v1/generations/${id}`, headers: b }), 404, 'GENERATION_NOT_FOUND');
    expect((await get('/v1/generations?limit=100', b)).json().data.some((g: { id: string }) => g.id === id)).toBe(false);
    expect((await get(`/v1/generations/${id}`)).statusCode).toBe(200);
  });

  it('a publishable key is refused (403), no key is 401', async () => {
    problem(await post('/v1/generations', { prompt: 'x' }, { ...auth(t.tenantA.publishableKey), origin: t.tenantA.origin }), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
    problem(await t.app.inject({ method: 'POST', url: '/v1/generations', payload: { prompt: 'x' } }), 401, 'UNAUTHENTICATED');
  });

  it.each([
    ['an empty prompt', { prompt: '' }],
    ['a prompt of spaces', { prompt: '    ' }],
    ['a prompt over 4000 characters', { prompt: 'a'.repeat(4001) }],
    ['no prompt', { reference_images: ['upl_x'] }],
    ['4 reference images', { prompt: 'p', reference_images: ['upl_1', 'upl_2', 'upl_3', 'upl_4'] }],
    ['an absurd size', { prompt: 'p', size: { width: 100000, height: 100000 } }],
    ['a tiny size', { prompt: 'p', size: { width: 16, height: 16 } }],
    ['a too elongated size', { prompt: 'p', size: { width: 4000, height: 1000 } }],
    ['size and aspect_ratio together', { prompt: 'p', size: { width: 1024, height: 1024 }, aspect_ratio: '1:1' }],
    ['an unknown aspect ratio', { prompt: 'p', aspect_ratio: '7:3' }],
    ['a prompt that is an object', { prompt: { text: 'p' } }],
    ['a size that is a string', { prompt: 'p', size: '1024x1024' }],
    ['reference images that are an object', { prompt: 'p', reference_images: { a: 1 } }],
    ['a seed that is a list', { prompt: 'p', seed: [1, 2] }],
    ['an unknown provider', { prompt: 'p', provider: 'openai' }],
    ['an unknown field', { prompt: 'p', style: 'anime' }],
    ['a model of no provider', { prompt: 'p', model: 'dall-e-3' }],
    ['a model of another provider', { prompt: 'p', provider: 'fal', model: 'gemini-2.5-flash-image' }],
    ['too many references for the model', { prompt: 'p', model: 'fal-ai/flux/dev', reference_images: [shirt, shirt] }],
    ['a reference that is not an image reference', { prompt: 'p', reference_images: ['just some text'] }],
  ])('%s → 400, nothing stored', async (_name, body) => {
    const before = await count('generations');
    const uploads = await count('uploads');
    problem(await post('/v1/generations', body), 400, 'VALIDATION_FAILED');
    expect(await count('generations')).toBe(before);
    expect(await count('uploads')).toBe(uploads);
  });

  it('an unknown reference upload id is 404; a quota used up is 429', async () => {
    problem(await post('/v1/generations', { prompt: 'p', reference_images: ['upl_NOTHINGHERE'] }), 404, 'UPLOAD_NOT_FOUND');
    const patch = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantA.id}`, headers: t.operatorAuth, payload: { limits: { monthly_generations: 0 } } });
    expect(patch.statusCode, patch.body).toBe(200);
    try {
      const res = await post('/v1/generations', { prompt: prompt(), cache: false });
      problem(res, 429, 'QUOTA_EXCEEDED');
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantA.id}`, headers: t.operatorAuth, payload: { limits: { monthly_generations: null } } });
    }
  });
});

describe('without providers', () => {
  it('no provider key: 503 naming GEMINI_API_KEY and FAL_KEY, before anything is stored or counted; never an image', async () => {
    const bare = await createTestApp();
    try {
      const uploads = async () => ((await bare.deps.db.execute(sql`select count(*)::int as n from uploads`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
      const res = await bare.app.inject({ method: 'POST', url: '/v1/generations', headers: bearer(bare.tenantA.secretKey), payload: { prompt: 'A hat', reference_images: [shirt] } });
      const p = problem(res, 503, 'GENERATION_PROVIDER_NOT_CONFIGURED');
      expect(p.detail).toContain('GEMINI_API_KEY');
      expect(p.detail).toContain('FAL_KEY');
      expect(await uploads()).toBe(0);
      expect(((await bare.deps.db.execute(sql`select count(*)::int as n from generations`)) as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
      expect(((await bare.deps.db.execute(sql`select count(*)::int as n from usage_counters`)) as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
      // The older API says the same, in its envelope.
      const old = await bare.app.inject({ method: 'POST', url: '/generate', headers: { 'x-client-key': bare.tenantA.secretKey }, payload: { prompt: 'A hat' } });
      expect(old.statusCode).toBe(503);
      expect(old.json()).toMatchObject({ success: false, data: null, code: 'GENERATION_PROVIDER_NOT_CONFIGURED' });
      expect(old.json().error).toContain('GEMINI_API_KEY');
    } finally {
      await bare.close();
    }
  });

  it('only GEMINI_API_KEY set (adapters built from the config): asking for fal is 422 naming FAL_KEY; Gemini works', async () => {
    const only = await createTestApp({ env: { GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url } });
    try {
      const p = problem(await only.app.inject({ method: 'POST', url: '/v1/generations', headers: bearer(only.tenantA.secretKey), payload: { prompt: 'A hat', provider: 'fal' } }), 422, 'PROVIDER_NOT_CONFIGURED');
      expect(p.detail).toContain('FAL_KEY');
      problem(await only.app.inject({ method: 'POST', url: '/v1/generations', headers: bearer(only.tenantA.secretKey), payload: { prompt: 'A hat', model: 'fal-ai/flux/dev' } }), 422, 'PROVIDER_NOT_CONFIGURED');
      const res = await only.app.inject({ method: 'POST', url: '/v1/generations', headers: bearer(only.tenantA.secretKey), payload: { prompt: `A hat ${Date.now()}` } });
      expect(res.statusCode, res.body).toBe(202);
      expect((await waitForGeneration(only, res.json().id)).status).toBe('succeeded');
    } finally {
      await only.close();
    }
  });
});

describe('breakers', () => {
  it('are per provider name within each router: fal failing at generations is open there, and still makes try-ons', async () => {
    const { startFakeFal } = await import('../../../test/fakes/fal.js');
    const { createFalProvider } = await import('../tryon/providers/fal.js');
    const { createFalGenerationProvider } = await import('./providers/fal.js');
    const { ASTRONAUT, waitForTryon } = await import('../../../test/tryon-helpers.js');
    const fake = await startFakeFal();
    const app = await createTestApp({
      env: { PROBADOR_PROVIDER_RETRIES: '4', PROBADOR_LATENCY_BUDGET_MS: '0', PROBADOR_PROVIDER_ORDER: 'fal' },
      build: {
        tryon: { providers: [createFalProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 10 })] },
        generation: { providers: [createFalGenerationProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 10 })] },
      },
    });
    try {
      // One generation, five failing calls in its job (four retries): five consecutive faults open the breaker.
      // (The job's own retry is delayed on the test's clock, which stands still: the generation stays unfinished.)
      for (let i = 0; i < 5; i++) fake.scenario({ kind: 'server_error', status: 503 });
      const post = (prompt: string) => app.app.inject({ method: 'POST', url: '/v1/generations', headers: bearer(app.tenantA.secretKey), payload: { prompt } });
      expect((await post('A belt')).statusCode).toBe(202);
      const end = Date.now() + 20_000;
      while (app.modules.generation.router.breakerState('fal') !== 'open' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(app.modules.generation.router.breakerState('fal')).toBe('open');
      expect(fake.calls('POST', '/fal-ai/nano-banana')).toHaveLength(5);
      // The next generation skips fal: its circuit is open.
      const id = (await post('A belt, again')).json().id as string;
      let skipped = (await app.app.inject({ method: 'GET', url: `/v1/generations/${id}`, headers: bearer(app.tenantA.secretKey) })).json();
      for (const stop = Date.now() + 10_000; skipped.attempts.length === 0 && Date.now() < stop; ) {
        await new Promise((r) => setTimeout(r, 50));
        skipped = (await app.app.inject({ method: 'GET', url: `/v1/generations/${id}`, headers: bearer(app.tenantA.secretKey) })).json();
      }
      expect(skipped.attempts[0]).toMatchObject({ provider: 'fal', outcome: 'skipped', error_class: 'circuit_open' });
      expect(fake.calls('POST', '/fal-ai/nano-banana')).toHaveLength(5);
      // The try-on router's fal breaker never saw those faults.
      const tryon = await app.app.inject({ method: 'POST', url: '/v1/tryons', headers: bearer(app.tenantA.secretKey), payload: { person: dataUrl(ASTRONAUT), garments: [{ image: shirt, category: 'tops' }] } });
      expect(tryon.statusCode, tryon.body).toBe(202);
      const done = await waitForTryon(app, tryon.json().id);
      expect(done).toMatchObject({ status: 'succeeded', provider: 'fal' });
      expect(app.modules.tryon.router.breakerState('fal')).toBe('closed');
    } finally {
      await app.close();
      await fake.close();
    }
  });
});
