/**
 * Where the style pieces meet, on the real app with the real face models and the offline
 * analyser: the platform cache in front of the analyses (figures at /admin/v1/cache, dropped by
 * DELETE, the shopper's erasure and the selfie's purge), quiz fusion from the analysis side,
 * tie-break questions on photo analyses, the shopper's erasure reaching style data through the
 * try-on module's DELETE /v1/shoppers/:id, quiz results following the tenant's retention, and a
 * widget session unable to reach another session's analysis through a quiz.
 */
import sharp from 'sharp';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { dataUrl } from '../../../test/tryon-helpers.js';
import { selfie1024 } from '../../../test/style-images.js';
import { runMaintenance } from '../../maintenance.js';
import { tieBreakers } from './index.js';

let t: TestApp;
let selfie: Buffer;
beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_PERCEPTION_THREADS: '1' } });
  expect((await t.modules.perception.warm()).models).toBe('ready');
  selfie = await sharp(await selfie1024()).jpeg({ quality: 92 }).toBuffer();
}, 120_000);
afterAll(async () => t?.close());

const A = () => bearer(t.tenantA.secretKey);
const pk = (session: string) => ({ ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin, 'probador-session': session });
const post = (url: string, payload: object, headers: Record<string, string> = A()) => t.app.inject({ method: 'POST', url, headers, payload });
const analyse = (payload: object, headers: Record<string, string> = A()) => post('/v1/style/analyses', payload, headers);
const get = (url: string, headers: Record<string, string> = A()) => t.app.inject({ method: 'GET', url, headers });
let variant = 0;
const freshSelfie = async () => dataUrl(await sharp(selfie).modulate({ brightness: 1 + ++variant * 0.003 }).jpeg({ quality: 92 }).toBuffer(), 'image/jpeg');
const figures = async () => {
  const res = await get('/admin/v1/cache', t.operatorAuth);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data as { namespace: string; hits: number; misses: number; sets: number; invalidated: number }[]).find((n) => n.namespace === 'style.analyses')!;
};
const COOL_QUIZ = [
  { question: 'veins', option: 'blue_purple' },
  { question: 'jewellery', option: 'silver' },
  { question: 'white_cream', option: 'white' },
];
async function count(table: string, where: string) {
  return ((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table} where ${where}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
}

describe('the cache in front of the analyses', () => {
  it('a repeat is answered from the platform cache: cached, no perception or analyser run, a hit in the figures', async () => {
    const image = await freshSelfie();
    const f0 = await figures();
    const first = (await analyse({ image })).json();
    expect(first.cached).toBe(false);
    const f1 = await figures();
    expect([f1.misses - f0.misses, f1.sets - f0.sets, f1.hits - f0.hits]).toEqual([1, 1, 0]);
    const before = t.modules.style.stats();
    const again = (await analyse({ image })).json();
    const after = t.modules.style.stats();
    expect(again).toMatchObject({ cached: true, status: 'succeeded', analyser: { name: 'local' } });
    expect(again.color).toEqual(first.color);
    expect([after.analyserRuns - before.analyserRuns, after.perceptionRuns - before.perceptionRuns, after.cacheHits - before.cacheHits]).toEqual([0, 0, 1]);
    const f2 = await figures();
    expect(f2.hits - f1.hits).toBe(1);
  });

  it('DELETE of the analysis drops its entry: the next repeat is analysed anew', async () => {
    const image = await freshSelfie();
    const first = (await analyse({ image, kinds: ['face'] })).json();
    const f0 = await figures();
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/style/analyses/${first.id}`, headers: A() })).statusCode).toBe(204);
    expect((await figures()).invalidated - f0.invalidated).toBe(1);
    const runs = t.modules.style.stats().analyserRuns;
    const again = (await analyse({ image, kinds: ['face'] })).json();
    expect(again.cached).toBe(false);
    expect(t.modules.style.stats().analyserRuns - runs).toBe(1);
  });

  it('a process-only tenant is not cached (its repeat is analysed, nothing set)', async () => {
    const tn = await t.modules.tenants.tenants.createTenant({ name: 'Process only, cache', retention: 'process-only' });
    const k = await t.modules.tenants.tenants.createKey(tn.id, {});
    const image = await freshSelfie();
    const f0 = await figures();
    expect((await analyse({ image, kinds: ['color'] }, bearer(k.key))).json().cached).toBe(false);
    expect((await analyse({ image, kinds: ['color'] }, bearer(k.key))).json().cached).toBe(false);
    const f1 = await figures();
    expect([f1.hits - f0.hits, f1.sets - f0.sets]).toEqual([0, 0]);
  });
});

describe('quiz and tie-breakers from the analysis side', () => {
  it('a photo analysis carries the tie-break questions of its own answer', async () => {
    const a = (await analyse({ image: await freshSelfie(), kinds: ['color'] })).json();
    expect(a.color.tie_breakers).toEqual(tieBreakers(a.color));
  });

  it('quiz_result_id fuses the photo’s colour answer with the quiz (source fused, weighted between the two, measured colours kept)', async () => {
    const image = await freshSelfie();
    const quiz = await post('/v1/style/quiz-results', { answers: COOL_QUIZ });
    expect(quiz.statusCode, quiz.body).toBe(201);
    const photo = (await analyse({ image })).json();
    const res = await analyse({ image, quiz_result_id: quiz.json().id });
    expect(res.statusCode, res.body).toBe(201);
    const fused = res.json();
    expect(fused).toMatchObject({ status: 'succeeded', source: 'fused', analyser: { name: 'local' } });
    expect(photo.source).toBe('photo');
    // Between the photo's point and the quiz's on the temperature axis, strictly.
    const [p, q, f] = [photo.color.axes.temperature, quiz.json().color.axes.temperature, fused.color.axes.temperature];
    expect(f).toBeLessThan(Math.max(p, q));
    expect(f).toBeGreaterThan(Math.min(p, q));
    expect(fused.color.measured).toEqual(photo.color.measured);
    expect(fused.color.white_balance).toEqual(photo.color.white_balance);
    // Questions already answered are never asked again as tie-breakers.
    for (const qid of fused.color.tie_breakers) expect(COOL_QUIZ.map((x) => x.question)).not.toContain(qid);
    expect(fused.face).toEqual(photo.face);
    // A fused answer is not the photo's: a later plain request gets the photo's answer back.
    const plain = (await analyse({ image })).json();
    expect(plain).toMatchObject({ cached: true, source: 'photo' });
    expect(plain.color).toEqual(photo.color);
  });

  it('quiz_result_id of another store or another widget session → 404; with face only → 400; nothing stored', async () => {
    const mine = (await post('/v1/style/quiz-results', { answers: COOL_QUIZ }, pk('session-quiz-owner-0001'))).json().id as string;
    const before = await count('style_analyses', `tenant_id = '${t.tenantA.id}'`);
    problem(await analyse({ image: await freshSelfie(), quiz_result_id: mine }, bearer(t.tenantB.secretKey)), 404, 'QUIZ_RESULT_NOT_FOUND');
    problem(await analyse({ image: await freshSelfie(), quiz_result_id: mine }, pk('session-somebody-else-01')), 404, 'QUIZ_RESULT_NOT_FOUND');
    problem(await analyse({ image: await freshSelfie(), quiz_result_id: 'qzr_01JD0000000000000000000000' }), 404, 'QUIZ_RESULT_NOT_FOUND');
    problem(await analyse({ image: await freshSelfie(), kinds: ['face'], quiz_result_id: mine }), 400, 'VALIDATION_FAILED');
    expect(await count('style_analyses', `tenant_id = '${t.tenantA.id}'`)).toBe(before);
    // Its own session may; so may the store's server.
    expect((await analyse({ image: await freshSelfie(), kinds: ['color'], quiz_result_id: mine }, pk('session-quiz-owner-0001'))).json().source).toBe('fused');
    expect((await analyse({ image: await freshSelfie(), kinds: ['color'], quiz_result_id: mine })).json().source).toBe('fused');
  });

  it('a widget session cannot reach another session’s analysis through a quiz result or a colour match', async () => {
    const theirs = (await analyse({ image: await freshSelfie(), kinds: ['color'] }, pk('session-analysis-owner-1'))).json().id as string;
    problem(await post('/v1/style/quiz-results', { answers: COOL_QUIZ, analysis_id: theirs }, pk('session-somebody-else-02')), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await post('/v1/style/color-matches', { analysis_id: theirs, colors: ['#112233'] }, pk('session-somebody-else-02')), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    expect((await post('/v1/style/quiz-results', { answers: COOL_QUIZ, analysis_id: theirs }, pk('session-analysis-owner-1'))).statusCode).toBe(201);
  });
});

describe('erasure and retention', () => {
  it('DELETE /v1/shoppers/:id erases the shopper’s analyses (selfies too), quiz results and their cache entries; another store’s shopper of the same id stays', async () => {
    const shopper = 'erase-style-shopper';
    const image = await freshSelfie();
    const a = (await analyse({ image, shopper_id: shopper })).json();
    const q = (await post('/v1/style/quiz-results', { answers: COOL_QUIZ, shopper_id: shopper })).json();
    const b = (await analyse({ image: await freshSelfie(), shopper_id: shopper, kinds: ['face'] }, bearer(t.tenantB.secretKey))).json();
    const blobKey = ((await t.deps.db.execute(sql.raw(`select blob_key from uploads where id = '${a.selfie.upload_id}'`))) as unknown as { rows: { blob_key: string }[] }).rows[0]!.blob_key;
    expect(await t.deps.blobs.get(blobKey)).toBeDefined();

    const res = await t.app.inject({ method: 'DELETE', url: `/v1/shoppers/${shopper}`, headers: A() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ object: 'shopper_erasure', shopper_id: shopper, style_analyses_erased: 1, quiz_results_erased: 1 });
    expect(res.json().uploads_erased).toBeGreaterThanOrEqual(1);
    problem(await get(`/v1/style/analyses/${a.id}`), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await get(`/v1/style/quiz-results/${q.id}`), 404, 'QUIZ_RESULT_NOT_FOUND');
    expect(await t.deps.blobs.get(blobKey)).toBeUndefined();
    expect(await count('style_analyses', `shopper_id = '${shopper}' and tenant_id = '${t.tenantA.id}'`)).toBe(0);
    // The cache no longer answers with the erased analysis.
    expect((await analyse({ image })).json().cached).toBe(false);
    // Tenant B's shopper with the same id is another person.
    expect((await get(`/v1/style/analyses/${b.id}`, bearer(t.tenantB.secretKey))).statusCode).toBe(200);
  });

  it('the retention purge: selfies past it erased (their cache entries with them, the answers stay); quiz results past it deleted', async () => {
    const image = await freshSelfie();
    const a = (await analyse({ image, kinds: ['color'] })).json();
    const q = (await post('/v1/style/quiz-results', { answers: COOL_QUIZ })).json();
    const tn = await t.modules.tenants.tenants.createTenant({ name: 'Seven days', retention: '7d' });
    const k = await t.modules.tenants.tenants.createKey(tn.id, {});
    const kept = (await post('/v1/style/quiz-results', { answers: COOL_QUIZ }, bearer(k.key))).json();
    t.clock.advance(25 * 3600 * 1000); // past the default 24 h, within 7 d
    const purged = await runMaintenance(t.deps, { purgeStyle: () => t.modules.style.purgeExpired() });
    expect(purged.styleSelfies).toBeGreaterThanOrEqual(1);
    expect(purged.quizResults).toBeGreaterThanOrEqual(1);
    problem(await get(`/v1/style/quiz-results/${q.id}`), 404, 'QUIZ_RESULT_NOT_FOUND');
    expect((await get(`/v1/style/quiz-results/${kept.id}`, bearer(k.key))).statusCode).toBe(200);
    const after = (await get(`/v1/style/analyses/${a.id}`)).json();
    expect(after.selfie).toBeNull();
    expect(after.color).toEqual(a.color);
    // The selfie is gone, so is the link from the image to its answer: a repeat is analysed.
    expect((await analyse({ image, kinds: ['color'] })).json().cached).toBe(false);
  });
});
