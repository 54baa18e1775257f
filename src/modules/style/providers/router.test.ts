/**
 * The style router: the real Gemini adapter against the fake generateContent server, and a
 * stand-in for the offline analyser (another engineer's code: the router's job is the fallback).
 * Attempts are written to style_attempts on the test database and read back.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RoutingError, type AttemptRecord } from '../../../platform/providers/router.js';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { startFakeGemini, SAMPLE_STYLE_ANSWER, type FakeGemini } from '../../../../test/fakes/gemini.js';
import { selfieInput, standInLocalAnalyser } from '../../../../test/style-helpers.js';
import { createGeminiStyleAnalyser } from './gemini.js';
import { createStyleRouter, type StyleRouterOptions } from './router.js';
import { attemptRow, insertStyleAttempts, listStyleAttempts } from './attempts.js';
import type { AnalyserInput } from '../analyser/index.js';
import { createStyleRouterFromConfig } from './index.js';
import { loadConfig } from '../../../config.js';

let h: TestApp;
let fake: FakeGemini;
let selfie: AnalyserInput;
let local: ReturnType<typeof standInLocalAnalyser>;
const geminiCalls = () => fake.calls('POST', /:generateContent$/).length;

function router(over: Partial<StyleRouterOptions> = {}, withGemini = true) {
  local = standInLocalAnalyser();
  const gemini = createGeminiStyleAnalyser({ apiKey: fake.apiKey, baseUrl: fake.url });
  return createStyleRouter({ analysers: withGemini ? [gemini, local] : [local], retries: 1, ...over });
}
async function analyse(r: ReturnType<typeof router>, asked: 'local' | 'gemini' = 'gemini') {
  const attempts: AttemptRecord[] = [];
  const result = await r.analyse({ input: selfie, analyser: asked, signal: AbortSignal.timeout(20_000), onAttempt: (a) => attempts.push(a) });
  return { result, attempts };
}

beforeAll(async () => {
  h = await createTestApp({ seed: false });
  fake = await startFakeGemini();
  selfie = await selfieInput();
});
afterAll(async () => {
  await fake?.close();
  await h?.close();
});
beforeEach(() => {
  fake.requests.splice(0);
  fake.jsonAnswer = structuredClone(SAMPLE_STYLE_ANSWER);
});

describe('style router', () => {
  it('asked for Gemini and Gemini answers: its answer, its cost, one attempt, no offline run', async () => {
    const { result, attempts } = await analyse(router());
    expect(result.analyser).toMatchObject({ name: 'gemini', model: 'gemini-2.5-flash' });
    expect(result.fellBack).toBe(false);
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.output.color!.season12.season).toBe('true_autumn');
    expect(attempts.map((a) => [a.provider, a.outcome])).toEqual([['gemini', 'succeeded']]);
    expect(attempts[0]!.costUsd).toBe(result.costUsd);
    expect(local.runs).toBe(0);
  });

  it('Gemini failing with 429 (retried) falls back to the offline analyser; the attempts are recorded with their error and cost', async () => {
    const r = router();
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 1 });
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 1 });
    const { result, attempts } = await analyse(r);
    expect(result.analyser).toEqual({ name: 'local', version: 'stand-in-1', model: null });
    expect(result.fellBack).toBe(true);
    expect(result.output.color!.season12.season).toBe('light_summer');
    expect(local.runs).toBe(1);
    expect(geminiCalls()).toBe(2); // the first call and one retry

    await insertStyleAttempts(h.deps.db, attempts.map((a) => attemptRow('ten_router', 'sta_router1', a)));
    const rows = await listStyleAttempts(h.deps.db, 'ten_router', 'sta_router1');
    expect(rows.map((x) => [x.analyser, x.outcome, x.errorClass, x.costUsd])).toEqual([
      ['gemini', 'failed', 'rate_limited', 0],
      ['gemini', 'failed', 'rate_limited', 0],
      ['local', 'succeeded', null, 0],
    ]);
    expect(rows[0]!.errorMessage).toMatch(/429/);
    expect(rows[0]!.model).toBe(null);
    expect(await listStyleAttempts(h.deps.db, 'ten_other', 'sta_router1')).toEqual([]);
  });

  it.each([
    ['a 5xx (retried)', [{ kind: 'server_error', status: 500 }, { kind: 'server_error', status: 500 }], 2, 'server_error'],
    ['invalid JSON (not retried)', [{ kind: 'provider_error', code: 'INVALID_JSON' }], 1, 'server_error'],
    ['a schema violation (not retried)', [{ kind: 'provider_error', code: 'SCHEMA_VIOLATION' }], 1, 'server_error'],
    ['a safety block (not an end: the offline analyser still answers)', [{ kind: 'provider_error', code: 'SAFETY' }], 1, 'content_policy'],
  ] as const)('%s → the offline answer', async (_name, scenarios, calls, errorClass) => {
    const r = router();
    for (const s of scenarios) fake.scenario(s);
    const { result, attempts } = await analyse(r);
    expect(result.analyser.name).toBe('local');
    expect(geminiCalls()).toBe(calls);
    expect(attempts.filter((a) => a.provider === 'gemini').every((a) => a.outcome === 'failed' && a.errorClass === errorClass)).toBe(true);
    expect(local.runs).toBe(1);
  });

  it('asked for the offline analyser (or Gemini without a key): Gemini is never called', async () => {
    expect((await analyse(router(), 'local')).result.analyser.name).toBe('local');
    const noKey = router({}, false);
    expect(noKey.order('gemini')).toEqual(['local']);
    expect((await analyse(noKey, 'gemini')).result.analyser.name).toBe('local');
    expect(geminiCalls()).toBe(0);
  });

  it('the breaker opens after repeated Gemini failures: Gemini is skipped, the offline analyser answers', async () => {
    const r = router({ retries: 0, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      fake.scenario({ kind: 'server_error', status: 503 });
      expect((await analyse(r)).result.analyser.name).toBe('local');
    }
    expect(r.breakerState('gemini')).toBe('open');
    expect(geminiCalls()).toBe(3);
    const { result, attempts } = await analyse(r);
    expect(result.analyser.name).toBe('local');
    expect(geminiCalls()).toBe(3); // not called while open
    expect(attempts[0]).toMatchObject({ provider: 'gemini', outcome: 'skipped', errorClass: 'circuit_open' });
  });

  it('when the offline analyser fails too, the routing fails (the job retries or fails the analysis)', async () => {
    const r = router();
    local.failNext(1);
    fake.scenario({ kind: 'provider_error', code: 'INVALID_JSON' });
    const e = await r.analyse({ input: selfie, analyser: 'gemini', signal: AbortSignal.timeout(10_000), onAttempt: () => undefined }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RoutingError);
    expect((e as RoutingError).code).toBe('ALL_PROVIDERS_FAILED');
  });

  it('refuses to be built without the offline analyser', () => {
    expect(() => createStyleRouter({ analysers: [createGeminiStyleAnalyser({ apiKey: 'k' })] })).toThrow(/local analyser is required/);
  });

  it('from configuration: Gemini with GEMINI_API_KEY and the PROBADOR_STYLE_GEMINI_MODEL model, else the offline analyser alone', async () => {
    const config = loadConfig({ GEMINI_API_KEY: fake.apiKey, GEMINI_BASE_URL: fake.url, PROBADOR_STYLE_GEMINI_MODEL: 'gemini-2.5-flash-lite' });
    const r = createStyleRouterFromConfig(config, standInLocalAnalyser());
    expect(r.order('gemini')).toEqual(['gemini', 'local']);
    expect(r.analyser('gemini')!.version).toBe('1:gemini-2.5-flash-lite');
    const { result } = await analyse(r);
    expect(result.analyser.model).toBe('gemini-2.5-flash-lite');
    expect(fake.calls('POST', '/v1beta/models/gemini-2.5-flash-lite:generateContent')).toHaveLength(1);
    expect(createStyleRouterFromConfig(loadConfig({}), standInLocalAnalyser()).order('gemini')).toEqual(['local']);
    expect(() => loadConfig({ PROBADOR_STYLE_GEMINI_MODEL: 'gpt-4o' })).toThrow(/PROBADOR_STYLE_GEMINI_MODEL/);
  });
});
