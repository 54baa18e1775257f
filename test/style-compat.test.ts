/**
 * The older Synthia Style API's paths on the real app (real face models, real database, the cache
 * driver of the run): a contract test per path (the older flat answer shapes), bad input as 4xx
 * problem+json, the default tenant for requests without a key (and its CORS), tenant isolation of
 * the cache invalidation; and, beside them, the platform's answer compression (brotli, gzip, none;
 * small answers, SSE, images and HEAD left alone) and /redoc served offline.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACE_SHAPES, SEASONS_12, SEASONS_4 } from '../contracts/style.js';
import { bearer, createTestApp, problem, type TestApp } from './harness.js';
import { selfie1024 } from './style-images.js';
import { accountsClient, freshEmail, PASSWORD, userAuth } from './accounts-helpers.js';

let t: TestApp;
let c: ReturnType<typeof accountsClient>;
let selfie: Buffer;
const MAX_BYTES = 2_000_000;

beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_PERCEPTION_THREADS: '1', PROBADOR_UPLOAD_MAX_BYTES: String(MAX_BYTES) } });
  expect((await t.modules.perception.warm()).models).toBe('ready');
  selfie = await sharp(await selfie1024()).jpeg({ quality: 90 }).toBuffer();
  c = accountsClient(t);
}, 120_000);
afterAll(async () => t?.close());

const A = () => bearer(t.tenantA.secretKey);
const B = () => bearer(t.tenantB.secretKey);
/** A slightly different picture each time (so the cache does not answer), same face. */
let variant = 0;
const freshSelfie = async () => sharp(selfie).modulate({ brightness: 1 + ++variant * 0.003 }).jpeg({ quality: 90 }).toBuffer();

const FACIAL = '/api/v1/facial-analysis/analyze';
const CHROMATIC = '/api/v1/chromatic-analysis/analyze';
const postJson = (url: string, payload: unknown, headers: Record<string, string> = A()) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });

/** A multipart body by hand (as a browser's FormData): files and text fields. */
function multipart(parts: { name: string; value: string | Buffer; filename?: string; type?: string }[]) {
  const boundary = `----compat${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    const type = p.filename ? (p.type ?? 'image/jpeg') : p.type;
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: ${disposition}\r\n${type ? `content-type: ${type}\r\n` : ''}\r\n`));
    chunks.push(Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
const postMultipart = (url: string, parts: Parameters<typeof multipart>[0], headers: Record<string, string> = A()) => {
  const m = multipart(parts);
  return t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': m.contentType }, payload: m.payload });
};

function expectCommon(body: Record<string, unknown>) {
  expect(body.success).toBe(true);
  expect(String(body.analysis_id)).toMatch(/^(sta|qzr)_/);
  expect(typeof body.cached).toBe('boolean');
  expect(typeof body.processing_time).toBe('number');
  expect(new Date(String(body.timestamp)).toISOString()).toBe(body.timestamp);
}

describe('POST /api/v1/facial-analysis/analyze', () => {
  it('answers a base64 photo in JSON with the older flat shape; a repeat of the same photo as a multipart file comes from the cache', async () => {
    const photo = await freshSelfie();
    const res = await postJson(FACIAL, { image: photo.toString('base64'), user_id: 42, extra: 'ignored' });
    expect(res.statusCode, res.body).toBe(200);
    // An API answer: the REST security headers of /v1 (never cached, never framed).
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    const a = res.json();
    expectCommon(a);
    expect(Object.keys(a).sort()).toEqual(
      ['alternatives', 'analysis_id', 'cached', 'confidence', 'face_shape', 'image_hash', 'measurements', 'processing_time', 'provider', 'quality', 'recommendations', 'success', 'timestamp'].sort(),
    );
    expect(a).toMatchObject({ provider: 'local', cached: false });
    expect(FACE_SHAPES).toContain(a.face_shape);
    expect(a.confidence).toBeGreaterThan(0);
    expect(a.confidence).toBeLessThanOrEqual(1);
    expect(a.alternatives).toHaveLength(2);
    expect(a.alternatives.map((x: { shape: string }) => x.shape)).not.toContain(a.face_shape);
    expect(Object.keys(a.measurements).sort()).toEqual(['chin_angle_deg', 'forehead_to_cheek', 'jaw_angle_deg', 'jaw_to_cheek', 'length_to_cheek']);
    for (const k of ['hairstyles', 'glasses', 'necklines', 'avoid']) expect(Array.isArray(a.recommendations[k])).toBe(true);
    expect(a.recommendations.hairstyles.length).toBeGreaterThan(0);
    expect(typeof a.recommendations.hairstyles[0]).toBe('string');
    expect(a.quality).toMatchObject({ retake: false });
    expect(a.image_hash).toMatch(/^[0-9a-f]{64}$/);
    // The analysis is a real one of the new API: the tenant's secret key reads it, with kinds [face].
    const v1 = await t.app.inject({ method: 'GET', url: `/v1/style/analyses/${a.analysis_id}`, headers: A() });
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toMatchObject({ kinds: ['face'], face: { shape: a.face_shape } });
    // Tenant B does not see it.
    expect((await t.app.inject({ method: 'GET', url: `/v1/style/analyses/${a.analysis_id}`, headers: B() })).statusCode).toBe(404);

    const again = await postMultipart(FACIAL, [{ name: 'file', value: photo, filename: 'selfie.jpg' }]);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ cached: true, face_shape: a.face_shape, confidence: a.confidence, image_hash: a.image_hash });
    expect(again.json().analysis_id).not.toBe(a.analysis_id);
  });

  it('speaks Spanish when asked (lang=es, or Accept-Language: es)', async () => {
    const photo = await freshSelfie();
    const en = (await postJson(FACIAL, { image_data: `data:image/jpeg;base64,${photo.toString('base64')}` })).json();
    const es = await postJson(`${FACIAL}?lang=es`, { image_data: photo.toString('base64') });
    const es2 = await postJson(FACIAL, { image: photo.toString('base64') }, { ...A(), 'accept-language': 'es-ES,es;q=0.9,en;q=0.8' });
    expect(es.json().cached).toBe(true);
    expect(es.json().recommendations.hairstyles).not.toEqual(en.recommendations.hairstyles);
    expect(es2.json().recommendations.hairstyles).toEqual(es.json().recommendations.hairstyles);
  });

  it('bad input is a 4xx problem+json: no photo, not an image, too large, wrong types, two photos, a stray file field, no key', async () => {
    problem(await postJson(FACIAL, {}), 400, 'VALIDATION_FAILED');
    problem(await postMultipart(FACIAL, [{ name: 'note', value: 'hello' }]), 400, 'VALIDATION_FAILED');
    problem(await postJson(FACIAL, { image: 12345 }), 400, 'VALIDATION_FAILED');
    problem(await postJson(FACIAL, { image: 'not base64 at all!' }), 400, 'VALIDATION_FAILED');
    problem(await postJson(FACIAL, { image: 'aGVsbG8=', image_data: 'aGVsbG8=' }), 400, 'VALIDATION_FAILED');
    problem(await postJson(FACIAL, { image: Buffer.from('just some text, not a picture').toString('base64') }), 415, 'UNSUPPORTED_IMAGE_TYPE');
    problem(await postMultipart(FACIAL, [{ name: 'file', value: Buffer.from('%PDF-1.4 not an image'), filename: 'x.pdf', type: 'application/pdf' }]), 415, 'UNSUPPORTED_IMAGE_TYPE');
    problem(await postMultipart(FACIAL, [{ name: 'file', value: Buffer.alloc(0), filename: 'empty.jpg' }]), 400, 'VALIDATION_FAILED');
    problem(await postMultipart(FACIAL, [{ name: 'avatar', value: selfie, filename: 'selfie.jpg' }]), 400, 'VALIDATION_FAILED');
    const huge = Buffer.concat([selfie, Buffer.alloc(MAX_BYTES)]);
    problem(await postMultipart(FACIAL, [{ name: 'file', value: huge, filename: 'huge.jpg' }]), 413, 'IMAGE_TOO_LARGE');
    // As base64 in JSON: past the route's body limit (413 BODY_TOO_LARGE) or, under it, past the image limit.
    problem(await postJson(FACIAL, { image: Buffer.concat([huge, huge]).toString('base64') }), 413, 'BODY_TOO_LARGE');
    problem(await postJson(FACIAL, { image: Buffer.alloc(MAX_BYTES + 10).toString('base64') }), 413, 'IMAGE_TOO_LARGE');
    problem(await postJson(FACIAL, { answers: { veins: 'green' } }), 400, 'VALIDATION_FAILED');
    problem(await t.app.inject({ method: 'POST', url: FACIAL, headers: { ...A(), 'content-type': 'text/plain' }, payload: 'hello' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // No key, and no default tenant configured: 401; a wrong key: 401 too.
    problem(await postJson(FACIAL, { image: selfie.toString('base64') }, {}), 401, 'UNAUTHENTICATED');
    problem(await postJson(FACIAL, { image: selfie.toString('base64') }, { 'x-api-key': 'sk_live_nope' }), 401, 'INVALID_API_KEY');
  });
});

describe('POST /api/v1/chromatic-analysis/analyze', () => {
  it('a photo (multipart): season, subseason, undertone, palette, skin tone; a repeat from the cache', async () => {
    const photo = await freshSelfie();
    const res = await postMultipart(CHROMATIC, [
      { name: 'file', value: photo, filename: 'selfie.jpg' },
      { name: 'client_version', value: '1.2.3' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json();
    expectCommon(c);
    expect(Object.keys(c).sort()).toEqual(
      ['alternatives', 'analysis_id', 'cached', 'confidence', 'contrast', 'depth', 'image_hash', 'intensity', 'palette', 'processing_time', 'provider', 'quality', 'season', 'skin_tone', 'subseason', 'success', 'timestamp', 'undertone'].sort(),
    );
    expect(SEASONS_4).toContain(c.season);
    expect(SEASONS_12).toContain(c.subseason);
    expect(c.subseason).toContain(c.season === 'autumn' ? 'autumn' : c.season);
    expect(['warm', 'cool', 'neutral', 'olive']).toContain(c.undertone);
    expect(c.alternatives).toHaveLength(2);
    expect(c.palette.best_colors.length).toBeGreaterThanOrEqual(6);
    expect(c.palette.best_colors[0]).toEqual({ name: expect.any(String), hex: expect.stringMatching(/^#[0-9a-f]{6}$/) });
    expect(c.skin_tone.monk).toBeGreaterThanOrEqual(1);
    expect(c.quality.retake).toBe(false);
    const again = await postJson(CHROMATIC, { image: photo.toString('base64') });
    expect(again.json()).toMatchObject({ cached: true, subseason: c.subseason, image_hash: c.image_hash });
  });

  it('the colour quiz (answers, as an object or a list) without a photo; with a photo too, the two are fused', async () => {
    const answers = { veins: 'green', jewellery: 'gold', sun: 'tans_golden' };
    const quiz = await postJson(CHROMATIC, { answers });
    expect(quiz.statusCode, quiz.body).toBe(200);
    const q = quiz.json();
    expectCommon(q);
    expect(q).toMatchObject({ provider: 'quiz', quality: null, skin_tone: null, image_hash: null, cached: false });
    expect(q.analysis_id).toMatch(/^qzr_/);
    expect(['warm', 'olive']).toContain(q.undertone);
    const list = await postJson(CHROMATIC, { answers: Object.entries(answers).map(([question, option]) => ({ question, option })) });
    expect(list.json().subseason).toBe(q.subseason);

    const fused = await postMultipart(CHROMATIC, [
      { name: 'file', value: await freshSelfie(), filename: 'selfie.jpg' },
      { name: 'answers', value: JSON.stringify(answers) },
    ]);
    expect(fused.statusCode, fused.body).toBe(200);
    const f = fused.json();
    expect(f.analysis_id).toMatch(/^sta_/);
    const v1 = await t.app.inject({ method: 'GET', url: `/v1/style/analyses/${f.analysis_id}`, headers: A() });
    expect(v1.json()).toMatchObject({ source: 'fused', kinds: ['color'] });
  });

  it('bad input: nothing to analyse, unknown quiz answers, answers of the wrong type', async () => {
    problem(await postJson(CHROMATIC, { shopper_id: 'x' }), 400, 'VALIDATION_FAILED');
    problem(await postJson(CHROMATIC, { answers: { veins: 'plaid' } }), 400, 'QUIZ_ANSWER_INVALID');
    problem(await postJson(CHROMATIC, { answers: 'green' }), 400, 'VALIDATION_FAILED');
    problem(await postJson(CHROMATIC, { answers: {} }), 400, 'VALIDATION_FAILED');
    problem(await postMultipart(CHROMATIC, [{ name: 'answers', value: '{not json' }]), 400, 'VALIDATION_FAILED');
    problem(await postMultipart(CHROMATIC, [{ name: 'answers', value: '[1,2]' }]), 400, 'VALIDATION_FAILED');
    problem(await postMultipart(CHROMATIC, [{ name: 'answers', value: '{"veins":', type: 'application/json' }]), 400, 'VALIDATION_FAILED');
    // A photo as base64 in a text field is for small ones: past 64 KiB, send the file.
    problem(await postMultipart(CHROMATIC, [{ name: 'image', value: selfie.toString('base64') }]), 400, 'VALIDATION_FAILED');
    // A part typed application/json is read as the same answers.
    const typed = await postMultipart(CHROMATIC, [{ name: 'answers', value: JSON.stringify({ veins: 'green' }), type: 'application/json' }]);
    expect(typed.statusCode, typed.body).toBe(200);
    expect(typed.json().provider).toBe('quiz');
  });
});

describe('the default tenant (PROBADOR_STYLE_COMPAT_DEFAULT_TENANT)', () => {
  it('a request without a key acts for it — from a server, or a browser on its allowed origins (with CORS); other origins are refused', async () => {
    t.config.style.compatDefaultTenant = t.tenantA.id;
    try {
      const photo = (await freshSelfie()).toString('base64');
      const res = await postJson(FACIAL, { image: photo }, {});
      expect(res.statusCode, res.body).toBe(200);
      const id = res.json().analysis_id;
      // Tenant A's server sees it; tenant B does not; a publishable key's widget session does not either.
      expect((await t.app.inject({ method: 'GET', url: `/v1/style/analyses/${id}`, headers: A() })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: `/v1/style/analyses/${id}`, headers: B() })).statusCode).toBe(404);
      // A Bearer that is not a key is an end user's access token: one that is not valid (expired,
      // forged) is refused 401, so the older frontend refreshes it; nothing is analysed.
      problem(await postJson(FACIAL, { image: photo }, { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x' }), 401, 'INVALID_TOKEN');
      // From the tenant's allowed origin: the answer carries CORS for it; a preflight is answered.
      const browser = await postJson(FACIAL, { image: photo }, { origin: t.tenantA.origin });
      expect(browser.statusCode, browser.body).toBe(200);
      expect(browser.headers['access-control-allow-origin']).toBe(t.tenantA.origin);
      const pre = await t.app.inject({ method: 'OPTIONS', url: FACIAL, headers: { origin: t.tenantA.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(t.tenantA.origin);
      // Another origin (tenant B's): refused, no CORS grant.
      const other = await postJson(FACIAL, { image: photo }, { origin: t.tenantB.origin });
      problem(other, 403, 'ORIGIN_NOT_ALLOWED');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      // Metrics for the default tenant; invalidation needs a secret key.
      const m = await t.app.inject({ method: 'GET', url: '/api/v1/cache/metrics' });
      expect(m.statusCode).toBe(200);
      expect(m.json().tenant_id).toBe(t.tenantA.id);
      problem(await t.app.inject({ method: 'POST', url: '/api/v1/cache/invalidate/analysis' }), 401, 'UNAUTHENTICATED');
      // A default tenant that does not exist: 503 with its own code, nothing analysed.
      t.config.style.compatDefaultTenant = 'ten_doesnotexist0000000000';
      problem(await postJson(FACIAL, { image: photo }, {}), 503, 'COMPAT_TENANT_UNAVAILABLE');
    } finally {
      t.config.style.compatDefaultTenant = undefined;
    }
  });

  it('the older frontend signed in: login, an analysis with the user’s token is theirs, feedback on it, CORS from the store’s origin', async () => {
    t.config.style.compatDefaultTenant = t.tenantA.id;
    try {
      const email = freshEmail();
      expect((await postJson('/api/v1/auth/register', { email, password: PASSWORD }, {})).statusCode).toBe(201);
      const login = await postJson('/api/v1/auth/login', { email, password: PASSWORD }, {});
      expect(login.statusCode, login.body).toBe(200);
      const user = userAuth(login.json().access_token);
      const res = await postJson(CHROMATIC, { image: (await freshSelfie()).toString('base64') }, { ...user, origin: t.tenantA.origin });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(t.tenantA.origin);
      const sta = res.json().analysis_id as string;
      // In their history (the new API, same token); not the store's anonymous widget sessions'.
      const mine = await t.app.inject({ method: 'GET', url: '/v1/account/style/analyses', headers: user });
      expect(mine.statusCode, mine.body).toBe(200);
      expect((mine.json().data as { id: string }[]).map((a) => a.id)).toContain(sta);
      const fb = await postJson('/api/v1/feedback', { analysis_id: sta, is_accurate: true, rating: 5 }, user);
      expect(fb.statusCode, fb.body).toBe(201);
      expect(fb.json()).toMatchObject({ analysis_id: sta, feels_right: 'yes', rating: 5 });
      // Another user of the same store cannot give feedback on it.
      const other = await c.newUser(t.tenantA);
      problem(await postJson('/api/v1/feedback', { analysis_id: sta, is_accurate: false }, userAuth(other.access_token)), 404, 'STYLE_ANALYSIS_NOT_FOUND');
      // The same token from another store's origin: no CORS grant.
      const elsewhere = await postJson(CHROMATIC, { answers: { veins: 'green' } }, { ...user, origin: t.tenantB.origin });
      expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/feedback/fbk_x', headers: { origin: t.tenantA.origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' } });
      expect(pre.headers['access-control-allow-methods']).toContain('PUT');
    } finally {
      t.config.style.compatDefaultTenant = undefined;
    }
  });

  it('a publishable key from its allowed origin works without the widget session header (CORS for that origin)', async () => {
    const res = await postJson(CHROMATIC, { answers: { veins: 'blue_purple' } }, { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(t.tenantA.origin);
    problem(await postJson(CHROMATIC, { answers: { veins: 'blue_purple' } }, { ...bearer(t.tenantA.publishableKey), origin: t.tenantB.origin }), 403, 'ORIGIN_NOT_ALLOWED');
  });
});

describe('/api/v1/cache/…', () => {
  it('GET /api/v1/cache/health: a round trip on the cache driver', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/cache/health' });
    expect(res.statusCode).toBe(200);
    const h = res.json();
    expect(h).toMatchObject({ status: 'healthy', driver: process.env.REDIS_URL ? 'redis' : 'memory', redis_connected: Boolean(process.env.REDIS_URL) });
    expect(typeof h.latency_ms).toBe('number');
  });

  it("GET /api/v1/cache/metrics: the caller's tenant's hits and misses from its analyses (another tenant's are not counted)", async () => {
    const before = (await t.app.inject({ method: 'GET', url: '/api/v1/cache/metrics', headers: B() })).json();
    const photo = (await freshSelfie()).toString('base64');
    await postJson(FACIAL, { image: photo }, B());
    await postJson(FACIAL, { image: photo }, B());
    await postJson(FACIAL, { image: photo }, B());
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/cache/metrics', headers: B() });
    expect(res.statusCode).toBe(200);
    const m = res.json();
    expect(Object.keys(m).sort()).toEqual(['api_metrics', 'cache_metrics', 'driver', 'namespaces', 'tenant_id', 'timestamp']);
    expect(m.tenant_id).toBe(t.tenantB.id);
    expect(m.cache_metrics.total_requests - before.cache_metrics.total_requests).toBe(3);
    expect(m.cache_metrics.hits - before.cache_metrics.hits).toBe(2);
    expect(m.cache_metrics.misses - before.cache_metrics.misses).toBe(1);
    expect(m.cache_metrics.hit_ratio).toBeCloseTo(m.cache_metrics.hits / m.cache_metrics.total_requests, 3);
    expect(m.namespaces.analysis).toMatchObject({ hits: m.cache_metrics.hits, misses: m.cache_metrics.misses });
    expect(m.cache_metrics.memory_usage_mb).toBeNull();
    expect(m.api_metrics.requests_per_minute).toBeGreaterThan(0);
    // Tenant A's figures do not move with B's analyses.
    const a1 = (await t.app.inject({ method: 'GET', url: '/api/v1/cache/metrics', headers: A() })).json();
    await postJson(FACIAL, { image: photo }, B());
    const a2 = (await t.app.inject({ method: 'GET', url: '/api/v1/cache/metrics', headers: A() })).json();
    expect(a2.cache_metrics.total_requests).toBe(a1.cache_metrics.total_requests);
    problem(await t.app.inject({ method: 'GET', url: '/api/v1/cache/metrics' }), 401, 'UNAUTHENTICATED');
  });

  it("invalidation drops the caller's tenant's entries only: B's invalidation leaves A's cache; A's own (all, one photo, by key pattern) empties it", async () => {
    const photo = (await freshSelfie()).toString('base64');
    const first = (await postJson(FACIAL, { image: photo })).json();
    expect((await postJson(FACIAL, { image: photo })).json().cached).toBe(true);
    // Tenant B empties its own cache: A's entry stays.
    const byB = await t.app.inject({ method: 'DELETE', url: '/api/v1/cache/invalidate/analysis', headers: B() });
    expect(byB.statusCode, byB.body).toBe(200);
    expect(byB.json()).toMatchObject({ success: true, namespace: 'analysis', pattern: 'analysis:*' });
    const byBHash = await t.app.inject({ method: 'POST', url: `/api/v1/cache/invalidate/analysis/${first.image_hash}`, headers: B() });
    expect(byBHash.json().invalidated).toBe(0);
    expect((await postJson(FACIAL, { image: photo })).json().cached).toBe(true);
    // A drops that photo's entries.
    const one = await t.app.inject({ method: 'POST', url: `/api/v1/cache/invalidate/analysis/${first.image_hash}`, headers: A() });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toMatchObject({ success: true, namespace: 'analysis', pattern: `analysis:${first.image_hash}`, invalidated: 1 });
    expect((await postJson(FACIAL, { image: photo })).json().cached).toBe(false);
    // …and everything, by the older key pattern, and by namespace.
    expect((await postJson(FACIAL, { image: photo })).json().cached).toBe(true);
    const keys = await t.app.inject({ method: 'DELETE', url: '/api/v1/cache/keys/analysis:*', headers: A() });
    expect(keys.statusCode, keys.body).toBe(200);
    expect(keys.json().invalidated).toBeGreaterThanOrEqual(1);
    expect((await postJson(FACIAL, { image: photo })).json().cached).toBe(false);
    const all = await t.app.inject({ method: 'POST', url: '/api/v1/cache/invalidate/all', headers: A() });
    expect(all.json().invalidated).toBeGreaterThanOrEqual(1);
    // The older backend's other namespaces hold nothing here.
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/cache/invalidate/user', headers: A() })).json()).toMatchObject({ namespace: 'user', invalidated: 0 });
    // Bad names, bad hashes, publishable keys.
    problem(await t.app.inject({ method: 'POST', url: '/api/v1/cache/invalidate/everything', headers: A() }), 400, 'VALIDATION_FAILED');
    problem(await t.app.inject({ method: 'POST', url: '/api/v1/cache/invalidate/analysis/xyz', headers: A() }), 400, 'VALIDATION_FAILED');
    problem(await t.app.inject({ method: 'DELETE', url: '/api/v1/cache/keys/analysis:%2A%2A', headers: A() }), 400, 'VALIDATION_FAILED');
    problem(await t.app.inject({ method: 'POST', url: '/api/v1/cache/invalidate/analysis', headers: { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin } }), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
  });
});

describe('compression (every API)', () => {
  const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

  it('a large JSON answer is brotli or gzip as Accept-Encoding asks, plain without it; small answers stay plain', async () => {
    const plain = await get('/openapi.json');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);
    const doc = plain.json();

    const br = await get('/openapi.json', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(String(br.headers.vary)).toMatch(/accept-encoding/i);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
    expect(JSON.parse(brotliDecompressSync(br.rawPayload).toString())).toEqual(doc);

    const gz = await get('/openapi.json', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString())).toEqual(doc);

    expect((await get('/openapi.json', { 'accept-encoding': 'identity' })).headers['content-encoding']).toBeUndefined();
    // An API answer: the style quiz (a few KB of JSON), compressed; the small /health is not.
    const quiz = await get('/v1/style/quiz', { ...A(), 'accept-encoding': 'br' });
    expect(quiz.statusCode).toBe(200);
    expect(quiz.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(quiz.rawPayload).toString()).object).toBe('style_quiz');
    const health = await get('/health', { 'accept-encoding': 'br, gzip' });
    expect(health.statusCode).toBe(200);
    expect(health.rawPayload.length).toBeLessThan(1024);
    expect(health.headers['content-encoding']).toBeUndefined();
    // A compat answer over the threshold (chromatic, with its palette), compressed for a browser.
    const c = await postJson(CHROMATIC, { answers: { veins: 'green' } }, { ...A(), 'accept-encoding': 'gzip, br' });
    expect(c.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(c.rawPayload).toString()).success).toBe(true);
  });

  it('leaves images, Server-Sent Events and HEAD alone', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/style/analyses', headers: A(), payload: { image: `data:image/jpeg;base64,${(await freshSelfie()).toString('base64')}` } });
    expect(created.statusCode, created.body).toBe(201);
    const a = created.json();
    // The stored selfie (an image): as is.
    const image = await get(new URL(a.selfie.url).pathname + new URL(a.selfie.url).search, { 'accept-encoding': 'br, gzip' });
    expect(image.statusCode).toBe(200);
    expect(String(image.headers['content-type'])).toMatch(/^image\//);
    expect(image.headers['content-encoding']).toBeUndefined();
    // The analysis's event stream: plain text/event-stream.
    const sse = await get(`/v1/style/analyses/${a.id}/events`, { ...A(), 'accept-encoding': 'br, gzip' });
    expect(String(sse.headers['content-type'])).toMatch(/^text\/event-stream/);
    expect(sse.headers['content-encoding']).toBeUndefined();
    expect(sse.body).toContain('event: analysis');
    // HEAD: no body, whatever the encoding.
    const head = await t.app.inject({ method: 'HEAD', url: '/openapi.json', headers: { 'accept-encoding': 'br' } });
    expect(head.statusCode).toBe(200);
    expect(head.rawPayload.length).toBe(0);
  });
});

describe('compression over a real connection', () => {
  it('a WebSocket upgrade (the realtime stream) and an SSE stream work for a client that accepts br and gzip; a large answer arrives compressed', async () => {
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const ticket = (await t.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: A() })).json() as { ticket: string };
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/realtime?ticket=${encodeURIComponent(ticket.ticket)}`, { headers: { 'accept-encoding': 'br, gzip' } });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (raw) => resolve(String(raw)));
      ws.once('error', reject);
      setTimeout(() => reject(new Error('no frame')), 5000);
    });
    expect(JSON.parse(first)).toMatchObject({ type: 'ready' });
    ws.close();
    // Node's fetch asks for gzip and deflate (and decodes what it gets).
    const doc = await fetch(`${base}/openapi.json`);
    const docJson = (await doc.json()) as { openapi: string };
    expect(doc.headers.get('content-encoding')).toBe('gzip');
    expect(docJson.openapi).toBe('3.1.0');
    const created = await t.app.inject({ method: 'POST', url: '/v1/style/analyses', headers: A(), payload: { image: `data:image/jpeg;base64,${(await freshSelfie()).toString('base64')}` } });
    const sse = await fetch(`${base}/v1/style/analyses/${created.json().id}/events`, { headers: { ...A(), 'accept-encoding': 'br, gzip' } });
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(sse.headers.get('content-encoding')).toBeNull();
    expect(await sse.text()).toContain('event: analysis');
  });
});

describe('/redoc', () => {
  it('renders the OpenAPI document with ReDoc served from this server (no CDN), beside /docs; the compat paths are documented', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/redoc' });
    expect(page.statusCode).toBe(200);
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    expect(page.body).toContain('<redoc spec-url="/openapi.json">');
    expect(page.body).toContain('<script src="/redoc/redoc.standalone.js">');
    // Nothing from another host: every src and href is local.
    expect(page.body.match(/(?:src|href)="([^"]+)"/g)!.every((m) => /="\//.test(m))).toBe(true);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    // The bundle: plain, or compressed once (gzip, brotli) as the client accepts.
    const js = await t.app.inject({ method: 'GET', url: '/redoc/redoc.standalone.js' });
    expect(js.statusCode).toBe(200);
    expect(String(js.headers['content-type'])).toMatch(/^application\/javascript/);
    expect(js.headers['content-encoding']).toBeUndefined();
    expect(js.rawPayload.length).toBeGreaterThan(500_000);
    expect(js.body).toContain('Redoc');
    const gz = await t.app.inject({ method: 'GET', url: '/redoc/redoc.standalone.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).equals(js.rawPayload)).toBe(true);
    const br = await t.app.inject({ method: 'GET', url: '/redoc/redoc.standalone.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.rawPayload.length).toBeLessThan(js.rawPayload.length / 3);
    expect(brotliDecompressSync(br.rawPayload).equals(js.rawPayload)).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    for (const p of [FACIAL, CHROMATIC, '/api/v1/cache/health', '/api/v1/cache/metrics', '/api/v1/cache/invalidate/{namespace}', '/api/v1/cache/invalidate/analysis/{image_hash}']) expect(doc.paths[p], p).toBeDefined();
    expect(Object.keys(doc.paths[FACIAL]!)).toEqual(['post']);
  });
});
