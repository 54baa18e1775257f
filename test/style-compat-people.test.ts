/**
 * The older Style API's feedback and files paths (`/api/v1/feedback…`, `/api/v1/files…`) on the
 * real app and database, for a signed-in end user: a contract test per path (the older flat shapes),
 * the same records as the new API's (fbk_, ufl_), another user's or another tenant's ids 404, no
 * token 401, bad input 4xx problem+json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { bearer, createTestApp, problem, type TestApp } from './harness.js';
import { accountsClient, injectMultipart, userAuth, type EndSession, type FormPart } from './accounts-helpers.js';
import { insertAnalysis } from './style-feedback-helpers.js';
import { styleAnalyses } from '../src/modules/style/tables.js';
import { FACE_SHAPES, SEASONS_12 } from '../contracts/style.js';

let t: TestApp;
let c: ReturnType<typeof accountsClient>;
const MAX_BYTES = 400_000;
let a: EndSession;
let b: EndSession;
let other: EndSession; // tenant B
const A = () => userAuth(a.access_token);
const B = () => userAuth(b.access_token);
const OTHER = () => userAuth(other.access_token);

type H = Record<string, string>;
const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: H, payload?: unknown) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

/** An analysis row as the analyser leaves it (soft autumn, Monk 5, oval), made by this user. */
async function userAnalysis(u: EndSession, tenantId = t.tenantA.id) {
  const id = await insertAnalysis(t, { tenantId });
  await t.deps.db.update(styleAnalyses).set({ userId: u.user.id, widgetSession: `user:${u.user.id}` }).where(eq(styleAnalyses.id, id));
  return id;
}

const multipart = (url: string, headers: H, parts: FormPart[]) => injectMultipart(t, url, headers, parts);
const UPLOAD = '/api/v1/files/upload';
const upload = (headers: H, bytes: Buffer, extra: { name: string; value: string }[] = [], type = 'image/jpeg') =>
  multipart(UPLOAD, headers, [{ name: 'file', value: new Blob([bytes], { type }), filename: 'yo.jpg' }, ...extra]);

beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_UPLOAD_MAX_BYTES: String(MAX_BYTES) } });
  c = accountsClient(t);
  a = await c.newUser(t.tenantA);
  b = await c.newUser(t.tenantA);
  other = await c.newUser(t.tenantB);
}, 120_000);
afterAll(async () => t?.close());

function expectFeedbackShape(f: Record<string, unknown>) {
  expect(Object.keys(f).sort()).toEqual(
    ['success', 'feedback_id', 'analysis_id', 'user_id', 'rating', 'feels_right', 'is_accurate', 'corrected_season', 'corrected_face_shape', 'comment', 'predicted_season', 'predicted_face_shape', 'predicted_monk', 'created_at', 'updated_at'].sort(),
  );
  expect(f.success).toBe(true);
  expect(String(f.feedback_id)).toMatch(/^fbk_/);
  expect(SEASONS_12).toContain(f.predicted_season);
  expect(FACE_SHAPES).toContain(f.predicted_face_shape);
  expect(Number.isNaN(Date.parse(String(f.created_at)))).toBe(false);
}

describe('older Style API: /api/v1/feedback', () => {
  it('POST: feedback on the user’s analysis, in the older flat shape, the same record as the new API’s', async () => {
    const sta = await userAnalysis(a);
    const res = await call('POST', '/api/v1/feedback', A(), { analysis_id: sta, rating: 4, is_accurate: false, corrected_season: 'deep_autumn', comment: 'Más oscura', user_id: 17 });
    expect(res.statusCode, res.body).toBe(201);
    const f = res.json();
    expectFeedbackShape(f);
    expect(f).toMatchObject({ analysis_id: sta, user_id: a.user.id, rating: 4, feels_right: 'no', is_accurate: false, corrected_season: 'deep_autumn', corrected_face_shape: null, comment: 'Más oscura', predicted_season: 'soft_autumn', predicted_face_shape: 'oval', predicted_monk: 5 });
    expect(res.headers.location).toBe(`/api/v1/feedback/${f.feedback_id}`);
    // The new API sees the same feedback (the user's token on the new path).
    const fresh = await call('GET', `/v1/style/feedback/${f.feedback_id}`, A());
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json()).toMatchObject({ id: f.feedback_id, user_id: a.user.id, feels_right: 'no', correction: { season: 'deep_autumn' } });
    // One per analysis and user: a second is 409.
    problem(await call('POST', '/api/v1/feedback', A(), { analysis_id: sta, feels_right: 'yes' }), 409, 'STYLE_FEEDBACK_EXISTS');
    // A rating alone is "unsure".
    const rated = await call('POST', '/api/v1/feedback', A(), { analysis_id: await userAnalysis(a), rating: 5 });
    expect(rated.statusCode, rated.body).toBe(201);
    expect(rated.json()).toMatchObject({ feels_right: 'unsure', is_accurate: null, rating: 5 });
  });

  it('GET: the user’s own, newest first, paged; one by id', async () => {
    const u = await c.newUser(t.tenantA);
    const h = userAuth(u.access_token);
    const ids: string[] = [];
    for (const feels of ['yes', 'no', 'unsure'] as const) {
      const res = await call('POST', '/api/v1/feedback', h, { analysis_id: await userAnalysis(u), feels_right: feels });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().feedback_id);
    }
    const first = await call('GET', '/api/v1/feedback?limit=2', h);
    expect(first.statusCode, first.body).toBe(200);
    const p1 = first.json();
    expect(p1).toMatchObject({ success: true, count: 2, has_more: true, next_cursor: ids[1] });
    expect(p1.feedback.map((x: { feedback_id: string }) => x.feedback_id)).toEqual([ids[2], ids[1]]);
    const p2 = (await call('GET', `/api/v1/feedback?limit=2&starting_after=${p1.next_cursor}`, h)).json();
    expect(p2).toMatchObject({ count: 1, has_more: false, next_cursor: null });
    expect(p2.feedback[0].feedback_id).toBe(ids[0]);
    // Filtered by analysis.
    const one = (await call('GET', `/api/v1/feedback/${ids[0]}`, h)).json();
    expectFeedbackShape(one);
    expect(one).toMatchObject({ feedback_id: ids[0], feels_right: 'yes', is_accurate: true });
    const byAnalysis = (await call('GET', `/api/v1/feedback?analysis_id=${one.analysis_id}`, h)).json();
    expect(byAnalysis.feedback.map((x: { feedback_id: string }) => x.feedback_id)).toEqual([ids[0]]);
    // Nobody else's appears: user B sees none of these.
    const bList = (await call('GET', '/api/v1/feedback', B())).json();
    expect(bList.feedback.map((x: { feedback_id: string }) => x.feedback_id)).not.toContain(ids[0]);
  });

  it('PUT edits the fields given (null clears), DELETE removes', async () => {
    const sta = await userAnalysis(a);
    const f = (await call('POST', '/api/v1/feedback', A(), { analysis_id: sta, feels_right: 'no', rating: 2, corrected_season: 'deep_winter', corrected_face_shape: 'round', comment: 'no' })).json();
    const put = await call('PUT', `/api/v1/feedback/${f.feedback_id}`, A(), { corrected_season: 'dark_winter', rating: null });
    // `dark_winter` is not one of the 12 ids: 400, nothing changed.
    problem(put, 400, 'VALIDATION_FAILED');
    const ok = await call('PUT', `/api/v1/feedback/${f.feedback_id}`, A(), { corrected_season: 'true_winter', rating: null, is_accurate: true });
    expect(ok.statusCode, ok.body).toBe(200);
    expectFeedbackShape(ok.json());
    expect(ok.json()).toMatchObject({ corrected_season: 'true_winter', corrected_face_shape: 'round', rating: null, feels_right: 'yes', comment: 'no' });
    const cleared = await call('PUT', `/api/v1/feedback/${f.feedback_id}`, A(), { corrected_season: null, corrected_face_shape: null, comment: null });
    expect(cleared.json()).toMatchObject({ corrected_season: null, corrected_face_shape: null, comment: null });
    problem(await call('PUT', `/api/v1/feedback/${f.feedback_id}`, A(), {}), 400, 'VALIDATION_FAILED');
    expect((await call('DELETE', `/api/v1/feedback/${f.feedback_id}`, A())).statusCode).toBe(204);
    problem(await call('GET', `/api/v1/feedback/${f.feedback_id}`, A()), 404, 'STYLE_FEEDBACK_NOT_FOUND');
  });

  it('another user’s or another tenant’s ids are 404; no token 401', async () => {
    const sta = await userAnalysis(a);
    const f = (await call('POST', '/api/v1/feedback', A(), { analysis_id: sta, feels_right: 'yes' })).json();
    for (const h of [B(), OTHER()]) {
      problem(await call('GET', `/api/v1/feedback/${f.feedback_id}`, h), 404, 'STYLE_FEEDBACK_NOT_FOUND');
      problem(await call('PUT', `/api/v1/feedback/${f.feedback_id}`, h, { rating: 1 }), 404, 'STYLE_FEEDBACK_NOT_FOUND');
      problem(await call('DELETE', `/api/v1/feedback/${f.feedback_id}`, h), 404, 'STYLE_FEEDBACK_NOT_FOUND');
      // Feedback on someone else's analysis: the analysis is unknown to them.
      problem(await call('POST', '/api/v1/feedback', h, { analysis_id: sta, feels_right: 'no' }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    }
    // An analysis of tenant B's user is unknown to tenant A's.
    problem(await call('POST', '/api/v1/feedback', A(), { analysis_id: await userAnalysis(other, t.tenantB.id), feels_right: 'no' }), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    expect((await call('GET', `/api/v1/feedback/${f.feedback_id}`, A())).json().rating).toBeNull();
    problem(await call('GET', '/api/v1/feedback', {}), 401, 'UNAUTHENTICATED');
    // A store's key alone is not a signed-in person.
    problem(await call('GET', '/api/v1/feedback', bearer(t.tenantA.secretKey)), 401, 'UNAUTHENTICATED');
    problem(await call('GET', '/api/v1/feedback', userAuth('not-a-token')), 401, 'INVALID_TOKEN');
  });

  it('bad bodies are 400 problem+json', async () => {
    const sta = await userAnalysis(a);
    problem(await call('POST', '/api/v1/feedback', A(), { feels_right: 'yes' }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/api/v1/feedback', A(), { analysis_id: sta }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/api/v1/feedback', A(), { analysis_id: sta, rating: 9 }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/api/v1/feedback', A(), { analysis_id: sta, feels_right: 'yes', is_accurate: false }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/api/v1/feedback', A(), { analysis_id: sta, feels_right: 'no', corrected_season: 'soft autumn' }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/api/v1/feedback', A(), { analysis_id: 'fbk_123', feels_right: 'no' }), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/api/v1/feedback/sta_123', A()), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/api/v1/feedback?limit=500', A()), 400, 'VALIDATION_FAILED');
    // Nothing was stored by those.
    expect((await call('GET', `/api/v1/feedback?analysis_id=${sta}`, A())).json().count).toBe(0);
  });
});

describe('older Style API: /api/v1/files', () => {
  it('POST /upload: an image in the older shape (id, url, size, type), readable at its link, the same file as the new API’s', async () => {
    const jpeg = await sharp({ create: { width: 80, height: 60, channels: 3, background: '#aa5533' } }).jpeg().toBuffer();
    // The older frontend's extra fields are ignored.
    const res = await upload(A(), jpeg, [{ name: 'description', value: 'mi foto' }, { name: 'kind', value: 'garment' }]);
    expect(res.statusCode, res.body).toBe(201);
    const f = res.json();
    expect(Object.keys(f).sort()).toEqual(['success', 'file_id', 'filename', 'kind', 'content_type', 'size', 'width', 'height', 'url', 'url_expires_at', 'uploaded_at', 'expires_at'].sort());
    expect(f).toMatchObject({ success: true, filename: 'yo.jpg', kind: 'garment', content_type: 'image/jpeg', width: 80, height: 60 });
    expect(f.file_id).toMatch(/^ufl_/);
    expect(f.size).toBeGreaterThan(0);
    expect(res.headers.location).toBe(`/api/v1/files/${f.file_id}`);
    const link = await t.app.inject({ method: 'GET', url: new URL(f.url).pathname + new URL(f.url).search });
    expect(link.statusCode).toBe(200);
    expect(link.headers['content-type']).toBe('image/jpeg');
    expect(link.rawPayload.length).toBe(f.size);
    // The new API lists it.
    expect((await call('GET', '/v1/account/files', A())).json().data.map((x: { id: string }) => x.id)).toContain(f.file_id);

    const got = await call('GET', `/api/v1/files/${f.file_id}`, A());
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ success: true, file_id: f.file_id, filename: null, size: f.size, content_type: 'image/jpeg' });
    for (const h of [B(), OTHER()]) {
      problem(await call('GET', `/api/v1/files/${f.file_id}`, h), 404, 'USER_FILE_NOT_FOUND');
      problem(await call('DELETE', `/api/v1/files/${f.file_id}`, h), 404, 'USER_FILE_NOT_FOUND');
    }
    expect((await call('DELETE', `/api/v1/files/${f.file_id}`, A())).statusCode).toBe(204);
    problem(await call('GET', `/api/v1/files/${f.file_id}`, A()), 404, 'USER_FILE_NOT_FOUND');
    expect((await t.app.inject({ method: 'GET', url: new URL(f.url).pathname + new URL(f.url).search })).statusCode).toBe(404);
  });

  it('the older validation: type by the bytes (415), size (413), unreadable (422), form (400/415), sign-in (401)', async () => {
    const h = A();
    problem(await upload(h, Buffer.from('%PDF-1.4 not an image at all'), [], 'image/jpeg'), 415, 'UNSUPPORTED_IMAGE_TYPE');
    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    problem(await upload(h, gif), 415, 'UNSUPPORTED_IMAGE_TYPE');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer();
    problem(await upload(h, Buffer.concat([png, Buffer.alloc(MAX_BYTES + 10, 7)])), 413, 'IMAGE_TOO_LARGE');
    // A JPEG's signature over nothing that decodes.
    problem(await upload(h, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 3)])), 422, 'IMAGE_UNREADABLE');
    problem(await upload(h, png, [{ name: 'kind', value: 'car' }]), 400, 'VALIDATION_FAILED');
    problem(await multipart(UPLOAD, h, [{ name: 'image', value: new Blob([png]) }]), 400, 'VALIDATION_FAILED');
    problem(await multipart(UPLOAD, h, [{ name: 'description', value: 'no file' }]), 400, 'VALIDATION_FAILED');
    problem(await call('POST', UPLOAD, h, { file: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    problem(await upload({}, png), 401, 'UNAUTHENTICATED');
    problem(await upload(bearer(t.tenantA.secretKey), png), 401, 'UNAUTHENTICATED');
    problem(await call('GET', '/api/v1/files/upl_123', h), 400, 'VALIDATION_FAILED');
    // None of those left a file.
    expect((await call('GET', '/v1/account/files', h)).json().data).toEqual([]);
  });
});
