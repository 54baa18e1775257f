/**
 * Style feedback (`fbk_…`) on the real app and database: made, listed, read, edited and deleted
 * with a secret key and with a widget session; bad bodies are 400 problem+json (a season spelled
 * as people say it, a rating out of range or as a string, unknown fields); another tenant's (and
 * another session's) analyses and feedback are 404; an unfinished analysis is 409; Idempotency-Key
 * replays; the feedback goes with its analysis. Then the figures from a known set of feedback and
 * analyses: the agreement summary per season and Monk level with its confusion list, and the
 * dashboard's style figures (JSON and CSV, for a secret key and a signed-in store owner).
 *
 * One analysis is made for real (the offline analyser on the fixture portrait) to show what feedback
 * records of it; the others are written straight into style_analyses as the analyser would have
 * left them (known seasons, Monk levels and dates: test/style-feedback-helpers.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, type TestApp } from './harness.js';
import { insertAnalysis, type Seed } from './style-feedback-helpers.js';
import { dataUrl } from './tryon-helpers.js';
import { selfie1024 } from './style-images.js';

let t: TestApp;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
let now: number;
const seedAnalysis = (s: Seed = {}) => insertAnalysis(t, { at: now, ...s });

const A = () => bearer(t.tenantA.secretKey);
const B = () => bearer(t.tenantB.secretKey);
const SESSION_1 = 'session-one-0123456789';
const SESSION_2 = 'session-two-0123456789';
const pk = (session: string) => ({ ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin, 'probador-session': session });
const req = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
  t.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

beforeAll(async () => {
  // One perception thread: a test below makes a real analysis with the offline analyser.
  t = await createTestApp({ env: { PROBADOR_PERCEPTION_THREADS: '1' } });
  // Noon UTC today: an hour ago and two days ago are the same UTC day as an hour later.
  now = Math.floor(t.clock.now() / DAY) * DAY + 12 * HOUR;
  t.clock.set(now);
}, 120_000);
afterAll(async () => t?.close());

describe('feedback on an analysis', () => {
  it('is made, read, listed per analysis, edited and deleted with a secret key; it records what was predicted', async () => {
    const analysis = await seedAnalysis({ season: 'true_autumn', monk: 6, shape: 'round' });
    const res = await req('POST', `/v1/style/analyses/${analysis}/feedback`, A(), { rating: 4, feels_right: 'no', correction: { season: 'soft_autumn', face_shape: 'oval' }, comment: 'Close, but softer.' });
    expect(res.statusCode, res.body).toBe(201);
    const fb = res.json();
    expect(fb.id).toMatch(/^fbk_[0-9A-Z]{26}$/);
    expect(res.headers.location).toBe(`/v1/style/feedback/${fb.id}`);
    expect(fb).toMatchObject({
      object: 'style_feedback',
      analysis_id: analysis,
      user_id: null,
      rating: 4,
      feels_right: 'no',
      correction: { season: 'soft_autumn', face_shape: 'oval' },
      comment: 'Close, but softer.',
      predicted: { season: 'true_autumn', monk: 6, face_shape: 'round' },
    });
    expect((await req('GET', `/v1/style/feedback/${fb.id}`, A())).json()).toEqual(fb);

    // A second one, with only the required answer; the list is newest first and pages.
    const second = (await req('POST', `/v1/style/analyses/${analysis}/feedback`, A(), { feels_right: 'yes' })).json();
    expect(second).toMatchObject({ rating: null, correction: { season: null, face_shape: null }, comment: null });
    const page1 = (await req('GET', `/v1/style/analyses/${analysis}/feedback?limit=1`, A())).json();
    expect(page1).toMatchObject({ object: 'list', has_more: true });
    expect(page1.data.map((f: { id: string }) => f.id)).toEqual([second.id]);
    const page2 = (await req('GET', `/v1/style/analyses/${analysis}/feedback?limit=1&starting_after=${second.id}`, A())).json();
    expect(page2.data.map((f: { id: string }) => f.id)).toEqual([fb.id]);
    expect(page2.has_more).toBe(false);

    // Edit: a field changes, null clears; the prediction stays.
    t.clock.set(now + 60_000);
    const edited = await req('PATCH', `/v1/style/feedback/${fb.id}`, A(), { feels_right: 'unsure', comment: null, correction: { season: 'deep_autumn' } });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ rating: 4, feels_right: 'unsure', comment: null, correction: { season: 'deep_autumn', face_shape: null }, predicted: { season: 'true_autumn' }, created_at: fb.created_at });
    expect(edited.json().updated_at).toBe(new Date(now + 60_000).toISOString());
    t.clock.set(now);
    problem(await req('PATCH', `/v1/style/feedback/${fb.id}`, A(), {}), 400, 'VALIDATION_FAILED');

    expect((await req('DELETE', `/v1/style/feedback/${fb.id}`, A())).statusCode).toBe(204);
    problem(await req('GET', `/v1/style/feedback/${fb.id}`, A()), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    problem(await req('DELETE', `/v1/style/feedback/${fb.id}`, A()), 404, 'STYLE_FEEDBACK_NOT_FOUND');

    // What people write stays out of the logs.
    expect(t.logs.join('')).not.toContain('softer');

    // Deleting the analysis deletes its feedback.
    expect((await req('DELETE', `/v1/style/analyses/${analysis}`, A())).statusCode).toBe(204);
    problem(await req('GET', `/v1/style/feedback/${second.id}`, A()), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    problem(await req('GET', `/v1/style/analyses/${analysis}/feedback`, A()), 404, 'STYLE_ANALYSIS_NOT_FOUND');
  });

  it('on a real analysis by the offline analyser, records its season, Monk level and face shape', async () => {
    expect((await t.modules.perception.warm()).models).toBe('ready');
    const made = await req('POST', '/v1/style/analyses', A(), { image: dataUrl(await selfie1024(), 'image/png') });
    expect(made.statusCode, made.body.slice(0, 300)).toBe(201);
    const analysis = made.json();
    expect(analysis.color?.season12.season).toBeTruthy();
    const fb = await req('POST', `/v1/style/analyses/${analysis.id}/feedback`, A(), { rating: 3, feels_right: 'unsure' });
    expect(fb.statusCode, fb.body).toBe(201);
    expect(fb.json().predicted).toEqual({ season: analysis.color.season12.season, monk: analysis.color.measured.skin.monk, face_shape: analysis.face.shape });
  }, 120_000);

  it('the shopper’s erasure takes their feedback with their analyses', async () => {
    const theirs = await seedAnalysis({ shopperId: 'shopper-erased-1' });
    const other = await seedAnalysis({ shopperId: 'shopper-kept-1' });
    const gone = (await req('POST', `/v1/style/analyses/${theirs}/feedback`, A(), { feels_right: 'no', comment: 'Not me at all' })).json();
    const kept = (await req('POST', `/v1/style/analyses/${other}/feedback`, A(), { feels_right: 'yes' })).json();
    const erased = await req('DELETE', '/v1/shoppers/shopper-erased-1', A());
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json().style_analyses_erased).toBe(1);
    problem(await req('GET', `/v1/style/feedback/${gone.id}`, A()), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    expect((await req('GET', `/v1/style/feedback/${kept.id}`, A())).statusCode).toBe(200);
  });

  it('refuses bad bodies with 400 problem+json and stores nothing', async () => {
    const analysis = await seedAnalysis();
    const url = `/v1/style/analyses/${analysis}/feedback`;
    const bad: [string, unknown][] = [
      ['a season as people say it', { feels_right: 'no', correction: { season: 'soft autumn' } }],
      ['no such season', { feels_right: 'no', correction: { season: 'mid_autumn' } }],
      ['no such face shape', { feels_right: 'no', correction: { face_shape: 'egg' } }],
      ['rating above 5', { rating: 6, feels_right: 'yes' }],
      ['rating 0', { rating: 0, feels_right: 'yes' }],
      ['rating not whole', { rating: 3.5, feels_right: 'yes' }],
      ['rating as a string', { rating: '5', feels_right: 'yes' }],
      ['feels_right missing', { rating: 3 }],
      ['feels_right as a boolean', { feels_right: true }],
      ['feels_right not an answer', { feels_right: 'maybe' }],
      ['an unknown field', { feels_right: 'yes', stars: 5 }],
      ['an unknown correction field', { feels_right: 'no', correction: { undertone: 'warm' } }],
      ['a comment too long', { feels_right: 'yes', comment: 'x'.repeat(1001) }],
      ['an empty comment', { feels_right: 'yes', comment: '' }],
      ['an array', [{ feels_right: 'yes' }]],
    ];
    for (const [what, body] of bad) {
      const res = await req('POST', url, A(), body);
      expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
      problem(res, 400, 'VALIDATION_FAILED');
    }
    const notJson = await t.app.inject({ method: 'POST', url, headers: { ...A(), 'content-type': 'application/json' }, payload: '{"feels_right": "yes"' });
    expect(notJson.statusCode).toBe(400);
    expect(String(notJson.headers['content-type'])).toMatch(/^application\/problem\+json/);
    const asText = await t.app.inject({ method: 'POST', url, headers: { ...A(), 'content-type': 'text/plain' }, payload: 'feels right' });
    expect(asText.statusCode).toBe(415);
    problem(await req('POST', '/v1/style/analyses/not-an-id/feedback', A(), { feels_right: 'yes' }), 400, 'VALIDATION_FAILED');
    problem(await req('GET', '/v1/style/feedback/fbk_!!', A()), 400, 'VALIDATION_FAILED');
    expect((await req('GET', url, A())).json().data).toEqual([]);
    // The largest comment allowed is kept whole.
    const long = await req('POST', url, A(), { feels_right: 'yes', comment: 'ñ'.repeat(1000) });
    expect(long.statusCode, long.body).toBe(201);
    expect(long.json().comment).toBe('ñ'.repeat(1000));
  });

  it('another tenant’s analysis and feedback are 404; an unfinished analysis is 409', async () => {
    const ofA = await seedAnalysis();
    const ofB = await seedAnalysis({ tenantId: t.tenantB.id });
    const fb = (await req('POST', `/v1/style/analyses/${ofA}/feedback`, A(), { feels_right: 'yes' })).json();
    problem(await req('POST', `/v1/style/analyses/${ofA}/feedback`, B(), { feels_right: 'yes' }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await req('GET', `/v1/style/analyses/${ofA}/feedback`, B()), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await req('POST', `/v1/style/analyses/${ofB}/feedback`, A(), { feels_right: 'yes' }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await req('GET', `/v1/style/feedback/${fb.id}`, B()), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    problem(await req('PATCH', `/v1/style/feedback/${fb.id}`, B(), { feels_right: 'no' }), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    problem(await req('DELETE', `/v1/style/feedback/${fb.id}`, B()), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    expect((await req('GET', `/v1/style/feedback/${fb.id}`, A())).json().feels_right).toBe('yes');
    problem(await req('POST', `/v1/style/analyses/sta_01NOSUCHANALYSIS000000000/feedback`, A(), { feels_right: 'yes' }), 404, 'STYLE_ANALYSIS_NOT_FOUND');

    for (const status of ['queued', 'failed'] as const) {
      const unfinished = await seedAnalysis({ status, season: null, shape: null });
      problem(await req('POST', `/v1/style/analyses/${unfinished}/feedback`, A(), { feels_right: 'yes' }), 409, 'STYLE_ANALYSIS_NOT_FINISHED');
    }
  });

  it('a widget session gives feedback on its own analyses and sees and edits only its own', async () => {
    const mine = await seedAnalysis({ session: SESSION_1 });
    const theirs = await seedAnalysis({ session: SESSION_2 });
    const res = await req('POST', `/v1/style/analyses/${mine}/feedback`, pk(SESSION_1), { rating: 5, feels_right: 'yes' });
    expect(res.statusCode, res.body).toBe(201);
    const fb = res.json();
    // The store's secret key gives feedback on it too; the session sees only its own.
    const store = (await req('POST', `/v1/style/analyses/${mine}/feedback`, A(), { feels_right: 'unsure' })).json();
    expect((await req('GET', `/v1/style/analyses/${mine}/feedback`, pk(SESSION_1))).json().data.map((f: { id: string }) => f.id)).toEqual([fb.id]);
    expect((await req('GET', `/v1/style/analyses/${mine}/feedback`, A())).json().data.map((f: { id: string }) => f.id)).toEqual([store.id, fb.id]);
    problem(await req('GET', `/v1/style/feedback/${store.id}`, pk(SESSION_1)), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    // Another session: neither the analysis nor the feedback.
    problem(await req('POST', `/v1/style/analyses/${theirs}/feedback`, pk(SESSION_1), { feels_right: 'yes' }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await req('GET', `/v1/style/analyses/${mine}/feedback`, pk(SESSION_2)), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await req('GET', `/v1/style/feedback/${fb.id}`, pk(SESSION_2)), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    problem(await req('PATCH', `/v1/style/feedback/${fb.id}`, pk(SESSION_2), { rating: 1 }), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    // One each per session: a second is refused with the one to edit; two at once, one gets in.
    const again = problem(await req('POST', `/v1/style/analyses/${mine}/feedback`, pk(SESSION_1), { feels_right: 'no' }), 409, 'STYLE_FEEDBACK_EXISTS');
    expect(again.detail).toContain(fb.id);
    const both = await Promise.all([1, 2].map(() => req('POST', `/v1/style/analyses/${theirs}/feedback`, pk(SESSION_2), { feels_right: 'yes' })));
    expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    problem(both.find((r) => r.statusCode === 409)!, 409, 'STYLE_FEEDBACK_EXISTS');
    const edited = await req('PATCH', `/v1/style/feedback/${fb.id}`, pk(SESSION_1), { rating: 3 });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().rating).toBe(3);
    // Without the session header a publishable key is refused; the figures are not for publishable keys.
    problem(await req('GET', `/v1/style/feedback/${fb.id}`, { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin }), 400, 'VALIDATION_FAILED');
    for (const url of ['/v1/style/feedback/summary', '/v1/style/analytics']) {
      problem(await req('GET', url, pk(SESSION_1)), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
    }
  });

  it('POST with an Idempotency-Key replays the first answer; another body under the same key is refused', async () => {
    const analysis = await seedAnalysis();
    const url = `/v1/style/analyses/${analysis}/feedback`;
    const headers = { ...A(), 'idempotency-key': 'fb-key-1' };
    const first = await req('POST', url, headers, { rating: 2, feels_right: 'no' });
    expect(first.statusCode).toBe(201);
    const again = await req('POST', url, headers, { rating: 2, feels_right: 'no' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    problem(await req('POST', url, headers, { rating: 3, feels_right: 'no' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect((await req('GET', url, A())).json().data).toHaveLength(1);
  });
});

describe('the figures', () => {
  /**
   * A third tenant (its own figures, nothing else in them): 30 days of analyses and feedback.
   * Predicted → feedback (rating, feels_right, corrected season):
   *   soft_autumn, Monk 6: (5, yes), (4, yes), (2, no → true_autumn), (3, no → true_autumn), (-, unsure → soft_summer)
   *   true_winter, Monk 3: (5, yes), (1, no → deep_winter)
   *   light_spring, Monk 2: (4, no → light_summer), (-, yes, corrected to light_spring itself: a confirmation)
   *   a quiz analysis, soft_summer, no Monk: (3, yes)
   * and, not counted: a 40-day-old one, and tenant B's.
   */
  let tenant: { id: string; key: string };
  let ownerAuth: Record<string, string>;
  const H = () => bearer(tenant.key);
  type Fb = [rating: number | null, feels: 'yes' | 'no' | 'unsure', corrected: string | null];

  beforeAll(async () => {
    const made = await t.modules.tenants.tenants.createTenant({ name: 'Figures', tier: 'basic', allowed_origins: [] });
    const key = await t.modules.tenants.tenants.createKey(made.id, { kind: 'secret', environment: 'live' });
    tenant = { id: made.id, key: key.key };
    await t.modules.tenants.users.createUser({ email: 'owner@figures.example', password: 'owner-password-1', role: 'owner', tenantId: made.id });
    ownerAuth = { authorization: `Bearer ${(await t.login('owner@figures.example', 'owner-password-1')).access_token}` };

    const give = async (analysis: string, at: number, list: Fb[], headers = H()) => {
      t.clock.set(at);
      for (const [rating, feels, corrected] of list) {
        const res = await req('POST', `/v1/style/analyses/${analysis}/feedback`, headers, { ...(rating ? { rating } : {}), feels_right: feels, ...(corrected ? { correction: { season: corrected } } : {}) });
        expect(res.statusCode, res.body).toBe(201);
      }
      t.clock.set(now);
    };
    const sa = await seedAnalysis({ tenantId: tenant.id, season: 'soft_autumn', monk: 6, shape: 'oval', at: now - 2 * DAY });
    await give(sa, now - 2 * DAY + HOUR, [
      [5, 'yes', null],
      [4, 'yes', null],
      [2, 'no', 'true_autumn'],
    ]);
    await give(sa, now - HOUR, [
      [3, 'no', 'true_autumn'],
      [null, 'unsure', 'soft_summer'],
    ]);
    const tw = await seedAnalysis({ tenantId: tenant.id, season: 'true_winter', monk: 3, shape: 'square', at: now - 5 * DAY });
    await give(tw, now - 5 * DAY + HOUR, [
      [5, 'yes', null],
      [1, 'no', 'deep_winter'],
    ]);
    const ls = await seedAnalysis({ tenantId: tenant.id, season: 'light_spring', monk: 2, shape: 'heart', at: now - 2 * DAY, retake: true });
    await give(ls, now - 2 * DAY + HOUR, [
      [4, 'no', 'light_summer'],
      [null, 'yes', 'light_spring'],
    ]);
    const quiz = await seedAnalysis({ tenantId: tenant.id, season: 'soft_summer', monk: null, shape: null, at: now - HOUR, source: 'fused', cached: true });
    await give(quiz, now - HOUR, [[3, 'yes', null]]);
    // More analyses without feedback: a failed one today, another soft autumn, one queued.
    await seedAnalysis({ tenantId: tenant.id, status: 'failed', season: null, shape: null, at: now - HOUR });
    await seedAnalysis({ tenantId: tenant.id, season: 'soft_autumn', monk: 7, at: now - 5 * DAY });
    await seedAnalysis({ tenantId: tenant.id, status: 'queued', season: null, shape: null, at: now - HOUR });
    // Outside the last 30 days: neither the analysis nor its feedback counts.
    const old = await seedAnalysis({ tenantId: tenant.id, season: 'deep_autumn', monk: 9, at: now - 40 * DAY });
    await give(old, now - 40 * DAY + HOUR, [[1, 'no', 'true_winter']]);
    // Another tenant's feedback on the same seasons: not counted.
    const ofB = await seedAnalysis({ tenantId: t.tenantB.id, season: 'soft_autumn', monk: 6 });
    await give(ofB, now - HOUR, [[1, 'no', 'deep_autumn']], B());
  });

  const mean = (...xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;

  it('the summary: agreement, mean rating and corrections per season and Monk level, and the confusion list', async () => {
    const res = await req('GET', '/v1/style/feedback/summary', H());
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s.object).toBe('style_feedback_summary');
    expect(s.range.granularity).toBe('day');
    expect(Date.parse(s.range.to) - Date.parse(s.range.from)).toBe(30 * DAY);
    expect(s.overall).toEqual({ feedback: 10, yes: 5, no: 4, unsure: 1, agreement: 0.5, rated: 8, mean_rating: mean(5, 4, 2, 3, 5, 1, 4, 3), corrected: 5 });
    expect(s.by_season).toEqual([
      { season: 'soft_autumn', feedback: 5, yes: 2, no: 2, unsure: 1, agreement: 0.4, rated: 4, mean_rating: 3.5, corrected: 3, top_correction: { season: 'true_autumn', count: 2 } },
      { season: 'light_spring', feedback: 2, yes: 1, no: 1, unsure: 0, agreement: 0.5, rated: 1, mean_rating: 4, corrected: 1, top_correction: { season: 'light_summer', count: 1 } },
      { season: 'true_winter', feedback: 2, yes: 1, no: 1, unsure: 0, agreement: 0.5, rated: 2, mean_rating: 3, corrected: 1, top_correction: { season: 'deep_winter', count: 1 } },
      { season: 'soft_summer', feedback: 1, yes: 1, no: 0, unsure: 0, agreement: 1, rated: 1, mean_rating: 3, corrected: 0, top_correction: null },
    ]);
    expect(s.by_monk.map((m: { monk: number | null; feedback: number; agreement: number }) => [m.monk, m.feedback, m.agreement])).toEqual([
      [2, 2, 0.5],
      [3, 2, 0.5],
      [6, 5, 0.4],
      [null, 1, 1],
    ]);
    expect(s.confusion).toEqual([
      { predicted: 'soft_autumn', corrected: 'true_autumn', count: 2 },
      { predicted: 'light_spring', corrected: 'light_summer', count: 1 },
      { predicted: 'soft_autumn', corrected: 'soft_summer', count: 1 },
      { predicted: 'true_winter', corrected: 'deep_winter', count: 1 },
    ]);
    expect(s.face_confusion).toEqual([]);

    // The last 24 hours: the three given an hour ago.
    const day = (await req('GET', '/v1/style/feedback/summary?period=24h', H())).json();
    expect(day.overall).toMatchObject({ feedback: 3, yes: 1, no: 1, unsure: 1, rated: 2, mean_rating: 3 });
    // A custom range that holds only the old one.
    const from = new Date(now - 41 * DAY).toISOString();
    const to = new Date(now - 39 * DAY).toISOString();
    const old = (await req('GET', `/v1/style/feedback/summary?period=custom&from=${from}&to=${to}`, H())).json();
    expect(old.overall).toMatchObject({ feedback: 1, no: 1, corrected: 1 });
    expect(old.confusion).toEqual([{ predicted: 'deep_autumn', corrected: 'true_winter', count: 1 }]);
    problem(await req('GET', '/v1/style/feedback/summary?period=year', H()), 400, 'VALIDATION_FAILED');
    problem(await req('GET', `/v1/style/feedback/summary?period=custom&from=${to}&to=${from}`, H()), 400, 'VALIDATION_FAILED');
    // The signed-in store owner sees the same.
    expect((await req('GET', '/v1/style/feedback/summary', ownerAuth)).json().overall).toEqual(s.overall);
  });

  it('the style figures: analyses per day, seasons, Monk levels and agreement; CSV', async () => {
    const res = await req('GET', '/v1/style/analytics?period=7d', H());
    expect(res.statusCode, res.body).toBe(200);
    const f = res.json();
    expect(f.object).toBe('style_figures');
    expect(f.summary).toMatchObject({ analyses: 7, succeeded: 5, failed: 1, retakes: 1, cached: 1, quiz_fused: 1, feedback: 10, yes: 5, agreement: 0.5 });
    expect(f.points).toHaveLength(7);
    const day = (ms: number) => new Date(Math.floor(ms / DAY) * DAY).toISOString();
    const point = (ms: number) => f.points.find((p: { t: string }) => p.t === day(ms));
    expect(point(now)).toMatchObject({ analyses: 3, succeeded: 1, failed: 1, feedback: 3, yes: 1, agreement: 1 / 3 });
    expect(point(now - 2 * DAY)).toMatchObject({ analyses: 2, succeeded: 2, retakes: 1 });
    expect(point(now - 5 * DAY)).toMatchObject({ analyses: 2, succeeded: 2 });
    expect(f.points.reduce((n: number, p: { analyses: number }) => n + p.analyses, 0)).toBe(7);
    expect(f.seasons).toHaveLength(12);
    const seasons = Object.fromEntries(f.seasons.filter((s: { analyses: number }) => s.analyses > 0).map((s: { season: string; analyses: number; share: number }) => [s.season, [s.analyses, s.share]]));
    expect(seasons).toEqual({ soft_autumn: [2, 2 / 5], true_winter: [1, 1 / 5], light_spring: [1, 1 / 5], soft_summer: [1, 1 / 5] });
    expect(f.monk.filter((m: { analyses: number }) => m.analyses > 0)).toEqual([
      { monk: 2, analyses: 1 },
      { monk: 3, analyses: 1 },
      { monk: 6, analyses: 1 },
      { monk: 7, analyses: 1 },
    ]);

    const csv = await t.app.inject({ method: 'GET', url: '/v1/style/analytics?period=7d&format=csv', headers: H() });
    expect(csv.statusCode).toBe(200);
    expect(String(csv.headers['content-type'])).toMatch(/^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('t,analyses,succeeded,failed,retakes,feedback,feels_right,agreement');
    expect(lines).toHaveLength(8);
    expect(lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1]), 0)).toBe(7);

    // An operator names the tenant.
    expect((await req('GET', '/v1/style/analytics?period=7d', { ...t.operatorAuth, 'probador-tenant': tenant.id })).json().summary).toEqual(f.summary);
    // The owner's dashboard session; other tenants' figures are their own.
    expect((await req('GET', '/v1/style/analytics?period=7d', ownerAuth)).json().summary).toEqual(f.summary);
    const ofB = (await req('GET', '/v1/style/analytics?period=7d', B())).json();
    expect(ofB.summary.feedback).toBe(1);
    expect((await req('GET', '/v1/style/analytics', {})).statusCode).toBe(401);
  });
});

describe('the API description', () => {
  it('lists the feedback and figures endpoints with their schemas', async () => {
    await t.compileSchemas();
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths['/v1/style/analyses/{analysis_id}/feedback']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/style/feedback/{feedback_id}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(Object.keys(doc.paths['/v1/style/feedback/summary'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/style/analytics'])).toEqual(['get']);
    const ref = doc.paths['/v1/style/feedback/{feedback_id}'].get.responses['200'].content['application/json'].schema.$ref as string;
    const feedback = doc.components.schemas[ref.split('/').pop()!];
    expect(feedback.properties.correction.properties.season.enum).toContain('soft_autumn');
    expect(doc.paths['/v1/style/analyses/{analysis_id}/feedback'].post.requestBody.content['application/json'].schema.properties.rating).toMatchObject({ minimum: 1, maximum: 5 });
  });
});
