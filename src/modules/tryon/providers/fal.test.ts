import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFalProvider } from './fal.js';
import type { ProgressEvent, TryonInput } from './types.js';
import { startFakeFal, type FakeFal } from '../../../../test/fakes/fal.js';
import { b64Sample, solidPng, tryonInput } from '../../../../test/fakes/images.js';
import { failure } from '../../../../test/fakes/provider-errors.js';

let fake: FakeFal;
let input: TryonInput;
const fal = (over: Partial<Parameters<typeof createFalProvider>[0]> = {}) => createFalProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 10, ...over });
const run = (p = fal(), i = input, onProgress?: (e: ProgressEvent) => void, signal: AbortSignal = AbortSignal.timeout(10_000)) =>
  p.generate(i, { signal, onProgress });

beforeAll(async () => {
  fake = await startFakeFal({ outputImage: await solidPng(8, 12, [10, 200, 30]) });
  input = await tryonInput();
});
afterAll(() => fake.close());
beforeEach(() => void fake.requests.splice(0));

describe('fal adapter', () => {
  it('runs FASHN v1.6 through the queue and returns the served image', async () => {
    const out = await run(fal(), await tryonInput({ mode: 'fast', seed: 7 }));
    expect(out.image.equals(fake.outputImage)).toBe(true);
    expect(out.contentType).toBe('image/png');
    expect(out.model).toBe('fal-ai/fashn/tryon/v1.6');
    expect(out.providerRequestId).toMatch(/^req-/);
    expect(out.costUsd).toBe(0.075);
    const [submit] = fake.calls('POST', '/fal-ai/fashn/tryon/v1.6');
    expect(submit?.headers.authorization).toBe(`Key ${fake.apiKey}`);
    const body = submit?.body as Record<string, unknown>;
    expect(body).toMatchObject({ category: 'tops', mode: 'performance', seed: 7 });
    expect(String(body.model_image)).toMatch(/^data:image\/png;base64,/);
    expect(String(body.garment_image)).toMatch(/^data:image\/png;base64,/);
    // Status and result live under the app id (owner/alias), as fal documents.
    expect(fake.calls('GET', /^\/fal-ai\/fashn\/requests\/[^/]+\/status$/).length).toBeGreaterThan(0);
    expect(fake.calls('GET', /^\/fal-ai\/fashn\/requests\/[^/]+$/)).toHaveLength(1);
  });

  it('maps modes and categories and prefers the image URL when the server has one', async () => {
    const i = await tryonInput({ mode: 'quality', category: 'one-pieces' });
    i.person.url = 'https://cdn.example/person.jpg';
    await run(fal(), i);
    const body = fake.calls('POST', '/fal-ai/fashn/tryon/v1.6')[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ mode: 'quality', category: 'one-pieces', model_image: 'https://cdn.example/person.jpg' });
  });

  it('runs Kling Kolors with its own fields, the shortened queue path and `image.url` output', async () => {
    const out = await run(fal(), { ...input, model: 'fal-ai/kling/v1-5/kolors-virtual-try-on' });
    expect(out.image.equals(fake.outputImage)).toBe(true);
    expect(out.model).toBe('fal-ai/kling/v1-5/kolors-virtual-try-on');
    expect(out.costUsd).toBe(0.07);
    const body = fake.calls('POST', '/fal-ai/kling/v1-5/kolors-virtual-try-on')[0]?.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['garment_image_url', 'human_image_url']);
    expect(fake.calls('GET', /^\/fal-ai\/kling\/requests\/[^/]+\/status$/).length).toBeGreaterThan(0);
  });

  it('reports queue positions while queued, then processing', async () => {
    fake.scenario({ kind: 'queued', positions: [3, 2, 1] });
    const events: ProgressEvent[] = [];
    await run(fal(), input, (e) => events.push(e));
    expect(events.filter((e) => e.stage === 'queued').map((e) => e.queuePosition)).toEqual([3, 2, 1]);
    expect(events.map((e) => e.stage)).toEqual(['submitted', 'queued', 'queued', 'queued', 'processing', 'downloading']);
  });

  it('turns a content-policy model error into a non-retryable content_policy error without image data', async () => {
    fake.scenario({ kind: 'provider_error' });
    const e = await failure(run());
    expect(e.errorClass).toBe('content_policy');
    expect(e.retryable).toBe(false);
    expect(e.isInputError).toBe(true);
    expect(e.opts.status).toBe(422);
    expect(e.message).not.toContain(b64Sample(input.person.bytes));
    expect(e.message).not.toContain(fake.apiKey);
  });

  it('maps other validation errors to bad_input', async () => {
    fake.scenario({ kind: 'provider_error', code: 'image_load_error', message: 'Could not load the model image' });
    const e = await failure(run());
    expect(e.errorClass).toBe('bad_input');
    expect(e.opts.providerCode).toBe('image_load_error');
    expect(e.retryable).toBe(false);
  });

  it('429 → rate_limited with Retry-After', async () => {
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 7 });
    const e = await failure(run());
    expect(e.errorClass).toBe('rate_limited');
    expect(e.opts.retryAfterMs).toBe(7000);
    expect(e.retryable).toBe(true);
  });

  it.each([
    [500, 'server_error'],
    [503, 'unavailable'],
  ] as const)('%i → retryable %s', async (status, cls) => {
    fake.scenario({ kind: 'server_error', status });
    const e = await failure(run());
    expect(e.errorClass).toBe(cls);
    expect(e.opts.status).toBe(status);
    expect(e.retryable).toBe(true);
  });

  it('an abort mid-poll rejects promptly and cancels the request upstream', async () => {
    fake.scenario({ kind: 'slow' });
    const ac = new AbortController();
    const started = Date.now();
    const p = run(fal(), input, (e) => e.stage === 'processing' && setTimeout(() => ac.abort(), 30), ac.signal);
    const e = await failure(p);
    expect(e.errorClass).toBe('canceled');
    expect(e.retryable).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    const cancels = fake.calls('PUT', /^\/fal-ai\/fashn\/requests\/[^/]+\/cancel$/);
    expect(cancels).toHaveLength(1);
    expect(cancels[0]?.headers.authorization).toBe(`Key ${fake.apiKey}`);
  });

  it('gives up at its own deadline with a retryable timeout, and cancels', async () => {
    fake.scenario({ kind: 'slow' });
    const e = await failure(run(fal({ timeoutMs: 150 })));
    expect(e.errorClass).toBe('timeout');
    expect(e.retryable).toBe(true);
    expect(fake.calls('PUT', /\/cancel$/)).toHaveLength(1);
  });

  it('a wrong key → auth, and the key is not in the message', async () => {
    const e = await failure(run(fal({ apiKey: 'wrong-key-123' })));
    expect(e.errorClass).toBe('auth');
    expect(e.opts.status).toBe(401);
    expect(e.message).not.toContain('wrong-key-123');
  });

  it('refuses more than one garment per call as bad input', async () => {
    const e = await failure(run(fal(), { ...input, garments: [input.garments[0]!, input.garments[0]!] }));
    expect(e.errorClass).toBe('bad_input');
    expect(fake.requests).toHaveLength(0);
  });

  it('health: ok with the right key, not ok with a wrong key or when unreachable', async () => {
    const ok = await fal().health(AbortSignal.timeout(5000));
    expect(ok.ok).toBe(true);
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    expect(fake.requests[0]?.headers.authorization).toBe(`Key ${fake.apiKey}`);
    const bad = await fal({ apiKey: 'nope-nope' }).health(AbortSignal.timeout(5000));
    expect(bad).toMatchObject({ ok: false });
    expect(bad.detail).toContain('401');
    const down = await fal({ baseUrl: 'http://127.0.0.1:9' }).health(AbortSignal.timeout(5000));
    expect(down.ok).toBe(false);
  });

  it('estimates cost per model', () => {
    expect(fal().estimateCostUsd(input)).toBe(0.075);
    expect(fal().estimateCostUsd({ ...input, model: 'fal-ai/kling/v1-5/kolors-virtual-try-on' })).toBe(0.07);
  });
});
