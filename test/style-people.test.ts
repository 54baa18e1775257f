/**
 * Style for signed-in end users, on the real app and database: style calls made with a user's token
 * (alone, or a publishable key plus `probador-user-token`) are the user's (user_id recorded, only they
 * see them: another user's ids are 404, another tenant's user is refused); the account's history,
 * chosen palette, "my colours" (fused quiz answers), saved products with colour scores, files
 * (sniffed type, size limit, signed links, retention purge); the account export lists it all and the
 * account's deletion erases rows and blobs. Bad input is 4xx problem+json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { bearer, createTestApp, problem, type TestApp } from './harness.js';
import { accountsClient, injectMultipart, PASSWORD, userAuth, widgetAuth, type EndSession, type FormPart } from './accounts-helpers.js';
import { insertAnalysis } from './style-feedback-helpers.js';
import { dataUrl } from './tryon-helpers.js';
import { selfie1024 } from './style-images.js';
import { projectRoot } from '../src/platform/paths.js';
import { styleAnalyses } from '../src/modules/style/tables.js';
import { runMaintenance } from '../src/maintenance.js';

let t: TestApp;
let c: ReturnType<typeof accountsClient>;
const MAX_BYTES = 1_500_000;
const demo = (name: string) => `data:image/png;base64,${readFileSync(join(projectRoot(), 'web', 'demo', 'images', `${name}.png`)).toString('base64')}`;
const answers = (pairs: Record<string, string>) => Object.entries(pairs).map(([question, option]) => ({ question, option }));
const LIGHT_SUMMER = answers({ veins: 'blue_purple', jewellery: 'silver', sun: 'burns', hair: 'ash_blonde', eyes: 'light_blue_grey', contrast: 'low', white_cream: 'same', black_brown: 'neither', skin: 'fair', compliments: 'pastel', coral_fuchsia: 'fuchsia' });
const DEEP_AUTUMN = answers({ veins: 'green', jewellery: 'gold', sun: 'rarely_burns', hair: 'dark_brown', eyes: 'dark_brown', contrast: 'medium', white_cream: 'cream', black_brown: 'brown', skin: 'tan', compliments: 'dark_rich', coral_fuchsia: 'coral' });

type H = Record<string, string>;
const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, headers: H, payload?: unknown) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

const multipart = (url: string, headers: H, parts: FormPart[]) => injectMultipart(t, url, headers, parts);
const upload = async (headers: H, bytes: Buffer, type = 'image/jpeg', kind?: string) =>
  multipart('/v1/account/files', headers, [{ name: 'file', value: new Blob([bytes], { type }), filename: 'me' }, ...(kind ? [{ name: 'kind', value: kind }] : [])]);

let a: EndSession;
let b: EndSession;
let other: EndSession; // tenant B
const A = () => userAuth(a.access_token);
const B = () => userAuth(b.access_token);

/** An analysis row as the analyser leaves it, made by this user. */
async function userAnalysis(u: EndSession, season: string | null = 'soft_autumn') {
  const id = await insertAnalysis(t, { season, ...(season === null ? { shape: null } : {}) });
  await t.deps.db.update(styleAnalyses).set({ userId: u.user.id, widgetSession: `user:${u.user.id}` }).where(eq(styleAnalyses.id, id));
  return id;
}

beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_PERCEPTION_THREADS: '1', PROBADOR_UPLOAD_MAX_BYTES: String(MAX_BYTES) } });
  c = accountsClient(t);
  a = await c.newUser(t.tenantA);
  b = await c.newUser(t.tenantA);
  other = await c.newUser(t.tenantB);
  for (const id of ['breton-tee', 'summer-dress']) {
    const res = await call('PUT', `/v1/products/${id}`, bearer(t.tenantA.secretKey), { name: id, image: demo(id === 'breton-tee' ? 'striped-tee' : id), category: 'tops' });
    expect(res.statusCode, res.body).toBe(201);
  }
}, 180_000);
afterAll(async () => t?.close());

describe('style calls by a signed-in user are theirs', () => {
  it('an analysis made with the user token records user_id; only that user sees it; key-only callers keep their view', async () => {
    const made = await call('POST', '/v1/style/analyses', A(), { image: dataUrl(await sharp(await selfie1024()).resize(640).jpeg().toBuffer(), 'image/jpeg'), kinds: ['color'] });
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json().id as string;
    const [row] = await t.deps.db.select().from(styleAnalyses).where(eq(styleAnalyses.id, id));
    expect(row!.userId).toBe(a.user.id);
    // It is the user's first answer: "my colours" is it.
    const mine = (await call('GET', '/v1/account/style/colors', A())).json();
    expect(mine).toMatchObject({ source: 'single', from: [id], season: made.json().color.season12.season });
    expect((await call('GET', '/v1/account/style/analyses', A())).json().data.map((x: { id: string }) => x.id)).toEqual([id]);
    expect((await call('GET', `/v1/style/analyses/${id}`, A())).statusCode).toBe(200);
    // The widget way: the publishable key and the token in probador-user-token.
    expect((await call('GET', `/v1/style/analyses/${id}`, widgetAuth(t.tenantA, a.access_token))).statusCode).toBe(200);
    problem(await call('GET', `/v1/style/analyses/${id}`, B()), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await call('DELETE', `/v1/style/analyses/${id}`, B()), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    // Another tenant's user is 404 (the analysis is not in their tenant); another tenant's key with A's token is refused.
    problem(await call('GET', `/v1/style/analyses/${id}`, userAuth(other.access_token)), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await call('GET', `/v1/style/analyses/${id}`, widgetAuth(t.tenantB, a.access_token)), 401, 'INVALID_TOKEN');
    const listB = (await call('GET', '/v1/style/analyses', B())).json();
    expect(listB.data.map((x: { id: string }) => x.id)).not.toContain(id);
    // The store's secret key still sees every analysis of the tenant.
    expect((await call('GET', `/v1/style/analyses/${id}`, bearer(t.tenantA.secretKey))).statusCode).toBe(200);
    // A bad token is 401, never the key path.
    problem(await call('GET', '/v1/style/analyses', userAuth('not-a-token')), 401, 'INVALID_TOKEN');
  }, 120_000);

  it('quiz results and feedback by a user are theirs; one feedback per user per analysis, editable by them', async () => {
    const q = await call('POST', '/v1/style/quiz-results', A(), { answers: LIGHT_SUMMER });
    expect(q.statusCode, q.body).toBe(201);
    problem(await call('GET', `/v1/style/quiz-results/${q.json().id}`, B()), 404, 'QUIZ_RESULT_NOT_FOUND');
    expect((await call('GET', `/v1/style/quiz-results/${q.json().id}`, A())).statusCode).toBe(200);

    const analysis = await userAnalysis(a);
    problem(await call('POST', `/v1/style/analyses/${analysis}/feedback`, B(), { feels_right: 'yes' }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    const fb = await call('POST', `/v1/style/analyses/${analysis}/feedback`, A(), { feels_right: 'no', correction: { season: 'true_autumn' } });
    expect(fb.statusCode, fb.body).toBe(201);
    expect(fb.json().user_id).toBe(a.user.id);
    problem(await call('POST', `/v1/style/analyses/${analysis}/feedback`, A(), { feels_right: 'yes' }), 409, 'STYLE_FEEDBACK_EXISTS');
    const edited = await call('PATCH', `/v1/style/feedback/${fb.json().id}`, A(), { rating: 5 });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().rating).toBe(5);
    problem(await call('GET', `/v1/style/feedback/${fb.json().id}`, B()), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    problem(await call('PATCH', `/v1/style/feedback/${fb.json().id}`, B(), { rating: 1 }), 404, 'STYLE_FEEDBACK_NOT_FOUND');
    problem(await call('GET', `/v1/style/feedback/${fb.json().id}`, userAuth(other.access_token)), 404, 'STYLE_FEEDBACK_NOT_FOUND');
  });
});

describe('history, palette and my colours', () => {
  it('lists the user\'s analyses and quiz results newest first with a cursor; another user sees none of them', async () => {
    const u = await c.newUser(t.tenantA);
    // Rows without a colour answer (the stand-in rows' partial answers are not a whole API object).
    const ids = [await userAnalysis(u, null), await userAnalysis(u, null), await userAnalysis(u, null)];
    const firstRes = await call('GET', '/v1/account/style/analyses?limit=2', userAuth(u.access_token));
    expect(firstRes.statusCode, firstRes.body).toBe(200);
    const first = firstRes.json();
    expect(first.data.map((x: { id: string }) => x.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const next = (await call('GET', `/v1/account/style/analyses?limit=2&starting_after=${ids[1]}`, userAuth(u.access_token))).json();
    expect(next.data.map((x: { id: string }) => x.id)).toEqual([ids[0]]);
    expect(next.has_more).toBe(false);
    const seenByB = (await call('GET', '/v1/account/style/analyses', B())).json().data.map((x: { id: string }) => x.id);
    for (const id of ids) expect(seenByB).not.toContain(id);
    await call('POST', '/v1/style/quiz-results', userAuth(u.access_token), { answers: DEEP_AUTUMN });
    const quiz = (await call('GET', '/v1/account/style/quiz-results', userAuth(u.access_token))).json();
    expect(quiz.data).toHaveLength(1);
    expect(quiz.data[0].color.season12.season).toBe('deep_autumn');
    problem(await call('GET', '/v1/account/style/analyses', bearer(t.tenantA.secretKey)), 401, 'UNAUTHENTICATED');
  });

  it('my colours fuses the user\'s answers, and a chosen palette wins; another user\'s ids cannot be chosen', async () => {
    const u = await c.newUser(t.tenantA);
    const h = userAuth(u.access_token);
    expect((await call('GET', '/v1/account/style/colors', h)).json()).toMatchObject({ source: 'none', season: null });
    const q1 = (await call('POST', '/v1/style/quiz-results', h, { answers: LIGHT_SUMMER })).json();
    expect((await call('GET', '/v1/account/style/colors', h)).json()).toMatchObject({ source: 'single', season: 'light_summer', from: [q1.id] });
    const q2 = (await call('POST', '/v1/style/quiz-results', h, { answers: LIGHT_SUMMER })).json();
    const fused = (await call('GET', '/v1/account/style/colors', h)).json();
    expect(fused).toMatchObject({ source: 'fused', season: 'light_summer', palette: { season: 'light_summer' } });
    expect(fused.from.sort()).toEqual([q1.id, q2.id].sort());
    // Two agreeing answers are surer than one.
    expect(fused.color.season12.confidence).toBeGreaterThan(q1.color.season12.confidence);

    const chosen = await call('PUT', '/v1/account/style/palette', h, { season: 'deep_winter' });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json()).toMatchObject({ season: 'deep_winter', source: 'season', palette: { season: 'deep_winter' } });
    expect((await call('GET', '/v1/account/style/colors', h)).json()).toMatchObject({ source: 'chosen', season: 'deep_winter' });
    const fromQuiz = await call('PUT', '/v1/account/style/palette', h, { quiz_result_id: q1.id });
    expect(fromQuiz.json()).toMatchObject({ season: 'light_summer', source: 'quiz_result', source_id: q1.id });

    // Another user's analysis or quiz result: 404; bad bodies: 400.
    problem(await call('PUT', '/v1/account/style/palette', B(), { quiz_result_id: q1.id }), 404, 'QUIZ_RESULT_NOT_FOUND');
    problem(await call('PUT', '/v1/account/style/palette', B(), { analysis_id: await userAnalysis(u) }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await call('PUT', '/v1/account/style/palette', h, { season: 'autumn-ish' }), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/account/style/palette', h, {}), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/account/style/palette', h, { season: 'deep_winter', quiz_result_id: q1.id }), 400, 'VALIDATION_FAILED');
    expect((await call('DELETE', '/v1/account/style/palette', h)).statusCode).toBe(204);
    expect((await call('GET', '/v1/account/style/palette', h)).json()).toMatchObject({ season: null });
  });
});

describe('saved products', () => {
  it('adds by catalog id, lists with a colour score against the user\'s colours, removes; unknown products and other users are 404', async () => {
    const u = await c.newUser(t.tenantA);
    const h = userAuth(u.access_token);
    const added = await call('POST', '/v1/account/style/saved-products', h, { product_id: 'breton-tee' });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ object: 'saved_product', product_id: 'breton-tee' });
    // Saving it again is the same saved product.
    expect((await call('POST', '/v1/account/style/saved-products', h, { product_id: 'breton-tee' })).json().id).toBe(added.json().id);
    problem(await call('POST', '/v1/account/style/saved-products', h, { product_id: 'no-such-product' }), 404, 'PRODUCT_NOT_FOUND');
    problem(await call('POST', '/v1/account/style/saved-products', h, { product_id: 42 }), 400, 'VALIDATION_FAILED');
    // Tenant B's user cannot save tenant A's product.
    problem(await call('POST', '/v1/account/style/saved-products', userAuth(other.access_token), { product_id: 'summer-dress' }), 404, 'PRODUCT_NOT_FOUND');

    // Without colours: no score yet.
    const bare = (await call('GET', '/v1/account/style/saved-products', h)).json();
    expect(bare).toMatchObject({ season: null, data: [{ product_id: 'breton-tee', match: null }] });
    await call('PUT', '/v1/account/style/palette', h, { season: 'true_winter' });
    const scored = (await call('GET', '/v1/account/style/saved-products', h)).json();
    expect(scored.season).toBe('true_winter');
    const direct = (await call('POST', '/v1/style/color-matches', bearer(t.tenantA.secretKey), { season: 'true_winter', product_ids: ['breton-tee'] })).json();
    expect(direct.data).toHaveLength(1);
    expect(scored.data[0].match).toMatchObject({ product_id: 'breton-tee', score: direct.data[0].score, verdict: direct.data[0].verdict });

    expect((await call('GET', '/v1/account/style/saved-products', B())).json().data).toEqual([]);
    problem(await call('DELETE', '/v1/account/style/saved-products/breton-tee', B()), 404, 'SAVED_PRODUCT_NOT_FOUND');
    expect((await call('DELETE', '/v1/account/style/saved-products/breton-tee', h)).statusCode).toBe(204);
    problem(await call('DELETE', '/v1/account/style/saved-products/breton-tee', h), 404, 'SAVED_PRODUCT_NOT_FOUND');
  });
});

describe('files', () => {
  it('uploads an image (type sniffed, metadata dropped), lists, gets a signed link, deletes; other users get 404', async () => {
    const u = await c.newUser(t.tenantA);
    const h = userAuth(u.access_token);
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } }).png().toBuffer();
    // Declared as JPEG, is a PNG: the bytes decide.
    const res = await upload(h, png, 'image/jpeg', 'garment');
    expect(res.statusCode, res.body).toBe(201);
    const f = res.json();
    expect(f).toMatchObject({ object: 'user_file', kind: 'garment', width: 64, height: 48 });
    expect(f.id).toMatch(/^ufl_/);
    const link = await t.app.inject({ method: 'GET', url: new URL(f.url).pathname + new URL(f.url).search });
    expect(link.statusCode).toBe(200);
    expect(link.headers['content-type']).toBe(f.content_type);

    expect((await call('GET', '/v1/account/files', h)).json().data.map((x: { id: string }) => x.id)).toEqual([f.id]);
    expect((await call('GET', `/v1/account/files/${f.id}`, h)).statusCode).toBe(200);
    problem(await call('GET', `/v1/account/files/${f.id}`, B()), 404, 'USER_FILE_NOT_FOUND');
    problem(await call('DELETE', `/v1/account/files/${f.id}`, B()), 404, 'USER_FILE_NOT_FOUND');
    problem(await call('GET', `/v1/account/files/${f.id}`, userAuth(other.access_token)), 404, 'USER_FILE_NOT_FOUND');
    expect((await call('GET', '/v1/account/files', B())).json().data).toEqual([]);

    expect((await call('DELETE', `/v1/account/files/${f.id}`, h)).statusCode).toBe(204);
    problem(await call('GET', `/v1/account/files/${f.id}`, h), 404, 'USER_FILE_NOT_FOUND');
    expect((await t.app.inject({ method: 'GET', url: new URL(f.url).pathname + new URL(f.url).search })).statusCode).toBe(404);
  });

  it('refuses other types, too-large files and bad forms with 4xx problem+json', async () => {
    const h = A();
    problem(await upload(h, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'image/png'), 415, 'UNSUPPORTED_IMAGE_TYPE');
    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    problem(await upload(h, gif, 'image/png'), 415, 'UNSUPPORTED_IMAGE_TYPE');
    const big = Buffer.concat([await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer(), Buffer.alloc(MAX_BYTES + 10, 7)]);
    const tooBig = await upload(h, big, 'image/png');
    expect([413]).toContain(tooBig.statusCode);
    expect(tooBig.headers['content-type']).toContain('application/problem+json');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer();
    problem(await upload(h, png, 'image/png', 'car'), 400, 'VALIDATION_FAILED');
    problem(await multipart('/v1/account/files', h, [{ name: 'image', value: new Blob([png]) }]), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/account/files', h, { file: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    problem(await upload(bearer(t.tenantA.secretKey), png), 401, 'UNAUTHENTICATED');
  });

  it('files past the tenant retention are purged (blob and row) by maintenance', async () => {
    const u = await c.newUser(t.tenantA);
    const h = userAuth(u.access_token);
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#aa3300' } }).png().toBuffer();
    const f = (await upload(h, png, 'image/png')).json();
    const key = (await t.deps.db.execute(sql`select blob_key from style_user_files where id = ${f.id}`)) as unknown as { rows: { blob_key: string }[] };
    const blobKey = key.rows[0]!.blob_key;
    expect(await t.deps.blobs.head(blobKey)).toBeTruthy();
    t.clock.set(new Date(f.expires_at).getTime() + 1000);
    const purged = await runMaintenance(t.deps, { purgeStyle: () => t.modules.style.purgeExpired() });
    expect(purged.userFiles).toBeGreaterThanOrEqual(1);
    expect(await t.deps.blobs.head(blobKey)).toBeUndefined();
    // Fresh tokens: the clock moved past the access token's life.
    const again = await c.login(t.tenantA, u.user.email, PASSWORD);
    problem(await call('GET', `/v1/account/files/${f.id}`, userAuth(again.json().access_token)), 404, 'USER_FILE_NOT_FOUND');
  });
});

describe('export and erasure', () => {
  it('the account export lists the user\'s style data; deleting the account erases rows and blobs, and no one else\'s', async () => {
    const u = await c.newUser(t.tenantA);
    const h = userAuth(u.access_token);
    const analysis = await userAnalysis(u);
    const q = (await call('POST', '/v1/style/quiz-results', h, { answers: LIGHT_SUMMER })).json();
    await call('POST', `/v1/style/analyses/${analysis}/feedback`, h, { feels_right: 'yes' });
    await call('PUT', '/v1/account/style/palette', h, { season: 'soft_summer' });
    await call('POST', '/v1/account/style/saved-products', h, { product_id: 'summer-dress' });
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#00aa33' } }).png().toBuffer();
    const f = (await upload(h, png, 'image/png')).json();
    const keep = await userAnalysis(b);

    const ex = await call('GET', '/v1/account/export', h);
    expect(ex.statusCode, ex.body).toBe(200);
    const style = ex.json().data.style;
    expect(style.analyses.map((x: { id: string }) => x.id)).toEqual([analysis]);
    expect(style.quiz_results.map((x: { id: string }) => x.id)).toEqual([q.id]);
    expect(style.palette).toMatchObject({ season: 'soft_summer' });
    expect(style.saved_products).toMatchObject([{ product_id: 'summer-dress' }]);
    expect(style.files).toMatchObject([{ id: f.id }]);

    const blobKey = ((await t.deps.db.execute(sql`select blob_key from style_user_files where id = ${f.id}`)) as unknown as { rows: { blob_key: string }[] }).rows[0]!.blob_key;
    const gone = await t.app.inject({ method: 'DELETE', url: '/v1/account', headers: h, payload: { password: PASSWORD } });
    expect(gone.statusCode, gone.body).toBe(204);
    const count = async (table: string) => Number(((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table} where user_id = '${u.user.id}'`))) as unknown as { rows: { n: number }[] }).rows[0]!.n);
    for (const table of ['style_analyses', 'style_quiz_results', 'style_feedback', 'style_user_profiles', 'style_saved_products', 'style_user_files']) expect(await count(table), table).toBe(0);
    expect(await t.deps.blobs.head(blobKey)).toBeUndefined();
    // Another user's analysis stays.
    expect((await t.deps.db.select().from(styleAnalyses).where(and(eq(styleAnalyses.id, keep), eq(styleAnalyses.userId, b.user.id)))).length).toBe(1);
  });
});

describe('API description', () => {
  it('documents the account style routes and the style routes\' two ways in', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>> };
    for (const p of ['/v1/account/style/analyses', '/v1/account/style/palette', '/v1/account/style/colors', '/v1/account/style/saved-products', '/v1/account/files', '/v1/account/files/{file_id}']) expect(doc.paths[p], p).toBeTruthy();
    const security = doc.paths['/v1/style/analyses']!.post!.security!.map((s) => Object.keys(s).sort().join('+'));
    expect(security).toEqual(['apiKey', 'endUser', 'apiKey+endUserToken']);
  });
});

describe("the store's erasure request", () => {
  it('DELETE /v1/end-users/:id erases the person\'s style data too; another store cannot', async () => {
    const u = await c.newUser(t.tenantA);
    const h = userAuth(u.access_token);
    await call('POST', '/v1/style/quiz-results', h, { answers: DEEP_AUTUMN });
    await call('POST', '/v1/account/style/saved-products', h, { product_id: 'breton-tee' });
    const png = await sharp({ create: { width: 12, height: 12, channels: 3, background: '#123456' } }).png().toBuffer();
    expect((await upload(h, png, 'image/png')).statusCode).toBe(201);
    problem(await call('DELETE', `/v1/end-users/${u.user.id}`, bearer(t.tenantB.secretKey)), 404, 'USER_NOT_FOUND');
    const count = async (table: string) => Number(((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table} where user_id = '${u.user.id}'`))) as unknown as { rows: { n: number }[] }).rows[0]!.n);
    expect(await count('style_user_files')).toBe(1);
    expect((await call('DELETE', `/v1/end-users/${u.user.id}`, bearer(t.tenantA.secretKey))).statusCode).toBe(204);
    for (const table of ['style_quiz_results', 'style_saved_products', 'style_user_files']) expect(await count(table), table).toBe(0);
  });
});
