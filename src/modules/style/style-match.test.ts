/**
 * Style on the real app: the quiz, quiz results and their fusion, tie-break questions, colour
 * matching of colours and of catalog products (their garment colour read from the demo store's
 * packshots when saved), ranking a whole catalog, the colour backfill, tenant isolation, widget
 * sessions and bad input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { projectRoot } from '../../platform/paths.js';
import { FIT_VERSION } from './color-match.js';

let t: TestApp;
const demo = (name: string) => `data:image/png;base64,${readFileSync(join(projectRoot(), 'web', 'demo', 'images', `${name}.png`)).toString('base64')}`;

beforeAll(async () => {
  t = await createTestApp();
  // The demo store's packshots as tenant A's catalog.
  for (const [id, file] of [
    ['breton-tee', 'striped-tee'],
    ['summer-dress', 'summer-dress'],
    ['wool-jacket', 'wool-jacket'],
    ['linen-shirt', 'linen-shirt'],
  ] as const) {
    const res = await call('PUT', `/v1/products/${id}`, { name: id, image: demo(file), category: 'tops' });
    expect(res.statusCode, res.body).toBe(201);
  }
});
afterAll(async () => t?.close());

const A = () => bearer(t.tenantA.secretKey);
const B = () => bearer(t.tenantB.secretKey);
/** Tenant A's widget: its publishable key from its allowed origin, in one browser session. */
const widget = (session = 'session-aaaaaaaaaaaaaaaa') => ({ ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin, 'probador-session': session });
function call(method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = A()) {
  return t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
}
const answers = (pairs: Record<string, string>) => Object.entries(pairs).map(([question, option]) => ({ question, option }));

type Match = { color: string; product_id: string | null; verdict: string; score: number; delta_e: { best: number; avoid: number | null }; nearest: { hex: string; name: { en: string; es: string } } };
type Matches = { object: 'list'; season: string; data: Match[]; skipped: { product_id: string; reason: string }[]; has_more: boolean };

const LIGHT_SUMMER = answers({ veins: 'blue_purple', jewellery: 'silver', sun: 'burns', hair: 'ash_blonde', eyes: 'light_blue_grey', contrast: 'low', white_cream: 'same', black_brown: 'neither', skin: 'fair', compliments: 'pastel', coral_fuchsia: 'fuchsia' });
const DEEP_AUTUMN = answers({ veins: 'green', jewellery: 'gold', sun: 'rarely_burns', hair: 'dark_brown', eyes: 'dark_brown', contrast: 'medium', white_cream: 'cream', black_brown: 'brown', skin: 'tan', compliments: 'dark_rich', coral_fuchsia: 'coral' });

describe('quiz', () => {
  it('serves the quiz in English and Spanish to a secret key and to the widget', async () => {
    for (const headers of [A(), { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin }]) {
      const res = await call('GET', '/v1/style/quiz', undefined, headers);
      expect(res.statusCode, res.body).toBe(200);
      const quiz = res.json();
      expect(quiz).toMatchObject({ object: 'style_quiz', version: '1' });
      expect(quiz.questions.length).toBeGreaterThanOrEqual(8);
      for (const q of quiz.questions) {
        expect(q.text.en && q.text.es).toBeTruthy();
        for (const o of q.options) expect(o.text.en && o.text.es).toBeTruthy();
      }
    }
    problem(await call('GET', '/v1/style/quiz', undefined, { ...bearer(t.tenantA.publishableKey), origin: 'https://evil.example' }), 403, 'ORIGIN_NOT_ALLOWED');
    problem(await call('GET', '/v1/style/quiz', undefined, {}), 401, 'UNAUTHENTICATED');
  });

  it('scores answers into a colour answer without measured colours (201), readable by id; tenant B gets 404', async () => {
    const res = await call('POST', '/v1/style/quiz-results', { answers: LIGHT_SUMMER, shopper_id: 'shopper-1' });
    expect(res.statusCode, res.body).toBe(201);
    const r = res.json();
    expect(r.id).toMatch(/^qzr_/);
    expect(r).toMatchObject({ object: 'style_quiz_result', source: 'quiz', analysis_id: null });
    expect(r.color).toMatchObject({ undertone: 'cool', depth: 'light', season12: { season: 'light_summer' }, season4: { season: 'summer' }, measured: null, white_balance: { method: 'none' }, palette: { season: 'light_summer' } });
    expect(r.color.top3).toHaveLength(3);
    expect(r.color.palette.best.length).toBeGreaterThanOrEqual(12);
    const got = await call('GET', `/v1/style/quiz-results/${r.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(r);
    problem(await call('GET', `/v1/style/quiz-results/${r.id}`, undefined, B()), 404, 'QUIZ_RESULT_NOT_FOUND');
    // A widget session sees only its own results.
    problem(await call('GET', `/v1/style/quiz-results/${r.id}`, undefined, widget()), 404, 'QUIZ_RESULT_NOT_FOUND');
    const mine = (await call('POST', '/v1/style/quiz-results', { answers: DEEP_AUTUMN }, widget())).json();
    expect((await call('GET', `/v1/style/quiz-results/${mine.id}`, undefined, widget())).statusCode).toBe(200);
    problem(await call('GET', `/v1/style/quiz-results/${mine.id}`, undefined, widget('session-bbbbbbbbbbbbbbbb')), 404, 'QUIZ_RESULT_NOT_FOUND');
    expect((await call('GET', `/v1/style/quiz-results/${mine.id}`)).statusCode).toBe(200); // the store's server sees all
    problem(await call('POST', '/v1/style/quiz-results', { answers: DEEP_AUTUMN }, { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin }), 400, 'VALIDATION_FAILED');
  });

  it('refuses unknown questions and options (400 QUIZ_ANSWER_INVALID) and malformed bodies (400)', async () => {
    const before = await count();
    const bad = problem(await call('POST', '/v1/style/quiz-results', { answers: [{ question: 'zodiac', option: 'leo' }] }), 400, 'QUIZ_ANSWER_INVALID');
    expect(bad.detail).toContain('zodiac');
    problem(await call('POST', '/v1/style/quiz-results', { answers: [{ question: 'veins', option: 'red' }] }), 400, 'QUIZ_ANSWER_INVALID');
    problem(await call('POST', '/v1/style/quiz-results', { answers: [{ question: 'veins', option: 'green' }, { question: 'veins', option: 'green' }] }), 400, 'QUIZ_ANSWER_INVALID');
    problem(await call('POST', '/v1/style/quiz-results', { answers: [] }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/style/quiz-results', { answers: LIGHT_SUMMER, mood: 'happy' }), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/v1/style/quiz-results/sta_nope'), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/v1/style/quiz-results/qzr_01NOSUCHRESULT0000000000'), 404, 'QUIZ_RESULT_NOT_FOUND');
    expect(await count()).toBe(before);
  });

  it('fuses with an earlier answer (source fused), weighted toward the surer one; an unknown or other store’s id is 404', async () => {
    // The earlier answer stands in for a photo analysis: a complete, consistent deep-autumn quiz.
    const first = (await call('POST', '/v1/style/quiz-results', { answers: DEEP_AUTUMN })).json();
    // A few light-summer answers: less sure than the first.
    const few = answers({ veins: 'blue_purple', skin: 'fair', hair: 'ash_blonde' });
    const alone = (await call('POST', '/v1/style/quiz-results', { answers: few })).json();
    const res = await call('POST', '/v1/style/quiz-results', { answers: few, analysis_id: first.id });
    expect(res.statusCode, res.body).toBe(201);
    const fused = res.json();
    expect(fused).toMatchObject({ source: 'fused', analysis_id: first.id });
    // Between the two, nearer to the surer first answer.
    const t0 = first.color.axes.temperature;
    const t1 = alone.color.axes.temperature;
    const tf = fused.color.axes.temperature;
    expect(tf).toBeLessThan(t0);
    expect(tf).toBeGreaterThan(t1);
    expect(Math.abs(tf - t0)).toBeLessThan(Math.abs(tf - t1));
    expect(fused.color.season4.season).toBe('autumn');
    problem(await call('POST', '/v1/style/quiz-results', { answers: few, analysis_id: 'sta_01NOSUCHANALYSIS000000000' }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await call('POST', '/v1/style/quiz-results', { answers: few, analysis_id: first.id }, B()), 404, 'QUIZ_RESULT_NOT_FOUND');
  });

  it('names the questions that would separate two close seasons, not ones already answered; a clear answer names none', async () => {
    const close = (await call('POST', '/v1/style/quiz-results', { answers: answers({ veins: 'blue_purple', skin: 'fair', compliments: 'muted' }) })).json();
    expect(close.color.top3.slice(0, 2).map((s: { season: string }) => s.season).sort()).toEqual(['light_summer', 'soft_summer']);
    expect(close.color.tie_breakers).toEqual(['hair', 'sun']);
    const clear = (await call('POST', '/v1/style/quiz-results', { answers: DEEP_AUTUMN })).json();
    expect(clear.color.tie_breakers).toEqual([]);
  });
});

describe('colour matches', () => {
  const match = (body: unknown, headers: Record<string, string> = A()) => call('POST', '/v1/style/color-matches', body, headers);

  it('scores colours against a season’s palette: flatters, neutral or avoid with the ΔE2000 behind it', async () => {
    const res = await match({ season: 'true_winter', colors: ['#0047AB', 'ff7f00', '#9a9a9a'] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Matches;
    expect(body).toMatchObject({ object: 'list', season: 'true_winter', skipped: [], has_more: false });
    const [cobalt, orange, grey] = body.data;
    expect(cobalt).toMatchObject({ color: '#0047ab', product_id: null, verdict: 'flatters', nearest: { name: { en: 'Cobalt', es: 'Cobalto' } } });
    expect(cobalt!.delta_e.best).toBeLessThan(1);
    expect(orange).toMatchObject({ color: '#ff7f00', verdict: 'avoid' });
    expect(orange!.delta_e.avoid).toBeLessThan(1);
    expect(grey!.verdict).not.toBe('avoid');
    expect(cobalt!.score).toBeGreaterThan(grey!.score);
    expect(grey!.score).toBeGreaterThan(orange!.score);
  });

  it('reads each catalog product’s garment colour, saved once: the navy Breton tee flatters winter more than autumn, the yellow dress spring more than summer', async () => {
    const p = (await call('GET', '/v1/products/breton-tee')).json();
    expect(p.dominant_color.hex).toMatch(/^#[0-9a-f]{6}$/);
    expect(p.dominant_color.lab.b).toBeLessThan(-10); // navy, not the cream stripes
    expect(p.dominant_color.lab.l).toBeLessThan(30);
    const score = async (season: string, id: string) => {
      const body = (await match({ season, product_ids: [id] })).json() as Matches;
      expect(body.data[0]!.product_id).toBe(id);
      expect(body.data[0]!.color).toBe((await call('GET', `/v1/products/${id}`)).json().dominant_color.hex);
      return body.data[0]!;
    };
    const teeWinter = await score('deep_winter', 'breton-tee');
    const teeAutumn = await score('true_autumn', 'breton-tee');
    expect(teeWinter.verdict).toBe('flatters');
    expect(teeWinter.score).toBeGreaterThan(teeAutumn.score + 0.3);
    const dressSpring = await score('true_spring', 'summer-dress');
    const dressSummer = await score('true_summer', 'summer-dress');
    expect(dressSpring.verdict).toBe('flatters');
    expect(dressSummer.verdict).toBe('avoid');
    expect((await score('true_autumn', 'wool-jacket')).verdict).toBe('flatters');
  });

  it('scores through a quiz result’s season, lists unknown products as skipped, and never shows another store’s products', async () => {
    const quiz = (await call('POST', '/v1/style/quiz-results', { answers: DEEP_AUTUMN })).json();
    const body = (await match({ analysis_id: quiz.id, product_ids: ['wool-jacket', 'no-such-product', 'wool-jacket'], colors: ['#5c1a1b'] })).json() as Matches;
    expect(body.season).toBe(quiz.color.season12.season);
    expect(body.data.map((m) => m.product_id)).toEqual([null, 'wool-jacket']);
    expect(body.skipped).toEqual([{ product_id: 'no-such-product', reason: 'not_found' }]);
    // Tenant B names tenant A's product: not found; tenant A's quiz result: 404.
    const other = (await match({ season: 'true_autumn', product_ids: ['wool-jacket'] }, B())).json() as Matches;
    expect(other.data).toEqual([]);
    expect(other.skipped).toEqual([{ product_id: 'wool-jacket', reason: 'not_found' }]);
    problem(await match({ analysis_id: quiz.id, colors: ['#000000'] }, B()), 404, 'QUIZ_RESULT_NOT_FOUND');
    problem(await match({ analysis_id: 'sta_01NOSUCHANALYSIS000000000', colors: ['#000000'] }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    // The widget (publishable key) scores with a season, no session needed.
    const w = await match({ season: 'true_autumn', product_ids: ['wool-jacket'] }, { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin });
    expect(w.statusCode, w.body).toBe(200);
    expect(w.json().data[0].product_id).toBe('wool-jacket');
  });

  it('ranks the whole catalog for a season by the stored scores, best first, optionally one verdict; inactive products are left out', async () => {
    const all = (await match({ season: 'deep_winter', catalog: { limit: 10 } })).json() as Matches;
    expect(all.data.map((m) => m.product_id).sort()).toEqual(['breton-tee', 'linen-shirt', 'summer-dress', 'wool-jacket']);
    const scores = all.data.map((m) => m.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(all.has_more).toBe(false);
    // The same numbers as scoring the products one by one.
    const one = (await match({ season: 'deep_winter', product_ids: ['summer-dress'] })).json() as Matches;
    expect(all.data.find((m) => m.product_id === 'summer-dress')).toEqual(one.data[0]);
    const top = (await match({ season: 'deep_winter', catalog: { limit: 2 } })).json() as Matches;
    expect(top.data).toEqual(all.data.slice(0, 2));
    expect(top.has_more).toBe(true);
    const flatters = (await match({ season: 'deep_winter', catalog: { verdict: 'flatters' } })).json() as Matches;
    expect(flatters.data.length).toBeGreaterThan(0);
    expect(flatters.data.every((m) => m.verdict === 'flatters')).toBe(true);
    expect(flatters.data.length).toBe(all.data.filter((m) => m.verdict === 'flatters').length);
    await call('PUT', '/v1/products/wool-jacket', { name: 'wool-jacket', image: demo('wool-jacket'), active: false });
    const active = (await match({ season: 'deep_winter', catalog: {} })).json() as Matches;
    expect(active.data.map((m) => m.product_id)).not.toContain('wool-jacket');
    await call('PUT', '/v1/products/wool-jacket', { name: 'wool-jacket', image: demo('wool-jacket'), category: 'tops' });
    expect(((await match({ season: 'deep_winter', catalog: {} }, B())).json() as Matches).data).toEqual([]);
  });

  it('refuses bad input with 400: bad hex, unknown season, both or neither of season and analysis_id, 1001 products, 201 colours, catalog with items', async () => {
    const bad = (body: unknown) => match(body);
    problem(await bad({ season: 'true_winter', colors: ['#12345g'] }), 400, 'VALIDATION_FAILED');
    problem(await bad({ season: 'true_winter', colors: ['red'] }), 400, 'VALIDATION_FAILED');
    problem(await bad({ season: 'midsummer', colors: ['#123456'] }), 400, 'VALIDATION_FAILED');
    problem(await bad({ colors: ['#123456'] }), 400, 'VALIDATION_FAILED');
    const quiz = (await call('POST', '/v1/style/quiz-results', { answers: DEEP_AUTUMN })).json();
    problem(await bad({ season: 'true_winter', analysis_id: quiz.id, colors: ['#123456'] }), 400, 'VALIDATION_FAILED');
    problem(await bad({ season: 'true_winter' }), 400, 'VALIDATION_FAILED');
    problem(await bad({ season: 'true_winter', product_ids: Array.from({ length: 1001 }, (_, i) => `p${i}`) }), 400, 'VALIDATION_FAILED');
    problem(await bad({ season: 'true_winter', colors: Array.from({ length: 201 }, () => '#000000') }), 400, 'VALIDATION_FAILED');
    problem(await bad({ season: 'true_winter', catalog: {}, colors: ['#000000'] }), 400, 'VALIDATION_FAILED');
    problem(await bad({ season: 'true_winter', catalog: { limit: 0 } }), 400, 'VALIDATION_FAILED');
    // 1000 ids is the most: accepted, all skipped.
    const many = await bad({ season: 'true_winter', product_ids: Array.from({ length: 1000 }, (_, i) => `p${i}`) });
    expect(many.statusCode).toBe(200);
    expect(many.json().skipped).toHaveLength(1000);
  });
});

describe('colour backfill', () => {
  /** Make products look as if saved before colours were read. */
  const forget = (ids: string[]) =>
    t.deps.db.execute(sql`update products set color_hex = null, color_l = null, color_a = null, color_b = null, color_fit = null, color_fit_version = null, color_read_at = null where tenant_id = ${t.tenantA.id} and product_id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`);
  const colorOf = async (id: string) => (await call('GET', `/v1/products/${id}`)).json().dominant_color as { hex: string } | null;

  it('a product saved before colours were read gets its colour when first matched, or from the backfill job', async () => {
    const before = await colorOf('linen-shirt');
    await forget(['linen-shirt']);
    expect(await colorOf('linen-shirt')).toBeNull();
    const body = (await call('POST', '/v1/style/color-matches', { season: 'true_summer', product_ids: ['linen-shirt'] })).json() as Matches;
    expect(body.data[0]!.color).toBe(before!.hex);
    expect(await colorOf('linen-shirt')).toEqual(before);

    // More than one request reads itself: the rest are pending until the job reads them.
    const ids = Array.from({ length: 10 }, (_, i) => `old-${i}`);
    for (const id of ids) await call('PUT', `/v1/products/${id}`, { name: id, image: demo('summer-dress') });
    await forget(ids);
    const first = (await call('POST', '/v1/style/color-matches', { season: 'true_spring', product_ids: ids })).json() as Matches;
    expect(first.data).toHaveLength(8);
    expect(first.skipped).toEqual(ids.slice(8).map((product_id) => ({ product_id, reason: 'color_pending' })));
    for (let i = 0; i < 200 && (await colorOf('old-9')) === null; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await colorOf('old-9')).toEqual(await colorOf('old-0'));
  });

  it('re-scores stored colours of an older scoring version from their Lab, without reading the image', async () => {
    await t.deps.db.execute(sql`update products set color_fit = array[0.5]::real[], color_fit_version = 'old' where tenant_id = ${t.tenantA.id} and product_id = 'summer-dress'`);
    // Meanwhile the stale fit is not used: the colour is scored from its Lab.
    const now = (await call('POST', '/v1/style/color-matches', { season: 'true_spring', product_ids: ['summer-dress'] })).json() as Matches;
    expect(now.data[0]!.verdict).toBe('flatters');
    expect(await t.modules.catalog.service.backfillColors(25)).toBeGreaterThan(0);
    const rows = (await t.deps.db.execute(sql`select color_fit_version as v, array_length(color_fit, 1) as n from products where tenant_id = ${t.tenantA.id} and product_id = 'summer-dress'`)) as unknown as { rows: { v: string; n: number }[] };
    expect(rows.rows[0]).toEqual({ v: FIT_VERSION, n: 60 });
    const ranked = (await call('POST', '/v1/style/color-matches', { season: 'true_spring', catalog: { verdict: 'flatters' } })).json() as Matches;
    expect(ranked.data.map((m) => m.product_id)).toContain('summer-dress');
  });
});

describe('docs', () => {
  it('lists the routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths['/v1/style/quiz'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/style/quiz-results'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/style/quiz-results/{quiz_result_id}'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/style/color-matches'])).toEqual(['post']);
  });
});

async function count() {
  return ((await t.deps.db.execute(sql`select count(*)::int as n from style_quiz_results`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
}
