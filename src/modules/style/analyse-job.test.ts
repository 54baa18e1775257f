/**
 * The `style.analyse` job's handler on the real queue (jobs table, or BullMQ on Redis) with an
 * in-test port over a Map standing for the analyses table: status queued → processing →
 * succeeded|failed, events, attempts in style_attempts, and the cache filled under the analyser
 * that answered. The job runs under its own name here (`style.analyse.test`): the app registers
 * the real one with the real ports (style-gemini.test.ts runs that end to end).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { startFakeGemini, SAMPLE_STYLE_ANSWER, type FakeGemini } from '../../../test/fakes/gemini.js';
import { PORTRAIT, selfieInput, standInLocalAnalyser } from '../../../test/style-helpers.js';
import type { TAnalysisKind } from '../../../contracts/style.js';
import type { JobContext } from '../../platform/jobs/types.js';
import { createGeminiStyleAnalyser } from './providers/gemini.js';
import { createStyleRouter } from './providers/router.js';
import { listStyleAttempts } from './providers/attempts.js';
import { createAnalyseJob, RetryLater, type AnalyseJobPorts, type StyleAnalysisEvent } from './analyse-job.js';
import { styleCache, styleCacheKey } from './cache.js';

type Row = { tenantId: string; status: 'queued' | 'processing' | 'succeeded' | 'failed'; kinds: TAnalysisKind[]; analyser: 'local' | 'gemini'; selfie: boolean; answer?: unknown; analyserUsed?: unknown; error?: unknown; statuses: string[] };

let h: TestApp;
let fake: FakeGemini;
let local: ReturnType<typeof standInLocalAnalyser>;
let job: ReturnType<typeof createAnalyseJob>;
const rows = new Map<string, Row>();
const events: (StyleAnalysisEvent & { tenantId: string })[] = [];
const sha = createHash('sha256').update(PORTRAIT).digest('hex');
let seq = 0;
let inputsLoaded = 0;

const ANALYSE_JOB = 'style.analyse.test';

/** The ports the style service implements (service-job.ts), here over a Map. */
const ports: AnalyseJobPorts = {
  async begin(tenantId, id) {
    const r = rows.get(id);
    if (!r || r.tenantId !== tenantId || (r.status !== 'queued' && r.status !== 'processing')) return null;
    r.status = 'processing';
    r.statuses.push('processing');
    return { kinds: r.kinds, analyser: r.analyser, imageSha256: sha };
  },
  async loadInput(_tenantId, id, kinds) {
    inputsLoaded++;
    return rows.get(id)!.selfie ? selfieInput({ kinds }) : null;
  },
  async answerFrom(tenantId, id, earlierId) {
    const earlier = rows.get(earlierId);
    if (!earlier || earlier.tenantId !== tenantId || earlier.status !== 'succeeded') return null;
    const r = rows.get(id)!;
    Object.assign(r, { status: 'succeeded', answer: earlier.answer, analyserUsed: earlier.analyserUsed });
    r.statuses.push('succeeded');
    return earlier.analyserUsed as never;
  },
  async succeed(_tenantId, id, result) {
    const r = rows.get(id)!;
    if (r.status !== 'processing') return false;
    Object.assign(r, { status: 'succeeded', answer: result.output, analyserUsed: result.analyser });
    r.statuses.push('succeeded');
    return true;
  },
  async fail(_tenantId, id, error) {
    const r = rows.get(id)!;
    if (r.status !== 'processing' && r.status !== 'queued') return false;
    Object.assign(r, { status: 'failed', error });
    r.statuses.push('failed');
    return true;
  },
  async emit(tenantId, event) {
    events.push({ ...event, tenantId });
  },
};

function queue(over: Partial<Row> = {}) {
  const id = `sta_job${++seq}`;
  rows.set(id, { tenantId: h.tenantA.id, status: 'queued', kinds: ['face', 'color'], analyser: 'gemini', selfie: true, statuses: ['queued'], ...over });
  return id;
}
/** The analysis is final and its final event was emitted (the job emits after storing). */
async function settled(id: string) {
  for (let i = 0; i < 500; i++) {
    const s = rows.get(id)!.status;
    const emitted = events.some((e) => e.analysis_id === id && e.status === s);
    if ((s === 'succeeded' || s === 'failed') && emitted) return rows.get(id)!;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`analysis ${id} did not finish`);
}
const ctx = (attempt: number): JobContext => ({ jobId: 'job_test', attempt, maxAttempts: 3, signal: AbortSignal.timeout(20_000), log: h.deps.log });

beforeAll(async () => {
  h = await createTestApp();
  fake = await startFakeGemini();
  local = standInLocalAnalyser();
  const router = createStyleRouter({ analysers: [createGeminiStyleAnalyser({ apiKey: fake.apiKey, baseUrl: fake.url }), local], retries: 0 });
  job = createAnalyseJob(h.deps, router, ports, styleCache(h.deps));
  h.deps.jobs.register({ ...job.definition, name: ANALYSE_JOB } as never);
  await h.deps.jobs.startWorker(); // starts the new job's worker (BullMQ); the table queue reads its catalog as it goes
});
afterAll(async () => {
  await fake?.close();
  await h?.close();
});
beforeEach(async () => {
  fake.jsonAnswer = structuredClone(SAMPLE_STYLE_ANSWER);
  events.splice(0);
  await styleCache(h.deps).invalidate(); // each test starts with nothing cached
});

describe('style.analyse job', () => {
  it('queued → processing → succeeded with Gemini’s answer; events, attempts with cost, the cache filled', async () => {
    const id = queue();
    await h.deps.jobs.enqueue(ANALYSE_JOB, { tenantId: h.tenantA.id, analysisId: id });
    const row = await settled(id);
    expect(row.statuses).toEqual(['queued', 'processing', 'succeeded']);
    expect(row.analyserUsed).toMatchObject({ name: 'gemini', model: 'gemini-2.5-flash' });
    expect((row.answer as { color: { palette: { season: string } } }).color.palette.season).toBe('true_autumn');
    expect(events.map((e) => e.type)).toEqual(['style.analysis.processing', 'style.analysis.succeeded']);
    expect(events[1]).toMatchObject({ analysis_id: id, fell_back: false, analyser: { name: 'gemini' } });
    expect((events[1] as { cost_usd: number }).cost_usd).toBeGreaterThan(0);
    const attempts = await listStyleAttempts(h.deps.db, h.tenantA.id, id);
    expect(attempts.map((a) => [a.analyser, a.outcome])).toEqual([['gemini', 'succeeded']]);
    expect(attempts[0]!.costUsd).toBeGreaterThan(0);
    const gemini = { name: 'gemini', version: '1:gemini-2.5-flash' };
    expect(await styleCache(h.deps).get(styleCacheKey({ tenantId: h.tenantA.id, imageSha256: sha, kinds: ['color', 'face'], analyser: gemini }))).toEqual({ analysis_id: id });
  });

  it('Gemini failing → the offline answer; cached under the offline analyser’s key only', async () => {
    const runsBefore = local.runs;
    const id = queue({ kinds: ['color'] });
    fake.scenario({ kind: 'server_error', status: 500 });
    await h.deps.jobs.enqueue(ANALYSE_JOB, { tenantId: h.tenantA.id, analysisId: id });
    const row = await settled(id);
    expect(row.status).toBe('succeeded');
    expect(row.analyserUsed).toEqual({ name: 'local', version: 'stand-in-1', model: null });
    expect(local.runs).toBe(runsBefore + 1);
    expect(events.find((e) => e.type === 'style.analysis.succeeded')).toMatchObject({ fell_back: true });
    const attempts = await listStyleAttempts(h.deps.db, h.tenantA.id, id);
    expect(attempts.map((a) => [a.analyser, a.outcome, a.errorClass])).toEqual([
      ['gemini', 'failed', 'server_error'],
      ['local', 'succeeded', null],
    ]);
    const key = (analyser: { name: string; version: string }) => styleCacheKey({ tenantId: h.tenantA.id, imageSha256: sha, kinds: ['color'], analyser });
    expect(await styleCache(h.deps).get(key({ name: 'local', version: 'stand-in-1' }))).toEqual({ analysis_id: id });
    expect(await styleCache(h.deps).get(key({ name: 'gemini', version: '1:gemini-2.5-flash' }))).toBeUndefined();
  });

  it('a selfie erased before the job ran → failed INPUT_GONE, no analyser run', async () => {
    const runsBefore = local.runs;
    const calls = fake.requests.length;
    const id = queue({ selfie: false });
    await h.deps.jobs.enqueue(ANALYSE_JOB, { tenantId: h.tenantA.id, analysisId: id });
    const row = await settled(id);
    expect(row.error).toMatchObject({ code: 'INPUT_GONE' });
    expect(events.map((e) => e.type)).toEqual(['style.analysis.processing', 'style.analysis.failed']);
    expect([local.runs, fake.requests.length]).toEqual([runsBefore, calls]);
  });

  it('every analyser failing: retried while attempts remain, then failed ANALYSIS_FAILED with the attempts on record', async () => {
    const id = queue();
    fake.scenario({ kind: 'provider_error', code: 'INVALID_JSON' });
    local.failNext(1);
    await expect(job.run({ tenantId: h.tenantA.id, analysisId: id }, ctx(1))).rejects.toBeInstanceOf(RetryLater);
    expect(rows.get(id)!.status).toBe('processing');
    fake.scenario({ kind: 'provider_error', code: 'INVALID_JSON' });
    local.failNext(1);
    await job.run({ tenantId: h.tenantA.id, analysisId: id }, ctx(3));
    expect(rows.get(id)!.error).toMatchObject({ code: 'ANALYSIS_FAILED' });
    expect(events.at(-1)).toMatchObject({ type: 'style.analysis.failed', analysis_id: id });
    const attempts = await listStyleAttempts(h.deps.db, h.tenantA.id, id);
    expect(attempts.map((a) => [a.analyser, a.outcome])).toEqual([
      ['gemini', 'failed'],
      ['local', 'failed'],
      ['gemini', 'failed'],
      ['local', 'failed'],
    ]);
  });

  it('idempotent: a job run again after its analysis is final does nothing', async () => {
    const id = queue({ analyser: 'local' });
    await job.run({ tenantId: h.tenantA.id, analysisId: id }, ctx(1));
    const runs = local.runs;
    const n = events.length;
    await job.run({ tenantId: h.tenantA.id, analysisId: id }, ctx(1));
    expect(rows.get(id)!.statuses).toEqual(['queued', 'processing', 'succeeded']);
    expect([local.runs, events.length]).toEqual([runs, n]);
  });

  it('the cache key names tenant, image, kinds (in any order) and the analyser version: nothing else hits', async () => {
    const c = styleCache(h.deps);
    const base = { tenantId: h.tenantA.id, imageSha256: sha, kinds: ['face', 'color'] as TAnalysisKind[], analyser: { name: 'local', version: 'stand-in-1' } };
    await c.set(styleCacheKey(base), { analysis_id: 'sta_cached' });
    expect(await c.get(styleCacheKey({ ...base, kinds: ['color', 'face'] }))).toEqual({ analysis_id: 'sta_cached' });
    expect(await c.get(styleCacheKey({ ...base, tenantId: h.tenantB.id }))).toBeUndefined();
    expect(await c.get(styleCacheKey({ ...base, kinds: ['face'] }))).toBeUndefined();
    expect(await c.get(styleCacheKey({ ...base, analyser: { name: 'local', version: 'stand-in-2' } }))).toBeUndefined();
    expect(await c.get(styleCacheKey({ ...base, imageSha256: '0'.repeat(64) }))).toBeUndefined();
    // An operator drops one tenant's entries by prefix.
    expect(await c.invalidate({ prefix: `${h.tenantA.id}:` })).toBeGreaterThanOrEqual(1);
    expect(await c.get(styleCacheKey(base))).toBeUndefined();
  });

  it('a repeat of the same selfie, kinds and analyser is answered from the cache: no selfie read, no perception, no analyser run', async () => {
    const first = queue();
    await h.deps.jobs.enqueue(ANALYSE_JOB, { tenantId: h.tenantA.id, analysisId: first });
    await settled(first);
    const [calls, runs, loads] = [fake.requests.length, local.runs, inputsLoaded];
    const repeat = queue({ kinds: ['color', 'face'] });
    await h.deps.jobs.enqueue(ANALYSE_JOB, { tenantId: h.tenantA.id, analysisId: repeat });
    const row = await settled(repeat);
    expect(row.status).toBe('succeeded');
    expect(row.answer).toEqual(rows.get(first)!.answer);
    expect(events.at(-1)).toMatchObject({ type: 'style.analysis.succeeded', analysis_id: repeat, cached: true, cost_usd: 0, analyser: { name: 'gemini' } });
    expect([fake.requests.length, local.runs, inputsLoaded]).toEqual([calls, runs, loads]);
    expect(await listStyleAttempts(h.deps.db, h.tenantA.id, repeat)).toEqual([]);

    // Another tenant's identical selfie is not a hit.
    const other = queue({ tenantId: h.tenantB.id });
    await h.deps.jobs.enqueue(ANALYSE_JOB, { tenantId: h.tenantB.id, analysisId: other });
    await settled(other);
    expect(fake.requests.length).toBe(calls + 1);

    // The earlier analysis deleted: the entry is dropped and the analysis runs.
    rows.delete(first);
    rows.delete(repeat);
    const again = queue();
    await h.deps.jobs.enqueue(ANALYSE_JOB, { tenantId: h.tenantA.id, analysisId: again });
    expect((await settled(again)).status).toBe('succeeded');
    expect(fake.requests.length).toBe(calls + 2);
    expect(events.at(-1)).toMatchObject({ analysis_id: again, cached: false });
  });
});
