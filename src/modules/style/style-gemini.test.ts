/**
 * Gemini through the analysis API, end to end: the real app with the real face models, the
 * `style.analyse` job on the real queue (jobs table, or BullMQ on Redis), the real Gemini adapter
 * against the fake `generateContent` server (test/fakes/gemini.ts), webhooks to a real receiver.
 * 202 queued → SSE processing → succeeded; the fallback to the offline analyser on 429, 5xx and
 * invalid JSON with the failed calls among the attempts; the offline retake check answering at
 * once; the cache; quiz fusion in the job; a failed analysis; a process-only tenant's selfie.
 *
 * The app is built as an API node (no worker) so that the first test can queue an analysis, take
 * its selfie away, and only then start the worker; every other test starts it first.
 */
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { startFakeGemini, SAMPLE_STYLE_ANSWER, type FakeGemini } from '../../../test/fakes/gemini.js';
import { startReceiver, type Receiver } from '../../../test/fakes/webhook-receiver.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { dataUrl } from '../../../test/tryon-helpers.js';
import { selfie1024 } from '../../../test/style-images.js';
import { tieBreakers } from './index.js';

let t: TestApp;
let fake: FakeGemini;
let rx: Receiver;
let secretA: string;
let selfie: Buffer;
let base: string;
let workerStarted = false;

beforeAll(async () => {
  fake = await startFakeGemini();
  rx = await startReceiver();
  t = await createTestApp({
    env: { PROBADOR_PERCEPTION_THREADS: '1', GEMINI_API_KEY: fake.apiKey, GEMINI_BASE_URL: fake.url, PROBADOR_PROVIDER_RETRIES: '1' },
    build: { role: 'api', webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [50, 50, 50], jitter: 0 } },
  });
  expect((await t.modules.perception.warm()).models).toBe('ready');
  selfie = await sharp(await selfie1024()).jpeg({ quality: 92 }).toBuffer();
  const ep = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: A(), payload: { url: rx.url('/a'), event_types: ['style.analysis.succeeded', 'style.analysis.failed'] } });
  expect(ep.statusCode, ep.body).toBe(201);
  secretA = ep.json().secret;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await t?.close();
  await fake?.close();
  await rx?.close();
});

const A = () => bearer(t.tenantA.secretKey);
const post = (payload: object, headers: Record<string, string> = A()) => t.app.inject({ method: 'POST', url: '/v1/style/analyses', headers, payload });
const get = (id: string, headers: Record<string, string> = A()) => t.app.inject({ method: 'GET', url: `/v1/style/analyses/${id}`, headers });
const geminiCalls = () => fake.calls('POST', /:generateContent$/).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A slightly different picture each time (so the cache does not answer), same face. */
let variant = 0;
const freshSelfie = async () => dataUrl(await sharp(selfie).modulate({ brightness: 1 + ++variant * 0.003 }).jpeg({ quality: 92 }).toBuffer(), 'image/jpeg');
async function worker() {
  if (workerStarted) return;
  workerStarted = true;
  await t.deps.jobs.startWorker();
}
/** Poll until the analysis is final (the job runs on its own). */
async function settled(id: string, headers = A()) {
  for (let i = 0; i < 600; i++) {
    const a = (await get(id, headers)).json();
    if (a.status === 'succeeded' || a.status === 'failed') return a;
    await sleep(50);
  }
  throw new Error(`analysis ${id} did not finish`);
}
/** The verified webhook deliveries to /a about this analysis. */
async function deliveries(id: string, n = 1) {
  const mine = () =>
    rx.at('/a').map((d) =>
      new Webhook(secretA).verify(d.body, {
        'webhook-id': String(d.headers['webhook-id']),
        'webhook-timestamp': String(d.headers['webhook-timestamp']),
        'webhook-signature': String(d.headers['webhook-signature']),
      }) as { type: string; data: Record<string, unknown> & { id: string } },
    ).filter((e) => e.data.id === id);
  for (let i = 0; i < 400 && mine().length < n; i++) await sleep(50);
  return { events: mine(), raw: rx.at('/a').filter((d) => d.body.includes(id)) };
}
async function count(table: string, where: string) {
  return ((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table} where ${where}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
}
/** Read an SSE stream over HTTP: `onFirst` runs once the first event (the current state, sent after subscribing) is in. */
async function sse(id: string, onFirst: () => void) {
  const res = await fetch(`${base}/v1/style/analyses/${id}/events`, { headers: A() });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  let first = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
    if (!first && text.includes('\n\n')) {
      first = true;
      onFirst();
    }
  }
  return text
    .split('\n\n')
    .filter((b) => b.includes('data: '))
    .map((b) => ({ event: /event: (\w+)/.exec(b)![1]!, data: JSON.parse(/data: (.*)/.exec(b)![1]!) }));
}

describe('a job that cannot finish', () => {
  it('the selfie erased before the job runs → failed INPUT_GONE, the webhook style.analysis.failed, no provider call', async () => {
    const calls = geminiCalls();
    const res = await post({ image: await freshSelfie(), analyser: 'gemini' });
    expect(res.statusCode, res.body).toBe(202);
    const a = res.json();
    expect(a).toMatchObject({ status: 'queued', analyser: { name: 'gemini' }, face: null, color: null });
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/uploads/${a.selfie.upload_id}`, headers: A() })).statusCode).toBe(204);
    await worker();
    const done = await settled(a.id);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'INPUT_GONE' }, face: null, color: null });
    expect(geminiCalls()).toBe(calls);
    const { events } = await deliveries(a.id);
    expect(events.map((e) => e.type)).toEqual(['style.analysis.failed']);
    expect(events[0]!.data).toMatchObject({ id: a.id, status: 'failed', error: { code: 'INPUT_GONE' } });
  });
});

describe('POST /v1/style/analyses with analyser: gemini', () => {
  it('202 queued, then the events stream processing → succeeded; Gemini’s answer with its cost and attempt; a signed webhook; tenant B sees nothing', async () => {
    await worker();
    // Axes between soft and true autumn: close enough for tie-break questions.
    const close = { ...SAMPLE_STYLE_ANSWER.color, season12: 'soft_autumn', top3: ['soft_autumn', 'true_autumn', 'deep_autumn'], axes: { temperature: 0.6, value: 0.42, chroma: 0.25 } };
    fake.jsonAnswer = { ...structuredClone(SAMPLE_STYLE_ANSWER), color: close };
    let release!: () => void;
    fake.hold = new Promise<void>((r) => (release = r));
    const calls = geminiCalls();
    const res = await post({ image: await freshSelfie(), analyser: 'gemini', shopper_id: 'gem-1' });
    expect(res.statusCode, res.body).toBe(202);
    const queued = res.json();
    expect(res.headers.location).toBe(`/v1/style/analyses/${queued.id}`);
    expect(queued).toMatchObject({ status: 'queued', source: 'photo', analyser: { name: 'gemini', version: '1:gemini-2.5-flash' }, cached: false, completed_at: null });
    expect(queued.selfie.upload_id).toMatch(/^upl_/);
    problem(await get(queued.id, bearer(t.tenantB.secretKey)), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    // The job is at Gemini (held); the stream's first event is the state now, then the job's.
    for (let i = 0; i < 400 && geminiCalls() === calls; i++) await sleep(25);
    expect(geminiCalls()).toBe(calls + 1);
    const events = await sse(queued.id, () => {
      fake.hold = null;
      release();
    });
    const statuses = events.filter((e) => e.event === 'status').map((e) => e.data.status);
    expect(statuses[0]).toBe('processing');
    expect(statuses.at(-1)).toBe('succeeded');
    expect(events.at(-1)).toMatchObject({ event: 'analysis', data: { id: queued.id, status: 'succeeded', analyser: { name: 'gemini' } } });

    const a = (await get(queued.id)).json();
    expect(a).toMatchObject({ status: 'succeeded', source: 'photo', analyser: { name: 'gemini', model: 'gemini-2.5-flash' }, cached: false, error: null, shopper_id: 'gem-1' });
    fake.jsonAnswer = structuredClone(SAMPLE_STYLE_ANSWER);
    // The fake's answer, through our classifier and texts, with the quiz questions that would separate its two close seasons.
    expect(a.color.season12.season).toBe('soft_autumn');
    expect(a.color.measured.skin.hex).toBe(SAMPLE_STYLE_ANSWER.color.measured.skin.toLowerCase());
    expect(a.color.tie_breakers.length).toBeGreaterThan(0);
    expect(a.color.tie_breakers).toEqual(tieBreakers({ axes: close.axes }));
    expect(a.face.shape).toBe('oval');
    expect(a.cost_usd).toBeGreaterThan(0);
    expect(a.attempts).toEqual([expect.objectContaining({ analyser: 'gemini', model: 'gemini-2.5-flash', outcome: 'succeeded', error_class: null, cost_usd: a.cost_usd })]);
    // One call, with the face crop inline.
    const call = fake.calls('POST', /:generateContent$/).at(-1)!;
    const parts = (call.body as { contents: { parts: { inlineData?: { mimeType: string } }[] }[] }).contents[0]!.parts;
    expect(parts.some((p) => p.inlineData?.mimeType === 'image/jpeg')).toBe(true);
    expect(await count('usage_events', `type = 'style.analysis' and ref_id = '${a.id}' and cost_usd > 0`)).toBe(1);

    const { events: hooks, raw } = await deliveries(a.id);
    expect(hooks.map((e) => e.type)).toEqual(['style.analysis.succeeded']);
    expect(hooks[0]!.data).toMatchObject({ id: a.id, status: 'succeeded', analyser: { name: 'gemini' }, fell_back: false, cached: false });
    expect(raw[0]!.body).not.toMatch(/#[0-9a-f]{6}/i); // ids and outcome, never a person's colours
  });

  it('a photo the offline check withholds every answer from is answered at once (201, retake), with no Gemini call', async () => {
    await worker();
    const calls = geminiCalls();
    const res = await post({ image: dataUrl(await garmentPng()), analyser: 'gemini' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'succeeded', analyser: { name: 'local' }, face: null, color: null, quality: { retake: true } });
    expect(res.json().quality.issues[0].code).toBe('no_face');
    expect(geminiCalls()).toBe(calls);
  });

  it('a repeat of a Gemini analysis is answered from the cache at once (201, cached, no perception, no provider call)', async () => {
    await worker();
    const image = await freshSelfie();
    const first = await settled((await post({ image, analyser: 'gemini' })).json().id);
    expect(first.analyser.name).toBe('gemini');
    const [calls, before] = [geminiCalls(), t.modules.style.stats()];
    const res = await post({ image, analyser: 'gemini' });
    expect(res.statusCode, res.body).toBe(201);
    const again = res.json();
    const after = t.modules.style.stats();
    expect(again).toMatchObject({ status: 'succeeded', cached: true, analyser: { name: 'gemini' }, cost_usd: 0 });
    expect(again.color).toEqual(first.color);
    expect([geminiCalls() - calls, after.perceptionRuns - before.perceptionRuns, after.analyserRuns - before.analyserRuns, after.cacheHits - before.cacheHits]).toEqual([0, 0, 0, 1]);
    // The offline analyser's key is another entry: a local request for the same photo is analysed.
    expect((await post({ image })).json().cached).toBe(false);
  });

  it('quiz_result_id: the job fuses Gemini’s colour answer with the quiz (source fused, the photo’s measured colours kept)', async () => {
    await worker();
    const quiz = await t.app.inject({
      method: 'POST',
      url: '/v1/style/quiz-results',
      headers: A(),
      payload: { answers: [{ question: 'veins', option: 'blue_purple' }, { question: 'jewellery', option: 'silver' }, { question: 'sun', option: 'burns' }] },
    });
    expect(quiz.statusCode, quiz.body).toBe(201);
    const res = await post({ image: await freshSelfie(), analyser: 'gemini', quiz_result_id: quiz.json().id });
    expect(res.statusCode, res.body).toBe(202);
    const a = await settled(res.json().id);
    expect(a).toMatchObject({ status: 'succeeded', source: 'fused', analyser: { name: 'gemini' } });
    expect(a.color.measured.skin.hex).toBe(SAMPLE_STYLE_ANSWER.color.measured.skin.toLowerCase());
    // A cool quiz pulls Gemini's warm answer (temperature 0.8) toward cool.
    expect(a.color.axes.temperature).toBeLessThan(SAMPLE_STYLE_ANSWER.color.axes.temperature);
    problem(await post({ image: await freshSelfie(), analyser: 'gemini', quiz_result_id: quiz.json().id }, bearer(t.tenantB.secretKey)), 404, 'QUIZ_RESULT_NOT_FOUND');
  });

  it('a process-only tenant’s selfie waits for the job, then is erased; the answer stays', async () => {
    await worker();
    const tn = await t.modules.tenants.tenants.createTenant({ name: 'Process only, Gemini', retention: 'process-only' });
    const k = await t.modules.tenants.tenants.createKey(tn.id, {});
    const res = await post({ image: await freshSelfie(), analyser: 'gemini' }, bearer(k.key));
    expect(res.statusCode, res.body).toBe(202);
    const a = await settled(res.json().id, bearer(k.key));
    expect(a).toMatchObject({ status: 'succeeded', analyser: { name: 'gemini' }, selfie: null });
    expect(a.color).not.toBeNull();
    expect(await count('uploads', `tenant_id = '${tn.id}' and deleted_at is null`)).toBe(0);
    expect(await count('style_analyses', `id = '${a.id}' and selfie_blob_key is null`)).toBe(1);
  });

  // Last: these five failures in a row open Gemini's breaker.
  it.each([
    ['429', [{ kind: 'rate_limited', retryAfterSeconds: 1 }, { kind: 'rate_limited', retryAfterSeconds: 1 }], [['gemini', 'failed', 'rate_limited'], ['gemini', 'failed', 'rate_limited'], ['local', 'succeeded', null]]],
    ['500', [{ kind: 'server_error', status: 500 }, { kind: 'server_error', status: 500 }], [['gemini', 'failed', 'server_error'], ['gemini', 'failed', 'server_error'], ['local', 'succeeded', null]]],
    ['invalid JSON', [{ kind: 'provider_error', code: 'INVALID_JSON' }], [['gemini', 'failed', 'server_error'], ['local', 'succeeded', null]]],
  ] as const)('Gemini answering %s → the offline analyser’s answer (analyser local); the attempts show the failed Gemini calls', async (_label, scenarios, expected) => {
    await worker();
    for (const s of scenarios) fake.scenario(s);
    const calls = geminiCalls();
    const res = await post({ image: await freshSelfie(), analyser: 'gemini' });
    expect(res.statusCode, res.body).toBe(202);
    const a = await settled(res.json().id);
    expect(geminiCalls() - calls).toBe(scenarios.length);
    expect(a).toMatchObject({ status: 'succeeded', analyser: { name: 'local', model: null }, cost_usd: 0, error: null });
    expect(a.quality.retake).toBe(false);
    expect(a.color.white_balance.method).toBe('sclera'); // measured by the offline analyser, not Gemini's `none`
    expect(a.face.scores).toHaveLength(7);
    expect(a.attempts.map((x: { analyser: string; outcome: string; error_class: string | null }) => [x.analyser, x.outcome, x.error_class])).toEqual(expected);
    const { events } = await deliveries(a.id);
    expect(events[0]).toMatchObject({ type: 'style.analysis.succeeded', data: { fell_back: true, analyser: { name: 'local' } } });
  });

  it('after five Gemini failures in a row its breaker is open: the next analysis skips Gemini and the offline analyser answers', async () => {
    const calls = geminiCalls();
    const a = await settled((await post({ image: await freshSelfie(), analyser: 'gemini' })).json().id);
    expect(geminiCalls()).toBe(calls);
    expect(a.analyser.name).toBe('local');
    const attempts = a.attempts.map((x: { analyser: string; outcome: string }) => [x.analyser, x.outcome]);
    expect(attempts).toHaveLength(2);
    expect(attempts).toEqual(expect.arrayContaining([['gemini', 'skipped'], ['local', 'succeeded']]));
  });
});
