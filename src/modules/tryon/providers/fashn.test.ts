import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFashnProvider } from './fashn.js';
import type { ProgressEvent, TryonInput } from './types.js';
import { startFakeFashn, type FakeFashn } from '../../../../test/fakes/fashn.js';
import { b64Sample, solidPng, tryonInput } from '../../../../test/fakes/images.js';
import { failure } from '../../../../test/fakes/provider-errors.js';

let fake: FakeFashn;
let input: TryonInput;
const fashn = (over: Partial<Parameters<typeof createFashnProvider>[0]> = {}) =>
  createFashnProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 10, ...over });
const run = (p = fashn(), i = input, onProgress?: (e: ProgressEvent) => void, signal: AbortSignal = AbortSignal.timeout(10_000)) =>
  p.generate(i, { signal, onProgress });

beforeAll(async () => {
  fake = await startFakeFashn({ outputImage: await solidPng(6, 9, [40, 40, 220]) });
  input = await tryonInput();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.splice(0);
  fake.bareBase64 = false;
  fake.credits = 234;
});

describe('fashn adapter', () => {
  it('runs tryon-v1.6 with base64 output by default and returns the image', async () => {
    const out = await run(fashn(), await tryonInput({ mode: 'fast', category: 'bottoms', seed: 11 }));
    expect(out.image.equals(fake.outputImage)).toBe(true);
    expect(out.contentType).toBe('image/png');
    expect(out.model).toBe('tryon-v1.6');
    expect(out.providerRequestId).toMatch(/-u1$/);
    expect(out.costUsd).toBe(0.075);
    expect(out.meta).toMatchObject({ creditsUsed: 1 });
    const [runReq] = fake.calls('POST', '/v1/run');
    expect(runReq?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    const b = runReq?.body as { model_name: string; inputs: Record<string, unknown> };
    expect(b.model_name).toBe('tryon-v1.6');
    expect(b.inputs).toMatchObject({ category: 'bottoms', mode: 'performance', return_base64: true, output_format: 'png', seed: 11 });
    expect(String(b.inputs.model_image)).toMatch(/^data:image\/png;base64,/);
  });

  it('accepts bare base64 output too', async () => {
    fake.bareBase64 = true;
    const out = await run();
    expect(out.image.equals(fake.outputImage)).toBe(true);
  });

  it('downloads a CDN URL output when base64 is off', async () => {
    const out = await run(fashn({ returnBase64: false }), await tryonInput({ mode: 'quality' }));
    expect(out.image.equals(fake.outputImage)).toBe(true);
    expect(fake.calls('GET', /^\/files\//)).toHaveLength(1);
    expect((fake.calls('POST', '/v1/run')[0]?.body as { inputs: Record<string, unknown> }).inputs.mode).toBe('quality');
  });

  it('reports queued then processing', async () => {
    fake.scenario({ kind: 'queued', positions: [1, 1] });
    const events: ProgressEvent[] = [];
    await run(fashn(), input, (e) => events.push(e));
    expect(events.map((e) => e.stage)).toEqual(['submitted', 'queued', 'processing', 'downloading']);
  });

  it.each([
    ['ContentModerationError', 'content_policy', false],
    ['PoseError', 'bad_input', false],
    ['ImageLoadError', 'bad_input', false],
    ['InputValidationError', 'bad_input', false],
    ['PipelineError', 'server_error', true],
    ['ThirdPartyError', 'server_error', true],
    ['InternalServerError', 'server_error', true],
  ] as const)('runtime %s → %s (retryable %s)', async (code, cls, retryable) => {
    fake.scenario({ kind: 'provider_error', code, message: `${code} happened` });
    const e = await failure(run());
    expect(e.errorClass).toBe(cls);
    expect(e.retryable).toBe(retryable);
    expect(e.opts.providerCode).toBe(code);
    expect(e.message).not.toContain(b64Sample(input.person.bytes));
  });

  it('429 RateLimitExceeded → rate_limited with Retry-After; OutOfCredits → quota', async () => {
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 10 });
    const e = await failure(run());
    expect(e.errorClass).toBe('rate_limited');
    expect(e.opts.retryAfterMs).toBe(10_000);
    expect(e.retryable).toBe(true);
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 10, code: 'OutOfCredits' });
    const q = await failure(run());
    expect(q.errorClass).toBe('quota');
    expect(q.retryable).toBe(false);
  });

  it.each([500, 503])('%i → retryable', async (status) => {
    fake.scenario({ kind: 'server_error', status });
    const e = await failure(run());
    expect(e.retryable).toBe(true);
    expect(e.opts.status).toBe(status);
  });

  it('an abort mid-poll rejects promptly (FASHN has no cancel endpoint)', async () => {
    fake.scenario({ kind: 'slow' });
    const ac = new AbortController();
    const started = Date.now();
    const e = await failure(run(fashn(), input, (ev) => ev.stage === 'processing' && setTimeout(() => ac.abort(), 30), ac.signal));
    expect(e.errorClass).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(2000);
    // A poll in flight at the abort may still land; after that, polling has stopped.
    await new Promise((r) => setTimeout(r, 50));
    const polls = fake.calls('GET', /^\/v1\/status\//).length;
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.calls('GET', /^\/v1\/status\//).length).toBe(polls);
  });

  it('a wrong key → auth without the key in the message', async () => {
    const e = await failure(run(fashn({ apiKey: 'fa-wrong-key' })));
    expect(e.errorClass).toBe('auth');
    expect(e.opts.providerCode).toBe('UnauthorizedAccess');
    expect(e.message).not.toContain('fa-wrong-key');
  });

  it('health: GET /v1/credits; not ok with a wrong key or no credits', async () => {
    const ok = await fashn().health(AbortSignal.timeout(5000));
    expect(ok).toMatchObject({ ok: true, detail: '234 credits' });
    expect(fake.calls('GET', '/v1/credits')[0]?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect((await fashn({ apiKey: 'nope-nope' }).health(AbortSignal.timeout(5000))).ok).toBe(false);
    fake.credits = 0;
    expect(await fashn().health(AbortSignal.timeout(5000))).toMatchObject({ ok: false, detail: 'no FASHN credits left' });
  });
});
