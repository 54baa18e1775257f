import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiProvider, nearestAspectRatio } from './gemini.js';
import type { ProgressEvent, TryonInput } from './types.js';
import { startFakeGemini, type FakeGemini } from '../../../../test/fakes/gemini.js';
import { b64Sample, solidPng, tryonInput } from '../../../../test/fakes/images.js';
import { failure } from '../../../../test/fakes/provider-errors.js';

let fake: FakeGemini;
let input: TryonInput;
const gemini = (over: Partial<Parameters<typeof createGeminiProvider>[0]> = {}) => createGeminiProvider({ apiKey: fake.apiKey, baseUrl: fake.url, ...over });
const run = (p = gemini(), i = input, onProgress?: (e: ProgressEvent) => void, signal: AbortSignal = AbortSignal.timeout(10_000)) =>
  p.generate(i, { signal, onProgress });

type Body = { contents: { role: string; parts: Record<string, { mimeType?: string; data?: string } | string>[] }[]; generationConfig: Record<string, unknown> };

beforeAll(async () => {
  fake = await startFakeGemini({ outputImage: await solidPng(5, 5, [0, 128, 128]) });
  input = await tryonInput();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.splice(0);
  fake.snakeCase = false;
});

describe('gemini adapter', () => {
  it('sends the instruction and both images inline and returns the image from inlineData', async () => {
    const events: ProgressEvent[] = [];
    const out = await run(gemini(), await tryonInput({ seed: 5 }), (e) => events.push(e));
    expect(out.image.equals(fake.outputImage)).toBe(true);
    expect(out.contentType).toBe('image/png');
    expect(out.model).toBe('gemini-2.5-flash-image');
    expect(out.providerRequestId).toMatch(/^resp-/);
    expect(out.costUsd).toBe(0.039);
    expect(out.meta).toMatchObject({ finishReason: 'STOP', outputTokens: 1290 });
    expect(events.map((e) => e.stage)).toEqual(['submitted', 'processing']);
    const [req] = fake.calls('POST', '/v1beta/models/gemini-2.5-flash-image:generateContent');
    expect(req?.headers['x-goog-api-key']).toBe(fake.apiKey);
    expect(req?.headers.authorization).toBeUndefined();
    const body = req?.body as Body;
    const parts = body.contents[0]!.parts;
    expect(typeof parts[0]!.text).toBe('string');
    expect(parts[0]!.text).toContain('Image 2 shows a top');
    expect(parts[1]!.inlineData).toEqual({ mimeType: 'image/png', data: input.person.bytes.toString('base64') });
    expect(parts[2]!.inlineData).toMatchObject({ mimeType: 'image/png' });
    expect(body.generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '3:4' }, seed: 5 });
  });

  it('reads snake_case inline_data as well', async () => {
    fake.snakeCase = true;
    expect((await run()).image.equals(fake.outputImage)).toBe(true);
  });

  it.each([
    ['blockReason', 'PROHIBITED_CONTENT'],
    ['IMAGE_SAFETY', 'IMAGE_SAFETY'],
    ['SAFETY', 'SAFETY'],
    ['TEXT_ONLY', 'TEXT_ONLY'],
  ])('a refusal (%s) → content_policy, not retryable', async (code, providerCode) => {
    fake.scenario({ kind: 'provider_error', code });
    const e = await failure(run());
    expect(e.errorClass).toBe('content_policy');
    expect(e.opts.providerCode).toBe(providerCode);
    expect(e.retryable).toBe(false);
    expect(e.message).not.toContain(b64Sample(input.person.bytes));
  });

  it('NO_IMAGE → server_error that the router should not retry on Gemini', async () => {
    fake.scenario({ kind: 'provider_error', code: 'NO_IMAGE' });
    const e = await failure(run());
    expect(e.errorClass).toBe('server_error');
    expect(e.retryable).toBe(false);
  });

  it('429 RESOURCE_EXHAUSTED → rate_limited with the RetryInfo delay', async () => {
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 37 });
    const e = await failure(run());
    expect(e.errorClass).toBe('rate_limited');
    expect(e.opts.retryAfterMs).toBe(37_000);
    expect(e.retryable).toBe(true);
  });

  it.each([
    [500, 'server_error'],
    [503, 'unavailable'],
  ] as const)('%i → retryable %s', async (status, cls) => {
    fake.scenario({ kind: 'server_error', status });
    const e = await failure(run());
    expect(e.errorClass).toBe(cls);
    expect(e.retryable).toBe(true);
  });

  it('an abort while waiting rejects promptly and drops the request', async () => {
    fake.scenario({ kind: 'slow' });
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 50);
    const e = await failure(run(gemini(), input, undefined, ac.signal));
    expect(e.errorClass).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.disconnects).toBeGreaterThanOrEqual(1);
  });

  it('a wrong key (400 API_KEY_INVALID) → auth, without the key in the message', async () => {
    const e = await failure(run(gemini({ apiKey: 'AIza-wrong-key' })));
    expect(e.errorClass).toBe('auth');
    expect(e.opts.providerCode).toBe('API_KEY_INVALID');
    expect(e.message).not.toContain('AIza-wrong-key');
  });

  it('health: GET the model; not ok with a wrong key or an unknown model', async () => {
    expect((await gemini().health(AbortSignal.timeout(5000))).ok).toBe(true);
    expect(fake.calls('GET', '/v1beta/models/gemini-2.5-flash-image')[0]?.headers['x-goog-api-key']).toBe(fake.apiKey);
    expect((await gemini({ apiKey: 'nope-nope' }).health(AbortSignal.timeout(5000))).ok).toBe(false);
    const missing = await gemini({ model: 'gemini-0-nothing' }).health(AbortSignal.timeout(5000));
    expect(missing).toMatchObject({ ok: false });
    expect(missing.detail).toContain('404');
  });

  it('picks the supported aspect ratio nearest the person photo', () => {
    expect(nearestAspectRatio(300, 400)).toBe('3:4');
    expect(nearestAspectRatio(512, 512)).toBe('1:1');
    expect(nearestAspectRatio(864, 1296)).toBe('2:3');
    expect(nearestAspectRatio(1080, 1920)).toBe('9:16');
  });
});
