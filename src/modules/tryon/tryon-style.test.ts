/**
 * "Does this colour suit me" on a try-on (POST /v1/tryons with `style`), on the real app with the
 * real face models (one warm perception thread) and the offline engine: the demo store's navy
 * Breton tee judged for deep winter and for true autumn, a catalog product by id (its stored
 * colour), a garment image read once (cached by its hash), a real photo analysis and a quiz result
 * as `analysis_id`; the match on the 202, GET, the SSE final event and the webhook; 404s (unknown,
 * another store's, another widget session's) and the 422 of an analysis without colour, before
 * anything is stored or queued.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { startReceiver, type Receiver } from '../../../test/fakes/webhook-receiver.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { ASTRONAUT, dataUrl, waitForTryon } from '../../../test/tryon-helpers.js';
import { selfie1024 } from '../../../test/style-images.js';
import type { Cache } from '../../platform/cache/cache.js';

const demoImage = (file: string) => readFileSync(new URL(`../../../web/demo/images/${file}`, import.meta.url));
const TEE = demoImage('striped-tee.png'); // navy with cream stripes
const DRESS = demoImage('summer-dress.png'); // sunflower yellow

let t: TestApp;
let rx: Receiver;
let person: string;
let tee: string;
/** The tee's colour as read in the first test. */
let teeColor: string;
beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({
    env: { PROBADOR_PERCEPTION_THREADS: '1', PROBADOR_PROVIDER_ORDER: 'local' },
    build: { webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [50, 50, 50], jitter: 0 } },
  });
  expect((await t.modules.perception.warm()).models).toBe('ready');
  person = dataUrl(ASTRONAUT);
  tee = dataUrl(TEE);
}, 120_000);
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

const A = () => bearer(t.tenantA.secretKey);
const B = () => bearer(t.tenantB.secretKey);
const pk = (session: string) => ({ ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin, 'probador-session': session });
const post = (url: string, payload: unknown, headers: Record<string, string> = A()) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });
async function count(table: string) {
  return ((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
}
type Match = { color: string; verdict: string; score: number; delta_e: { best: number; avoid: number | null }; nearest: { name: { en: string; es: string }; hex: string }; season: string; season_name: { en: string; es: string } };
const matchOf = (body: { garments: { color_match?: Match | null }[] }, i = 0) => body.garments[i]!.color_match;
const garmentCache = () => t.deps.caches.get('style.garment-colors') as Cache<unknown>;

describe('a try-on with style', () => {
  it('judges the navy Breton tee: flatters a deep winter, scores far lower for a true autumn; GET and the final SSE event carry it', async () => {
    const winter = await post('/v1/tryons', { person, garments: [{ image: tee, category: 'tops' }], style: { season: 'deep_winter' } });
    expect(winter.statusCode, winter.body).toBe(202);
    const w = matchOf(winter.json())!;
    expect(w).toMatchObject({ verdict: 'flatters', season: 'deep_winter', season_name: { en: 'Deep Winter', es: 'Invierno profundo' } });
    expect(w.color).toMatch(/^#[0-9a-f]{6}$/);
    teeColor = w.color;
    expect(w.delta_e.best).toBeLessThanOrEqual(10);
    expect(w.nearest.hex).toMatch(/^#[0-9a-f]{6}$/);
    expect(w.nearest.name.es.length).toBeGreaterThan(2);

    const autumn = await post('/v1/tryons', { person, garments: [{ image: tee, category: 'tops' }], style: { season: 'true_autumn' } });
    expect(autumn.statusCode, autumn.body).toBe(202);
    const a = matchOf(autumn.json())!;
    expect(a.season).toBe('true_autumn');
    expect(a.color).toBe(w.color); // the same garment colour, judged by another palette
    expect(a.verdict).not.toBe('flatters');
    expect(w.score).toBeGreaterThan(a.score + 0.3);

    // GET (once finished) and the SSE stream's final `tryon` event show the same match.
    const done = await waitForTryon(t, winter.json().id);
    expect(done.status).toBe('succeeded');
    expect(matchOf(done)).toEqual(w);
    const sse = await t.app.inject({ method: 'GET', url: `/v1/tryons/${winter.json().id}/events`, headers: A() });
    const final = sse.body.split('\n\n').find((f) => f.includes('event: tryon'))!;
    expect(matchOf(JSON.parse(final.split('\ndata: ')[1]!))).toEqual(w);
  });

  it('a try-on without style carries no color_match', async () => {
    const res = await post('/v1/tryons', { person, garments: [{ image: tee, category: 'tops' }] });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().garments[0]).not.toHaveProperty('color_match');
  });

  it('reads an image garment’s colour once: the same image again is a cache hit; two garments are judged each', async () => {
    const dress = dataUrl(DRESS);
    const cache = garmentCache();
    const before = await cache.figures();
    const first = await post('/v1/tryons', { person, garments: [{ image: dress, category: 'one-pieces' }], style: { season: 'true_spring' } });
    expect(first.statusCode, first.body).toBe(202);
    const mid = await cache.figures();
    expect(mid.misses).toBe(before.misses + 1);
    expect(mid.sets).toBe(before.sets + 1);
    const again = await post('/v1/tryons', { person, garments: [{ image: dress, category: 'one-pieces' }], style: { season: 'true_summer' } });
    const after = await cache.figures();
    expect(after.hits).toBe(mid.hits + 1);
    expect(after.sets).toBe(mid.sets); // not read again
    expect(matchOf(first.json())).toMatchObject({ verdict: 'flatters', season: 'true_spring' });
    expect(matchOf(again.json())).toMatchObject({ verdict: 'avoid', season: 'true_summer' });
    expect(matchOf(again.json())!.color).toBe(matchOf(first.json())!.color);

    // A top and a bottom: each garment its own match, in order.
    const two = await post('/v1/tryons', { person, garments: [{ image: tee, category: 'tops' }, { image: dress, category: 'bottoms' }], style: { season: 'deep_winter' } });
    expect(two.statusCode, two.body).toBe(202);
    expect(matchOf(two.json(), 0)).toMatchObject({ color: teeColor, season: 'deep_winter' });
    expect(matchOf(two.json(), 1)!.color).toBe(matchOf(first.json())!.color);
  });

  it('a catalog product by id uses the colour stored with the product (no image read at try-on time)', async () => {
    const put = await t.app.inject({ method: 'PUT', url: '/v1/products/breton-tee', headers: A(), payload: { name: 'Breton tee', image: tee, category: 'tops' } });
    expect(put.statusCode, put.body).toBe(201);
    const stored = put.json().dominant_color as { hex: string };
    expect(stored.hex).toMatch(/^#[0-9a-f]{6}$/);
    const cache = garmentCache();
    const before = await cache.figures();
    const res = await post('/v1/tryons', { person, garments: [{ product_id: 'breton-tee' }], style: { season: 'deep_winter' } });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().garments[0].product_id).toBe('breton-tee');
    expect(matchOf(res.json())).toMatchObject({ color: stored.hex, verdict: 'flatters', season: 'deep_winter' });
    const after = await cache.figures();
    expect(after.hits + after.misses).toBe(before.hits + before.misses); // the stored colour, not the image
    // The widget's case: a publishable key trying the store's product on.
    const widget = await post('/v1/tryons', { person, garments: [{ product_id: 'breton-tee' }], style: { season: 'true_autumn' } }, pk('session-colour-0123456789'));
    expect(widget.statusCode, widget.body).toBe(202);
    expect(matchOf(widget.json())).toMatchObject({ color: stored.hex, season: 'true_autumn' });
  });

  it('judges by a real photo analysis’s season, and by a quiz result’s', async () => {
    const analysis = await post('/v1/style/analyses', { image: dataUrl(await selfie1024()), kinds: ['color'] });
    expect(analysis.statusCode, analysis.body).toBe(201);
    const season = analysis.json().color.season12.season as string;
    const res = await post('/v1/tryons', { person, garments: [{ image: tee, category: 'tops' }], style: { analysis_id: analysis.json().id } });
    expect(res.statusCode, res.body).toBe(202);
    const m = matchOf(res.json())!;
    expect(m.season).toBe(season);
    // The answer colour matching gives for that season and colour (its hex: Lab rounded to 8 bits, so ΔE within a few tenths).
    const direct = (await post('/v1/style/color-matches', { season, colors: [m.color] })).json().data[0];
    expect({ verdict: m.verdict, nearest: m.nearest }).toEqual({ verdict: direct.verdict, nearest: direct.nearest });
    expect(Math.abs(m.delta_e.best - direct.delta_e.best)).toBeLessThan(0.5);
    expect(Math.abs(m.score - direct.score)).toBeLessThan(0.02);

    const quiz = await post('/v1/style/quiz-results', { answers: [{ question: 'veins', option: 'blue_purple' }, { question: 'jewellery', option: 'silver' }, { question: 'hair', option: 'black' }] });
    expect(quiz.statusCode, quiz.body).toBe(201);
    const byQuiz = await post('/v1/tryons', { person, garments: [{ image: tee, category: 'tops' }], style: { analysis_id: quiz.json().id } });
    expect(byQuiz.statusCode, byQuiz.body).toBe(202);
    expect(matchOf(byQuiz.json())!.season).toBe(quiz.json().color.season12.season);
  });

  it('the tryon.succeeded webhook carries each garment’s colour match', async () => {
    const ep = await post('/v1/webhook-endpoints', { url: rx.url('/hooks'), event_types: ['tryon.succeeded'] });
    expect(ep.statusCode, ep.body).toBe(201);
    // A fresh garment picture (not a try-on cache hit): a red tee.
    const res = await post('/v1/tryons', { person, garments: [{ image: dataUrl(await garmentPng('rgb(200,20,30)')), category: 'tops' }], style: { season: 'true_winter' } });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id as string;
    const end = Date.now() + 20_000;
    const mine = () => rx.at('/hooks').map((d) => JSON.parse(d.body) as { type: string; data: { id: string; garments?: { color_match: Match }[] } }).find((d) => d.data.id === id);
    while (!mine() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const hook = mine();
    expect(hook?.type).toBe('tryon.succeeded');
    expect(hook!.data.garments).toEqual([{ upload_id: res.json().garments[0].upload_id, product_id: null, color_match: matchOf(res.json()) }]);
  });
});

describe('refused before anything is stored or queued', () => {
  const nothingStored = async (fn: () => Promise<void>) => {
    const before = { tryons: await count('tryons'), uploads: await count('uploads') };
    await fn();
    expect({ tryons: await count('tryons'), uploads: await count('uploads') }).toEqual(before);
  };

  it('an unknown analysis or quiz result is 404; another store’s analysis is 404', async () => {
    const a = await post('/v1/style/analyses', { image: dataUrl(await selfie1024()), kinds: ['color'] });
    expect(a.statusCode, a.body).toBe(201);
    await nothingStored(async () => {
      problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: { analysis_id: 'sta_01JD0000000000000000000000' } }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
      problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: { analysis_id: 'qzr_01JD0000000000000000000000' } }), 404, 'QUIZ_RESULT_NOT_FOUND');
      problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: { analysis_id: a.json().id } }, B()), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    });
  });

  it('a publishable key may use only its own widget session’s analyses (the store’s server may use any of its own)', async () => {
    const mine = 'session-mine-0123456789';
    const a = await post('/v1/style/analyses', { image: dataUrl(await selfie1024()), kinds: ['color'] }, pk(mine));
    expect(a.statusCode, a.body).toBe(201);
    const id = a.json().id as string;
    await nothingStored(async () => {
      problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: { analysis_id: id } }, pk('session-other-0123456789')), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    });
    const ok = await post('/v1/tryons', { person, garments: [{ image: tee, category: 'tops' }], style: { analysis_id: id } }, pk(mine));
    expect(ok.statusCode, ok.body).toBe(202);
    expect(matchOf(ok.json())!.season).toBe(a.json().color.season12.season);
    const server = await post('/v1/tryons', { person, garments: [{ image: tee, category: 'tops' }], style: { analysis_id: id } });
    expect(server.statusCode, server.body).toBe(202);
    // Another session's quiz result is refused the same way.
    const quiz = await post('/v1/style/quiz-results', { answers: [{ question: 'veins', option: 'green' }] }, pk(mine));
    expect(quiz.statusCode, quiz.body).toBe(201);
    problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: { analysis_id: quiz.json().id } }, pk('session-other-0123456789')), 404, 'QUIZ_RESULT_NOT_FOUND');
  });

  it('an analysis without a colour answer is 422; both or neither of season and analysis_id, or a bad season, is 400', async () => {
    const face = await post('/v1/style/analyses', { image: dataUrl(await selfie1024()), kinds: ['face'] });
    expect(face.statusCode, face.body).toBe(201);
    await nothingStored(async () => {
      problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: { analysis_id: face.json().id } }), 422, 'STYLE_ANALYSIS_NO_COLOR');
      problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: { season: 'deep_winter', analysis_id: face.json().id } }), 400, 'VALIDATION_FAILED');
      problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: {} }), 400, 'VALIDATION_FAILED');
      problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: { season: 'monsoon' } }), 400, 'VALIDATION_FAILED');
      problem(await post('/v1/tryons', { person, garments: [{ image: tee }], style: { analysis_id: 'upl_123' } }), 400, 'VALIDATION_FAILED');
    });
  });
});
