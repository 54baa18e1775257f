/** The Gemini style adapter against a fake of the documented generateContent API (structured output). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import Value from 'typebox/value';
import { ColorAnswer, FaceAnswer, Quality } from '../../../../contracts/style.js';
import { classify } from '../seasons.js';
import { paletteFor } from '../palettes.js';
import { costUsd, createGeminiStyleAnalyser, MAX_CROP_SIDE, type GeminiStyleOptions } from './gemini.js';
import { startFakeGemini, SAMPLE_STYLE_ANSWER, type FakeGemini } from '../../../../test/fakes/gemini.js';
import { failure } from '../../../../test/fakes/provider-errors.js';
import { selfieInput } from '../../../../test/style-helpers.js';
import type { AnalyserInput } from '../analyser/index.js';

let fake: FakeGemini;
let selfie: AnalyserInput;
const gemini = (over: Partial<GeminiStyleOptions> = {}) => createGeminiStyleAnalyser({ apiKey: fake.apiKey, baseUrl: fake.url, ...over });
const run = (input: AnalyserInput = selfie, a = gemini()) => a.analyse(input, AbortSignal.timeout(10_000));

type Body = { contents: { role: string; parts: Record<string, unknown>[] }[]; generationConfig: Record<string, unknown> & { responseSchema: { properties: Record<string, unknown> } } };
const lastBody = (model = 'gemini-2.5-flash') => fake.calls('POST', `/v1beta/models/${model}:generateContent`).at(-1)!.body as Body;
const sentImage = async (body: Body) => {
  const part = body.contents[0]!.parts.find((p) => 'inlineData' in p) as { inlineData: { mimeType: string; data: string } };
  const bytes = Buffer.from(part.inlineData.data, 'base64');
  return { mimeType: part.inlineData.mimeType, meta: await sharp(bytes).metadata() };
};

beforeAll(async () => {
  fake = await startFakeGemini();
  selfie = await selfieInput({ side: 1536 });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.splice(0);
  fake.jsonAnswer = structuredClone(SAMPLE_STYLE_ANSWER);
});

describe('gemini style adapter', () => {
  it('asks with responseSchema, JSON MIME type, temperature 0, no thinking, and a face crop of at most 768 px', async () => {
    await run();
    const body = lastBody();
    expect(body.generationConfig).toMatchObject({ responseMimeType: 'application/json', temperature: 0, thinkingConfig: { thinkingBudget: 0 } });
    const schema = body.generationConfig.responseSchema as { type: string; required: string[]; properties: Record<string, { nullable?: boolean; properties?: Record<string, { enum?: string[] }> }> };
    expect(schema.type).toBe('OBJECT');
    expect(schema.required).toEqual(['face', 'color', 'quality']);
    expect(schema.properties.face!.nullable).toBe(true);
    expect(schema.properties.color!.properties!.season12!.enum).toHaveLength(12);
    expect(schema.properties.color!.properties!.undertone!.enum).toEqual(['warm', 'cool', 'neutral', 'olive']);
    const img = await sentImage(body);
    expect(img.mimeType).toBe('image/jpeg');
    expect(img.meta.format).toBe('jpeg');
    expect(Math.max(img.meta.width!, img.meta.height!)).toBeLessThanOrEqual(MAX_CROP_SIDE);
    // A crop around the face (2 × its width of a 1536 px photo), not the whole square photo.
    expect(img.meta.width! / img.meta.height!).toBeLessThan(0.95);
    expect(body.contents[0]!.parts.some((p) => typeof p.text === 'string' && /JSON/.test(p.text))).toBe(true);
  });

  it('a valid answer becomes our FaceAnswer and ColorAnswer: seasons from classify() on its axes, palette, measured colours, cost from the tokens', async () => {
    const out = await run();
    expect(Value.Check(FaceAnswer, out.face)).toBe(true);
    expect(Value.Check(ColorAnswer, out.color)).toBe(true);
    expect(Value.Check(Quality, out.quality)).toBe(true);
    const face = out.face!;
    expect(face.shape).toBe('oval');
    expect(face.runner_up.shape).toBe('heart');
    expect(face.scores.reduce((a, s) => a + s.score, 0)).toBeCloseTo(1, 3);
    expect(face.confidence).toBeCloseTo(0.62, 2); // the scores summed to 1.0 already
    expect(face.advice.necklines[0]!.es.length).toBeGreaterThan(0);
    const color = out.color!;
    const ours = classify(SAMPLE_STYLE_ANSWER.color.axes);
    expect(color.season12.season).toBe(ours.ranked[0]!.season);
    expect(color.top3.map((s) => s.season)).toEqual(ours.ranked.slice(0, 3).map((r) => r.season));
    // Flattened by the photo's quality (0.9): less sure than the axes alone.
    expect(color.season12.confidence).toBeLessThan(ours.ranked[0]!.confidence);
    expect(color.palette).toEqual(paletteFor(color.season12.season));
    expect(color.measured!.skin.hex).toBe('#c8a080');
    expect(color.measured!.skin.lab.l).toBeGreaterThan(60);
    expect(color.measured!.skin.monk).toBe(5);
    expect(color.measured!.hair!.hex).toBe('#3b2a1e');
    expect(color.white_balance.method).toBe('none');
    expect(out.quality.issues.map((i) => [i.code, i.severity])).toEqual([['uneven_light', 'warning']]);
    expect(out.quality.retake).toBe(false);
    expect(out.model).toBe('gemini-2.5-flash');
    expect(out.costUsd).toBeCloseTo((1310 * 0.3 + 402 * 2.5) / 1e6, 9);
  });

  it('the model label disagreeing with its own axes makes the answer less sure', async () => {
    const agree = (await run()).color!;
    fake.jsonAnswer = { ...SAMPLE_STYLE_ANSWER, color: { ...SAMPLE_STYLE_ANSWER.color, season12: 'bright_winter' } };
    const disagree = (await run()).color!;
    expect(disagree.season12.season).toBe(agree.season12.season);
    expect(disagree.season12.confidence).toBeLessThan(agree.season12.confidence);
  });

  it('only the kinds asked for are in the schema and the answer', async () => {
    const out = await run(await selfieInput({ kinds: ['color'] }));
    expect(Object.keys(lastBody().generationConfig.responseSchema.properties)).toEqual(['color', 'quality']);
    expect(out.face).toBeNull();
    expect(out.color).not.toBeNull();
  });

  it('an error issue withholds the answer it affects and asks for a retake', async () => {
    fake.jsonAnswer = { ...SAMPLE_STYLE_ANSWER, color: null, quality: { score: 0.3, issues: [{ code: 'colored_light', severity: 'error', affects: ['color'] }] } };
    const out = await run();
    expect(out.color).toBeNull();
    expect(out.face).not.toBeNull();
    expect(out.quality.retake).toBe(true);
    expect(out.quality.issues[0]).toMatchObject({ code: 'colored_light', severity: 'error', affects: ['color'], tip: { en: expect.stringMatching(/daylight/) } });
  });

  it('with no face in the perception analysis the whole photo goes, scaled to 768 px', async () => {
    await run(await selfieInput({ side: 1536, face: false }));
    const img = await sentImage(lastBody());
    expect([img.meta.width, img.meta.height]).toEqual([768, 768]);
  });

  it.each([
    ['INVALID_JSON', 'the answer is not valid JSON'],
    ['SCHEMA_VIOLATION', 'does not follow the schema'],
    ['MAX_TOKENS', 'incomplete'],
  ])('%s → server_error, not retried (the router falls back), no colours in the message', async (code, text) => {
    fake.scenario({ kind: 'provider_error', code });
    const e = await failure(run());
    expect(e.errorClass).toBe('server_error');
    expect(e.retryable).toBe(false);
    expect(e.isInputError).toBe(false);
    expect(e.opts.providerCode).toBe(code);
    expect(e.message).toContain(text);
    expect(e.message).not.toMatch(/#[0-9a-f]{6}/i);
  });

  it('an answer that leaves out a kind asked for, with no issue withholding it, is incomplete', async () => {
    fake.jsonAnswer = { ...SAMPLE_STYLE_ANSWER, face: null };
    const e = await failure(run());
    expect([e.errorClass, e.opts.providerCode]).toEqual(['server_error', 'INCOMPLETE']);
  });

  it.each([
    ['blockReason', 'SAFETY'],
    ['SAFETY', 'SAFETY'],
    ['PROHIBITED_CONTENT', 'PROHIBITED_CONTENT'],
  ])('a safety block (%s) → content_policy', async (code, providerCode) => {
    fake.scenario({ kind: 'provider_error', code });
    const e = await failure(run());
    expect(e.errorClass).toBe('content_policy');
    expect(e.opts.providerCode).toBe(providerCode);
  });

  it('429 → rate_limited with the RetryInfo delay; 500 → server_error, 503 → unavailable; all retryable', async () => {
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 7 });
    const limited = await failure(run());
    expect([limited.errorClass, limited.opts.retryAfterMs, limited.retryable]).toEqual(['rate_limited', 7_000, true]);
    fake.scenario({ kind: 'server_error', status: 500 });
    const broken = await failure(run());
    expect([broken.errorClass, broken.retryable]).toEqual(['server_error', true]);
    fake.scenario({ kind: 'server_error', status: 503 });
    expect((await failure(run())).errorClass).toBe('unavailable');
  });

  it('no answer within its deadline → timeout; a wrong key → auth, the key not in the message', async () => {
    fake.scenario({ kind: 'slow' });
    const slow = await failure(run(selfie, gemini({ timeoutMs: 300 })));
    expect(slow.errorClass).toBe('timeout');
    const e = await failure(run(selfie, gemini({ apiKey: 'AIza-wrong-key' })));
    expect(e.errorClass).toBe('auth');
    expect(e.message).not.toContain('AIza-wrong-key');
  });

  it('the model setting picks the model and its price; thinking stays on where it cannot be turned off', async () => {
    const lite = gemini({ model: 'gemini-2.5-flash-lite' });
    expect(lite.version).toMatch(/gemini-2\.5-flash-lite$/);
    const out = await run(selfie, lite);
    expect(out.costUsd).toBeCloseTo(costUsd('gemini-2.5-flash-lite', 1310, 402), 9);
    expect(lastBody('gemini-2.5-flash-lite').generationConfig.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(lite.estimateCostUsd()).toBeGreaterThan(0);
    expect((await lite.health(AbortSignal.timeout(5000))).ok).toBe(true);
  });

  it('the fake refuses a schema generateContent would refuse (so the check above can fail)', async () => {
    const res = await fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': fake.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [], generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'object', additionalProperties: false } } }),
    });
    expect(res.status).toBe(400);
  });
});
