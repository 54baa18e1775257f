/** The Gemini generation adapter against a fake of the documented generateContent API. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiGenerationProvider, imageSizeFor } from './gemini.js';
import type { GenerationInput } from './types.js';
import { startFakeGemini, type FakeGemini } from '../../../../test/fakes/gemini.js';
import { asInput, b64Sample, garmentPng, solidPng } from '../../../../test/fakes/images.js';
import { failure } from '../../../../test/fakes/provider-errors.js';

let fake: FakeGemini;
let reference: GenerationInput['references'][number];
const gemini = (over: Partial<Parameters<typeof createGeminiGenerationProvider>[0]> = {}) => createGeminiGenerationProvider({ apiKey: fake.apiKey, baseUrl: fake.url, ...over });
const input = (over: Partial<GenerationInput> = {}): GenerationInput => ({ prompt: 'A linen shirt on a wooden hanger, studio light', references: [], width: 1024, height: 1024, ...over });
const run = (i: GenerationInput = input(), p = gemini()) => p.generate(i, { signal: AbortSignal.timeout(10_000) });

type Body = { contents: { role: string; parts: Record<string, unknown>[] }[]; generationConfig: Record<string, unknown> };
const lastBody = (model = 'gemini-2.5-flash-image') => fake.calls('POST', `/v1beta/models/${model}:generateContent`).at(-1)?.body as Body;

beforeAll(async () => {
  fake = await startFakeGemini({ outputImage: await solidPng(6, 4, [20, 90, 200]) });
  reference = await asInput(await garmentPng());
});
afterAll(() => fake.close());
beforeEach(() => void fake.requests.splice(0));

describe('gemini generation adapter', () => {
  it('sends the prompt as given, the reference images inline, the nearest aspect ratio, and returns the image', async () => {
    const out = await run(input({ references: [reference, reference], width: 1280, height: 720, seed: 9 }));
    expect(out.image.equals(fake.outputImage)).toBe(true);
    expect(out.contentType).toBe('image/png');
    expect(out.model).toBe('gemini-2.5-flash-image');
    expect(out.costUsd).toBe(0.039);
    expect(out.providerRequestId).toMatch(/^resp-/);
    const body = lastBody();
    const parts = body.contents[0]!.parts;
    expect(parts[0]).toEqual({ text: 'A linen shirt on a wooden hanger, studio light' });
    expect(parts.slice(1)).toEqual([
      { inlineData: { mimeType: 'image/png', data: reference.bytes.toString('base64') } },
      { inlineData: { mimeType: 'image/png', data: reference.bytes.toString('base64') } },
    ]);
    // 2.5 Flash Image takes no imageSize: only the shape.
    expect(body.generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9' }, seed: 9 });
  });

  it('a prompt alone (no reference) is one text part', async () => {
    await run();
    expect(lastBody().contents[0]!.parts).toEqual([{ text: 'A linen shirt on a wooden hanger, studio light' }]);
    expect(lastBody().generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '1:1' } });
  });

  it('Nano Banana Pro (gemini-3-pro-image-preview) also gets imageSize from the larger side, and its price', async () => {
    const out = await run(input({ model: 'gemini-3-pro-image-preview', width: 2048, height: 1536 }));
    expect(out.model).toBe('gemini-3-pro-image-preview');
    expect(out.costUsd).toBe(0.134);
    expect(lastBody('gemini-3-pro-image-preview').generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '4:3', imageSize: '2K' } });
    const big = await run(input({ model: 'gemini-3-pro-image-preview', width: 4096, height: 4096 }));
    expect(big.costUsd).toBe(0.24);
    expect(imageSizeFor(1024, 512)).toBe('1K');
    expect(imageSizeFor(1025, 512)).toBe('2K');
    expect(imageSizeFor(1024, 3000)).toBe('4K');
  });

  it.each([
    ['blockReason', 'PROHIBITED_CONTENT'],
    ['IMAGE_SAFETY', 'IMAGE_SAFETY'],
    ['TEXT_ONLY', 'TEXT_ONLY'],
  ])('a refusal (%s) → content_policy, not retryable, no image bytes in the message', async (code, providerCode) => {
    fake.scenario({ kind: 'provider_error', code });
    const e = await failure(run(input({ references: [reference] })));
    expect(e.errorClass).toBe('content_policy');
    expect(e.opts.providerCode).toBe(providerCode);
    expect(e.retryable).toBe(false);
    expect(e.isInputError).toBe(true);
    expect(e.message).not.toContain(b64Sample(reference.bytes));
  });

  it('429 → rate_limited with the RetryInfo delay; 503 → unavailable; both retryable', async () => {
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 12 });
    const limited = await failure(run());
    expect([limited.errorClass, limited.opts.retryAfterMs, limited.retryable]).toEqual(['rate_limited', 12_000, true]);
    fake.scenario({ kind: 'server_error', status: 503 });
    const down = await failure(run());
    expect([down.errorClass, down.retryable]).toEqual(['unavailable', true]);
    fake.scenario({ kind: 'server_error', status: 500 });
    expect((await failure(run())).errorClass).toBe('server_error');
  });

  it('a wrong key → auth, the key kept out of the message', async () => {
    const e = await failure(run(input(), gemini({ apiKey: 'AIza-wrong' })));
    expect(e.errorClass).toBe('auth');
    expect(e.message).not.toContain('AIza-wrong');
  });

  it('more than 3 reference images is refused before any call', async () => {
    const e = await failure(run(input({ references: [reference, reference, reference, reference] })));
    expect(e.errorClass).toBe('bad_input');
    expect(fake.requests).toHaveLength(0);
  });

  it('knows its models; health reads the default model', async () => {
    const p = gemini({ model: 'gemini-3-pro-image-preview' });
    expect(p.models[0]).toBe('gemini-3-pro-image-preview');
    expect(p.knowsModel('gemini-2.5-flash-image')).toBe(true);
    expect(p.knowsModel('gemini-1.0-pro')).toBe(false);
    expect((await p.health(AbortSignal.timeout(5000))).ok).toBe(true);
    expect(fake.calls('GET', '/v1beta/models/gemini-3-pro-image-preview')).toHaveLength(1);
  });
});
