import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createReplicateProvider } from './replicate.js';
import type { ProgressEvent, TryonInput } from './types.js';
import { startFakeReplicate, type FakeReplicate } from '../../../../test/fakes/replicate.js';
import { b64Sample, garmentPng, asInput, solidPng, tryonInput } from '../../../../test/fakes/images.js';
import { failure } from '../../../../test/fakes/provider-errors.js';

let fake: FakeReplicate;
let input: TryonInput;
const replicate = (over: Partial<Parameters<typeof createReplicateProvider>[0]> = {}) =>
  createReplicateProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 10, ...over });
const run = (p = replicate(), i = input, onProgress?: (e: ProgressEvent) => void, signal: AbortSignal = AbortSignal.timeout(10_000)) =>
  p.generate(i, { signal, onProgress });

beforeAll(async () => {
  fake = await startFakeReplicate({ outputImage: await solidPng(9, 7, [250, 120, 0]) });
  input = await tryonInput();
});
afterAll(() => fake.close());
beforeEach(() => void fake.requests.splice(0));

describe('replicate adapter', () => {
  it('runs p-image-try-on as an official model and returns the served image', async () => {
    const out = await run(replicate(), await tryonInput({ seed: 3 }));
    expect(out.image.equals(fake.outputImage)).toBe(true);
    expect(out.model).toBe('prunaai/p-image-try-on');
    expect(out.providerRequestId).toMatch(/^p/);
    expect(out.costUsd).toBeCloseTo(0.015);
    expect(out.meta).toMatchObject({ predictTimeS: 1.25 });
    const [create] = fake.calls('POST', '/v1/models/prunaai/p-image-try-on/predictions');
    expect(create?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(create?.headers['cancel-after']).toBe('3m');
    expect(create?.headers.prefer).toBeUndefined();
    const body = create?.body as { input: Record<string, unknown> };
    expect(body.input).toMatchObject({ turbo: false, seed: 3, preserve_input_size: true });
    expect(String(body.input.person_image)).toMatch(/^data:image\/png;base64,/);
    expect(body.input.garment_images).toHaveLength(1);
  });

  it('dresses several garments in one p-image call; fast mode is turbo and priced per garment', async () => {
    const second = { ...(await asInput(await garmentPng('rgb(20,20,200)'))), category: 'bottoms' as const };
    const i = { ...(await tryonInput({ mode: 'fast' })), garments: [input.garments[0]!, second] };
    const p = replicate();
    expect(p.maxGarmentsPerCall).toBe(6);
    const out = await run(p, i);
    expect(out.costUsd).toBeCloseTo(0.016);
    const body = fake.calls('POST', '/v1/models/prunaai/p-image-try-on/predictions')[0]?.body as { input: Record<string, unknown> };
    expect(body.input.turbo).toBe(true);
    expect(body.input.garment_images).toHaveLength(2);
  });

  it('runs a version-pinned community model through /v1/predictions with its own input names', async () => {
    const out = await run(replicate(), await tryonInput({ model: 'cuuupid/idm-vton', category: 'bottoms', mode: 'quality' }));
    expect(out.model).toBe('cuuupid/idm-vton');
    const body = fake.calls('POST', '/v1/predictions')[0]?.body as { version: string; input: Record<string, unknown> };
    expect(body.version).toMatch(/^[0-9a-f]{64}$/);
    expect(body.input).toMatchObject({ category: 'lower_body', steps: 40, crop: false });
    expect(Object.keys(body.input)).toEqual(expect.arrayContaining(['human_img', 'garm_img', 'garment_des']));
  });

  it('uploads images above the inline limit through the files API and deletes them afterwards', async () => {
    await run(replicate({ inlineMaxBytes: 10 }));
    const uploads = fake.calls('POST', '/v1/files');
    expect(uploads).toHaveLength(2);
    const body = fake.calls('POST', '/v1/models/prunaai/p-image-try-on/predictions')[0]?.body as { input: Record<string, unknown> };
    expect(String(body.input.person_image)).toMatch(new RegExp(`^${fake.url}/v1/files/`));
    expect(fake.calls('DELETE', /^\/v1\/files\//)).toHaveLength(2);
    expect(fake.files.size).toBe(0);
  });

  it('reports queued (starting) then processing', async () => {
    fake.scenario({ kind: 'queued', positions: [2, 1] });
    const events: ProgressEvent[] = [];
    await run(replicate(), input, (e) => events.push(e));
    expect(events.map((e) => e.stage)).toEqual(['submitted', 'queued', 'processing', 'downloading']);
  });

  it('a failed prediction (NSFW) → content_policy, not retryable', async () => {
    fake.scenario({ kind: 'provider_error' });
    const e = await failure(run());
    expect(e.errorClass).toBe('content_policy');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('NSFW');
  });

  it('a failed prediction (bad image) → bad_input; other failures → retryable server_error', async () => {
    fake.scenario({ kind: 'provider_error', message: 'cannot identify image file <_io.BytesIO object>' });
    expect((await failure(run())).errorClass).toBe('bad_input');
    fake.scenario({ kind: 'provider_error', message: 'CUDA error: device-side assert triggered' });
    const e = await failure(run());
    expect(e.errorClass).toBe('server_error');
    expect(e.retryable).toBe(true);
  });

  it('429 → rate_limited with Retry-After', async () => {
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 4 });
    const e = await failure(run());
    expect(e.errorClass).toBe('rate_limited');
    expect(e.opts.retryAfterMs).toBe(4000);
    expect(e.message).toContain('throttled');
  });

  it.each([500, 503])('%i → retryable', async (status) => {
    fake.scenario({ kind: 'server_error', status });
    const e = await failure(run());
    expect(e.retryable).toBe(true);
    expect(e.opts.status).toBe(status);
  });

  it('an abort mid-poll rejects promptly and cancels the prediction', async () => {
    fake.scenario({ kind: 'slow' });
    const ac = new AbortController();
    const started = Date.now();
    const e = await failure(run(replicate(), input, (ev) => ev.stage === 'processing' && setTimeout(() => ac.abort(), 30), ac.signal));
    expect(e.errorClass).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(2000);
    const cancels = fake.calls('POST', /^\/v1\/predictions\/[^/]+\/cancel$/);
    expect(cancels).toHaveLength(1);
    expect(cancels[0]?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    const id = cancels[0]!.path.split('/')[3]!;
    expect(fake.predictions.get(id)?.canceled).toBe(true);
  });

  it('a wrong token → auth, without the token in the message', async () => {
    const e = await failure(run(replicate({ apiKey: 'r8_wrong_token_xyz' })));
    expect(e.errorClass).toBe('auth');
    expect(e.message).not.toContain('r8_wrong_token_xyz');
    expect(e.message).not.toContain(b64Sample(input.person.bytes));
  });

  it('unknown models and too many garments are bad input, before any request', async () => {
    expect((await failure(run(replicate(), { ...input, model: 'someone/else' }))).errorClass).toBe('bad_input');
    const many = { ...input, garments: Array.from({ length: 7 }, () => input.garments[0]!) };
    expect((await failure(run(replicate(), many))).errorClass).toBe('bad_input');
    expect(fake.requests).toHaveLength(0);
  });

  it('health: GET /v1/account, ok with the right token, not ok otherwise', async () => {
    expect((await replicate().health(AbortSignal.timeout(5000))).ok).toBe(true);
    expect(fake.calls('GET', '/v1/account')).toHaveLength(1);
    const bad = await replicate({ apiKey: 'nope-nope' }).health(AbortSignal.timeout(5000));
    expect(bad.ok).toBe(false);
    expect(bad.detail).toContain('401');
  });
});
