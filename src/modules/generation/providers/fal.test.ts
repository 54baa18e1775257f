/** The fal generation adapter against a fake of fal's documented queue API and model inputs. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFalGenerationProvider, falFamilyOf } from './fal.js';
import type { GenerationInput } from './types.js';
import type { ProgressEvent } from '../../../platform/providers/types.js';
import { startFakeFal, type FakeFal } from '../../../../test/fakes/fal.js';
import { asInput, garmentPng, solidPng } from '../../../../test/fakes/images.js';
import { failure } from '../../../../test/fakes/provider-errors.js';

let fake: FakeFal;
let reference: GenerationInput['references'][number];
const fal = (over: Partial<Parameters<typeof createFalGenerationProvider>[0]> = {}) => createFalGenerationProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 10, ...over });
const input = (over: Partial<GenerationInput> = {}): GenerationInput => ({ prompt: 'A denim jacket, flat lay', references: [], width: 1024, height: 1024, ...over });
const run = (i: GenerationInput = input(), p = fal(), onProgress?: (e: ProgressEvent) => void, signal = AbortSignal.timeout(10_000)) => p.generate(i, { signal, onProgress });
const submitted = (path: string) => fake.calls('POST', path).at(-1)?.body as Record<string, unknown>;

beforeAll(async () => {
  fake = await startFakeFal({ outputImage: await solidPng(9, 7, [240, 120, 0]) });
  reference = await asInput(await garmentPng());
});
afterAll(() => fake.close());
beforeEach(() => void fake.requests.splice(0));

describe('fal generation adapter', () => {
  it('nano-banana: text-to-image with the nearest aspect ratio, through the queue, image downloaded', async () => {
    const events: ProgressEvent[] = [];
    const out = await run(input({ width: 768, height: 1024, seed: 3 }), fal(), (e) => events.push(e));
    expect(out.image.equals(fake.outputImage)).toBe(true);
    expect(out.model).toBe('fal-ai/nano-banana');
    expect(out.costUsd).toBe(0.039);
    expect(out.providerRequestId).toMatch(/^req-/);
    expect(out.meta).toEqual({ description: 'Here is the image you asked for.' });
    expect(submitted('/fal-ai/nano-banana')).toEqual({ prompt: 'A denim jacket, flat lay', num_images: 1, aspect_ratio: '3:4', output_format: 'png', seed: 3 });
    expect(fake.calls('POST', '/fal-ai/nano-banana')[0]?.headers.authorization).toBe(`Key ${fake.apiKey}`);
    // Status and result under the app id (owner/alias), the image from its URL.
    expect(fake.calls('GET', /^\/fal-ai\/nano-banana\/requests\/[^/]+\/status$/).length).toBeGreaterThan(0);
    expect(fake.calls('GET', /^\/files\//)).toHaveLength(1);
    expect(events.map((e) => e.stage)).toContain('downloading');
  });

  it('nano-banana with references: the /edit endpoint with image_urls (a URL when the server has one, else a data URI)', async () => {
    const withUrl = { ...reference, url: 'https://cdn.example/ref.png' };
    const out = await run(input({ references: [reference, withUrl] }));
    expect(out.model).toBe('fal-ai/nano-banana/edit');
    const body = submitted('/fal-ai/nano-banana/edit');
    expect((body.image_urls as string[])[0]).toMatch(/^data:image\/png;base64,/);
    expect((body.image_urls as string[])[1]).toBe('https://cdn.example/ref.png');
    expect(fake.calls('GET', /^\/fal-ai\/nano-banana\/requests\/[^/]+\/status$/).length).toBeGreaterThan(0);
  });

  it('flux/dev: the exact size as image_size; one reference goes to image-to-image; its price is per megapixel', async () => {
    const out = await run(input({ model: 'fal-ai/flux/dev', width: 1536, height: 1024 }));
    expect(out.model).toBe('fal-ai/flux/dev');
    expect(out.costUsd).toBe(0.05);
    expect(out.meta).toEqual({ seed: 1234 });
    expect(submitted('/fal-ai/flux/dev')).toMatchObject({ prompt: 'A denim jacket, flat lay', image_size: { width: 1536, height: 1024 }, num_images: 1, enable_safety_checker: true });
    const i2i = await run(input({ model: 'fal-ai/flux/dev', references: [reference] }));
    expect(i2i.model).toBe('fal-ai/flux/dev/image-to-image');
    const body = submitted('/fal-ai/flux/dev/image-to-image');
    expect(String(body.image_url)).toMatch(/^data:image\/png;base64,/);
    expect(body.image_size).toBeUndefined();
    expect(fake.calls('GET', /^\/fal-ai\/flux\/requests\/[^/]+$/).length).toBeGreaterThan(0);
  });

  it('flux flagging the image (has_nsfw_concepts) → content_policy', async () => {
    fake.scenario({ kind: 'provider_error', code: 'nsfw' });
    const e = await failure(run(input({ model: 'fal-ai/flux/dev' })));
    expect(e.errorClass).toBe('content_policy');
    expect(e.opts.providerCode).toBe('has_nsfw_concepts');
  });

  it('a content policy violation from the model → content_policy, not retryable', async () => {
    fake.scenario({ kind: 'provider_error', code: 'content_policy_violation' });
    const e = await failure(run());
    expect(e.errorClass).toBe('content_policy');
    expect(e.retryable).toBe(false);
  });

  it('queue statuses: positions while IN_QUEUE, then processing', async () => {
    fake.scenario({ kind: 'queued', positions: [2, 1] });
    const events: ProgressEvent[] = [];
    await run(input(), fal(), (e) => events.push(e));
    expect(events.filter((e) => e.stage === 'queued').map((e) => e.queuePosition)).toEqual([2, 1]);
    expect(events.map((e) => e.stage)).toContain('processing');
  });

  it('429 → rate_limited with Retry-After; 503 → unavailable; wrong key → auth', async () => {
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 4 });
    const limited = await failure(run());
    expect([limited.errorClass, limited.opts.retryAfterMs]).toEqual(['rate_limited', 4000]);
    fake.scenario({ kind: 'server_error', status: 503 });
    expect((await failure(run())).errorClass).toBe('unavailable');
    const auth = await failure(run(input(), fal({ apiKey: 'fal-wrong' })));
    expect(auth.errorClass).toBe('auth');
    expect(auth.message).not.toContain('fal-wrong');
  });

  it('an abort while it runs cancels the request upstream', async () => {
    fake.scenario({ kind: 'slow' });
    const ac = new AbortController();
    const pending = run(input(), fal(), undefined, ac.signal);
    while (fake.calls('GET', /\/status$/).length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    expect((await failure(pending)).errorClass).toBe('canceled');
    expect(fake.calls('PUT', /^\/fal-ai\/nano-banana\/requests\/[^/]+\/cancel$/)).toHaveLength(1);
  });

  it('model families: knows endpoints by family, refuses others and too many references before any call', async () => {
    expect(falFamilyOf('fal-ai/nano-banana/edit')).toBe('fal-ai/nano-banana');
    expect(falFamilyOf('fal-ai/flux/dev/image-to-image')).toBe('fal-ai/flux/dev');
    expect(falFamilyOf('fal-ai/recraft-v3')).toBeUndefined();
    const p = fal();
    expect(p.knowsModel('fal-ai/flux/dev')).toBe(true);
    expect(p.knowsModel('fal-ai/recraft-v3')).toBe(false);
    expect(p.maxReferenceImages('fal-ai/flux/dev')).toBe(1);
    expect(p.maxReferenceImages()).toBe(3);
    const e = await failure(run(input({ model: 'fal-ai/flux/dev', references: [reference, reference] })));
    expect(e.errorClass).toBe('bad_input');
    expect(fake.requests).toHaveLength(0);
  });
});
