/**
 * The style analysis API on the real app with the real face models (one warm perception thread
 * for the file): create (JSON and multipart), the answer's shape, the cache, kinds, tenant and
 * widget-session isolation, the cursor list, DELETE, process-only and the retention purge,
 * hostile images, the SSE stream, and a server without face models.
 */
import sharp from 'sharp';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEASONS_12, FACE_SHAPES, RETAKE_CODES } from '../../../contracts/style.js';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { dataUrl } from '../../../test/tryon-helpers.js';
import { selfie1024, twoPortraits } from '../../../test/style-images.js';
import { runMaintenance } from '../../maintenance.js';

let t: TestApp;
let selfie: Buffer;
let selfieUrl: string;
beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_PERCEPTION_THREADS: '1' } });
  expect((await t.modules.perception.warm()).models).toBe('ready');
  selfie = await sharp(await selfie1024()).jpeg({ quality: 92 }).toBuffer();
  selfieUrl = dataUrl(selfie, 'image/jpeg');
}, 120_000);
afterAll(async () => t?.close());

const A = () => bearer(t.tenantA.secretKey);
const post = (payload: unknown, headers: Record<string, string> = A()) => t.app.inject({ method: 'POST', url: '/v1/style/analyses', headers, payload: payload as object });
const get = (url: string, headers: Record<string, string> = A()) => t.app.inject({ method: 'GET', url, headers });
const del = (url: string, headers: Record<string, string> = A()) => t.app.inject({ method: 'DELETE', url, headers });
async function count(table: string, where = 'true') {
  return ((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table} where ${where}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
}
/** A slightly different picture each time (so the cache does not answer), same face. */
let variant = 0;
const freshSelfie = async () => dataUrl(await sharp(selfie).modulate({ brightness: 1 + ++variant * 0.002 }).jpeg({ quality: 92 }).toBuffer(), 'image/jpeg');

describe('POST /v1/style/analyses', () => {
  it('answers a selfie at once (201): face shape, colour season with its palette, quality; the selfie kept by the tenant’s retention', async () => {
    const res = await post({ image: selfieUrl, shopper_id: 'shopper-1' });
    expect(res.statusCode, res.body).toBe(201);
    const a = res.json();
    expect(res.headers.location).toBe(`/v1/style/analyses/${a.id}`);
    expect(a).toMatchObject({ object: 'style_analysis', status: 'succeeded', kinds: ['face', 'color'], source: 'photo', analyser: { name: 'local', model: null }, cached: false, error: null, shopper_id: 'shopper-1' });
    expect(a.id).toMatch(/^sta_/);
    expect(a.took_ms).toBeGreaterThan(0);
    expect(a.quality.retake, JSON.stringify(a.quality)).toBe(false);
    expect(a.quality.score).toBeGreaterThan(0.5);
    // Colour: a season of the 12 with its parent, the top three, the palette of that season, the white balance from the eyes.
    const c = a.color;
    expect(SEASONS_12).toContain(c.season12.season);
    expect(c.top3).toHaveLength(3);
    expect(c.top3[0].season).toBe(c.season12.season);
    expect(c.top3[0].confidence).toBeGreaterThanOrEqual(c.top3[1].confidence);
    expect(c.palette.season).toBe(c.season12.season);
    expect(c.palette.best.length).toBeGreaterThanOrEqual(6);
    expect(c.white_balance.method).toBe('sclera');
    // Measured: a fair skin (the portrait), hex and Lab agreeing, ITA and Monk level; eyes, lips and hair seen.
    const skin = c.measured.skin;
    expect(skin.hex).toMatch(/^#[0-9a-f]{6}$/);
    expect(skin.lab.l).toBeGreaterThan(60);
    expect(['very_light', 'light']).toContain(skin.ita_category);
    expect(skin.monk).toBeLessThanOrEqual(5);
    for (const part of ['eyes', 'lips', 'hair'] as const) expect(c.measured[part], part).not.toBeNull();
    // Eyes darker than skin; hair darker than skin.
    expect(c.measured.eyes.lab.l).toBeLessThan(skin.lab.l - 20);
    expect(c.measured.hair.lab.l).toBeLessThan(skin.lab.l - 10);
    // Face: seven soft scores summing to 1, the top two named, the measures behind them, advice in both languages.
    const f = a.face;
    expect(FACE_SHAPES).toContain(f.shape);
    expect(f.scores).toHaveLength(7);
    expect(f.scores.reduce((s: number, x: { score: number }) => s + x.score, 0)).toBeCloseTo(1, 2);
    expect(f.runner_up.shape).toBe(f.scores[1].shape);
    expect(f.measurements.length_to_cheek).toBeGreaterThan(0.8);
    expect(Math.abs(f.measurements.roll_deg)).toBeLessThan(10);
    expect(f.advice.necklines[0].es.length).toBeGreaterThan(10);
    // The selfie: a signed link that serves the stored JPEG.
    expect(a.selfie.upload_id).toMatch(/^upl_/);
    const img = await t.app.inject({ method: 'GET', url: new URL(a.selfie.url).pathname });
    expect(img.statusCode).toBe(200);
    expect(img.headers['content-type']).toBe('image/jpeg');
    // GET answers the same; the usage event is recorded.
    const again = (await get(`/v1/style/analyses/${a.id}`)).json();
    expect(again.color).toEqual(a.color);
    expect(again.face).toEqual(a.face);
    expect(await count('usage_events', `type = 'style.analysis' and ref_id = '${a.id}'`)).toBe(1);
  });

  it('a repeat of the same image and kinds is answered from the cache: cached, no perception and no analyser run', async () => {
    const image = await freshSelfie();
    const first = (await post({ image })).json();
    const before = t.modules.style.stats();
    const res = await post({ image });
    expect(res.statusCode).toBe(201);
    const second = res.json();
    const after = t.modules.style.stats();
    expect(second.id).not.toBe(first.id);
    expect(second.cached).toBe(true);
    expect(first.cached).toBe(false);
    expect(after.analyserRuns - before.analyserRuns).toBe(0);
    expect(after.perceptionRuns - before.perceptionRuns).toBe(0);
    expect(after.cacheHits - before.cacheHits).toBe(1);
    expect(second.color).toEqual(first.color);
    expect(second.face).toEqual(first.face);
    expect(await count('usage_events', `type = 'style.analysis.cache_hit' and ref_id = '${second.id}'`)).toBe(1);
    // Other kinds are another key: analysed anew.
    const colourOnly = (await post({ image, kinds: ['color'] })).json();
    expect(colourOnly.cached).toBe(false);
    expect(t.modules.style.stats().analyserRuns - after.analyserRuns).toBe(1);
    // Another tenant never gets this tenant's answer.
    const b = (await post({ image }, bearer(t.tenantB.secretKey))).json();
    expect(b.cached).toBe(false);
  });

  it('kinds: colour only answers no face; face only answers no colour', async () => {
    const image = await freshSelfie();
    const color = (await post({ image, kinds: ['color'] })).json();
    expect(color.kinds).toEqual(['color']);
    expect(color.face).toBeNull();
    expect(color.color).not.toBeNull();
    const face = (await post({ image, kinds: ['face'] })).json();
    expect(face.kinds).toEqual(['face']);
    expect(face.color).toBeNull();
    // Only the issues that bear on what was asked; the same face as when both are asked (deterministic).
    expect(face.quality.issues.every((i: { affects: string[] }) => i.affects.includes('face'))).toBe(true);
    expect(color.quality.issues.every((i: { affects: string[] }) => i.affects.includes('color'))).toBe(true);
    const both = (await post({ image })).json();
    expect(both.face).toEqual(face.face);
    expect(both.color).toEqual(color.color);
  });

  it('takes the selfie as a multipart file with kinds and shopper_id fields', async () => {
    const form = new FormData();
    form.append('image', new Blob([await sharp(selfie).modulate({ brightness: 0.99 }).jpeg().toBuffer()], { type: 'image/jpeg' }), 'me.jpg');
    form.append('kinds', 'color');
    form.append('shopper_id', 'form-shopper');
    const req = new Request('http://x/', { method: 'POST', body: form });
    const res = await t.app.inject({ method: 'POST', url: '/v1/style/analyses', headers: { ...A(), 'content-type': req.headers.get('content-type')! }, payload: Buffer.from(await req.arrayBuffer()) });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ kinds: ['color'], shopper_id: 'form-shopper', face: null });
    expect(res.json().color.season12.season).toBeTruthy();
  });

  it('two faces, or none, is a retake with its own code (201, answers withheld)', async () => {
    const two = (await post({ image: dataUrl(await twoPortraits(await sharp(selfie).resize(640).png().toBuffer())) })).json();
    expect(two.quality.retake).toBe(true);
    expect(two.quality.issues.map((i: { code: string }) => i.code)).toContain('multiple_faces');
    expect(two.face).toBeNull();
    expect(two.color).toBeNull();
    const none = (await post({ image: dataUrl(await garmentPng()) })).json();
    expect(none.quality.issues[0]).toMatchObject({ code: 'no_face', severity: 'error', affects: ['face', 'color'] });
    expect(none.quality.issues[0].tip.es.length).toBeGreaterThan(10);
    for (const i of [...two.quality.issues, ...none.quality.issues]) expect(RETAKE_CODES).toContain(i.code);
  });

  it('refuses what is not a selfie request with a clear 4xx', async () => {
    problem(await post({}), 400, 'VALIDATION_FAILED');
    problem(await post({ image: selfieUrl, kinds: ['hair'] }), 400, 'VALIDATION_FAILED');
    problem(await post({ image: selfieUrl, kinds: [] }), 400, 'VALIDATION_FAILED');
    problem(await post({ image: selfieUrl, extra: 1 }), 400, 'VALIDATION_FAILED');
    problem(await post({ image: 'not an image' }), 400, 'VALIDATION_FAILED');
    problem(await post({ image: 'http://example.com/me.jpg' }), 400, 'URL_NOT_ALLOWED');
    const gemini = await post({ image: selfieUrl, analyser: 'gemini' });
    problem(gemini, 422, 'PROVIDER_NOT_CONFIGURED');
    expect(gemini.json().detail).toContain('GEMINI_API_KEY');
    problem(await post({ image: 'upl_01JD0000000000000000000000' }), 404, 'UPLOAD_NOT_FOUND');
  });
});

describe('hostile images (the try-on and photo-check sets)', () => {
  it('refuses broken and dangerous files with a 4xx and stores nothing', async () => {
    const before = await count('uploads');
    const bomb = await sharp({ create: { width: 10000, height: 10000, channels: 3, background: '#fff' } }).png({ compressionLevel: 9 }).toBuffer();
    problem(await post({ image: dataUrl(bomb) }), 413, 'IMAGE_TOO_MANY_PIXELS');
    const jpeg = await sharp(selfie).jpeg().toBuffer();
    problem(await post({ image: dataUrl(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'image/jpeg') }), 422, 'IMAGE_UNREADABLE');
    problem(await post({ image: dataUrl(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'), 'image/svg+xml') }), 415, 'UNSUPPORTED_IMAGE_TYPE');
    problem(await post({ image: dataUrl(Buffer.from('just some text, not a picture'), 'image/jpeg') }), 415, 'UNSUPPORTED_IMAGE_TYPE');
    problem(await post({ image: 'data:image/png;base64,@@@' }), 400, 'INVALID_DATA_URL');
    expect(await count('uploads')).toBe(before);
  });

  const solid = (w: number, h: number, background: string | { r: number; g: number; b: number; alpha: number }, channels: 3 | 4 = 3) => sharp({ create: { width: w, height: h, channels, background } });
  const decodable: [string, () => Promise<Buffer>][] = [
    ['solid grey PNG', () => solid(640, 480, '#808080').png().toBuffer()],
    ['all-black PNG', () => solid(400, 600, '#000000').png().toBuffer()],
    ['all-white PNG', () => solid(400, 600, '#ffffff').png().toBuffer()],
    ['CMYK JPEG', () => solid(500, 500, '#7a5230').toColourspace('cmyk').jpeg().toBuffer()],
    ['16-bit PNG', () => solid(300, 300, '#4080c0').toColourspace('rgb16').png().toBuffer()],
    ['16-bit grey PNG', () => solid(300, 300, '#777777').toColourspace('grey16').png().toBuffer()],
    ['WebP', () => solid(320, 240, '#336699').webp().toBuffer()],
    ['AVIF', () => solid(320, 240, '#996633').avif().toBuffer()],
    ['1×600 strip', () => solid(1, 600, '#aa0000').png().toBuffer()],
    ['600×1 strip', () => solid(600, 1, '#00aa00').png().toBuffer()],
    ['1×1 pixel', () => solid(1, 1, '#123456').png().toBuffer()],
    ['2×2 pixels', () => solid(2, 2, '#654321').png().toBuffer()],
    ['fully transparent PNG', () => solid(300, 300, { r: 0, g: 0, b: 0, alpha: 0 }, 4).png().toBuffer()],
    ['grey with alpha', () => solid(300, 300, '#888888').toColourspace('b-w').ensureAlpha(0.5).png().toBuffer()],
    ['the selfie as CMYK JPEG', () => sharp(selfie).toColourspace('cmyk').jpeg().toBuffer()],
    ['the selfie as 16-bit PNG', () => sharp(selfie).toColourspace('rgb16').png().toBuffer()],
  ];
  it.each(decodable)('%s → a retake answer or a 4xx, never a 5xx', async (label, make) => {
    const res = await post({ image: dataUrl(await make()) });
    expect(res.statusCode, res.body).toBeLessThan(500);
    if (label.startsWith('the selfie')) expect(res.statusCode, res.body).toBe(201);
    if (res.statusCode !== 201) return void expect(res.headers['content-type']).toContain('application/problem+json');
    const a = res.json();
    if (label.startsWith('the selfie')) {
      expect(a.quality.retake, res.body).toBe(false);
      expect(a.color.measured.skin.monk).toBeLessThanOrEqual(5);
    } else {
      expect(a.quality.retake, res.body).toBe(true);
      expect(a.quality.issues.map((i: { code: string }) => i.code)).toContain('no_face');
    }
  });
});

describe('reading, listing, deleting', () => {
  it('tenant B gets 404 for tenant A’s analysis (GET, events, DELETE) and does not list it', async () => {
    const id = (await post({ image: selfieUrl, kinds: ['face'] })).json().id as string;
    const b = bearer(t.tenantB.secretKey);
    problem(await get(`/v1/style/analyses/${id}`, b), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await get(`/v1/style/analyses/${id}/events`, b), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await del(`/v1/style/analyses/${id}`, b), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    expect((await get('/v1/style/analyses?limit=100', b)).json().data.some((x: { id: string }) => x.id === id)).toBe(false);
    expect((await get(`/v1/style/analyses/${id}`)).statusCode).toBe(200);
    problem(await get('/v1/style/analyses/sta_01JD0000000000000000000000'), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await get('/v1/style/analyses/try_01JD0000000000000000000000'), 400, 'VALIDATION_FAILED');
  });

  it('a publishable key works from an allowed origin with a widget session, sees only its session, and is refused from another origin', async () => {
    const pk = (session: string, origin = t.tenantA.origin) => ({ ...bearer(t.tenantA.publishableKey), origin, 'probador-session': session });
    const mine = 'session-style-0123456789';
    const res = await post({ image: selfieUrl, kinds: ['color'] }, pk(mine));
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    expect((await get(`/v1/style/analyses/${id}`, pk(mine))).statusCode).toBe(200);
    expect((await get('/v1/style/analyses', pk(mine))).json().data.map((x: { id: string }) => x.id)).toEqual([id]);
    problem(await get(`/v1/style/analyses/${id}`, pk('another-session-0123456789')), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    problem(await post({ image: selfieUrl }, pk(mine, 'https://evil.example')), 403, 'ORIGIN_NOT_ALLOWED');
    problem(await post({ image: selfieUrl }, { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin }), 400, 'VALIDATION_FAILED');
    // The server (secret key) sees the widget's analysis too.
    expect((await get(`/v1/style/analyses/${id}`)).statusCode).toBe(200);
  });

  it('lists newest first with a cursor (limit, starting_after, has_more) and by shopper', async () => {
    const shopper = `list-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post({ image: selfieUrl, kinds: ['face'], shopper_id: shopper })).json().id);
    const page1 = (await get(`/v1/style/analyses?limit=2&shopper_id=${shopper}`)).json();
    expect(page1).toMatchObject({ object: 'list', has_more: true });
    expect(page1.data.map((x: { id: string }) => x.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await get(`/v1/style/analyses?limit=2&shopper_id=${shopper}&starting_after=${ids[1]}`)).json();
    expect(page2.data.map((x: { id: string }) => x.id)).toEqual([ids[0]]);
    expect(page2.has_more).toBe(false);
    problem(await get('/v1/style/analyses?limit=0'), 400, 'VALIDATION_FAILED');
  });

  it('DELETE erases the selfie stored for it and the record', async () => {
    const a = (await post({ image: await freshSelfie(), kinds: ['face'] })).json();
    const key = ((await t.deps.db.execute(sql.raw(`select blob_key from uploads where id = '${a.selfie.upload_id}'`))) as unknown as { rows: { blob_key: string }[] }).rows[0]!.blob_key;
    expect(await t.deps.blobs.get(key)).toBeDefined();
    const res = await del(`/v1/style/analyses/${a.id}`);
    expect(res.statusCode).toBe(204);
    problem(await get(`/v1/style/analyses/${a.id}`), 404, 'STYLE_ANALYSIS_NOT_FOUND');
    expect(await t.deps.blobs.get(key)).toBeUndefined();
    problem(await get(`/v1/uploads/${a.selfie.upload_id}`), 410, 'UPLOAD_GONE');
    expect(await count('style_analyses', `id = '${a.id}'`)).toBe(0);
  });

  it('streams a finished analysis over SSE: its status, then the whole analysis', async () => {
    const id = (await post({ image: selfieUrl, kinds: ['face'] })).json().id as string;
    const res = await get(`/v1/style/analyses/${id}/events`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = res.body
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => ({ event: /event: (\w+)/.exec(b)![1], data: JSON.parse(/data: (.*)/.exec(b)![1]!) }));
    expect(events.map((e) => e.event)).toEqual(['status', 'analysis']);
    expect(events[0]!.data.status).toBe('succeeded');
    expect(events[1]!.data.id).toBe(id);
  });
});

describe('retention', () => {
  it('a process-only tenant keeps no selfie: the answer comes back with selfie null and the upload is erased', async () => {
    const tn = await t.modules.tenants.tenants.createTenant({ name: 'Process only', retention: 'process-only' });
    const k = await t.modules.tenants.tenants.createKey(tn.id, {});
    const res = await post({ image: selfieUrl }, bearer(k.key));
    expect(res.statusCode, res.body).toBe(201);
    const a = res.json();
    expect(a.selfie).toBeNull();
    expect(a.color).not.toBeNull();
    const rows = ((await t.deps.db.execute(sql.raw(`select id, blob_key, deleted_at from uploads where tenant_id = '${tn.id}'`))) as unknown as { rows: { id: string; blob_key: string | null; deleted_at: string | null }[] }).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.deleted_at).not.toBeNull();
    const row = ((await t.deps.db.execute(sql.raw(`select selfie_upload_id, selfie_blob_key from style_analyses where id = '${a.id}'`))) as unknown as { rows: { selfie_upload_id: string | null; selfie_blob_key: string | null }[] }).rows[0]!;
    expect(row).toEqual({ selfie_upload_id: null, selfie_blob_key: null });
  });

  it('the purge erases selfies past the tenant’s retention; the answers stay', async () => {
    const a = (await post({ image: await freshSelfie(), kinds: ['color'] })).json();
    const key = ((await t.deps.db.execute(sql.raw(`select blob_key from uploads where id = '${a.selfie.upload_id}'`))) as unknown as { rows: { blob_key: string }[] }).rows[0]!.blob_key;
    t.clock.advance(25 * 3600 * 1000); // the default retention is 24 h
    const purged = await runMaintenance(t.deps, { purgeStyle: () => t.modules.style.purgeExpired() });
    expect(purged.styleSelfies).toBeGreaterThanOrEqual(1);
    const after = (await get(`/v1/style/analyses/${a.id}`)).json();
    expect(after.selfie).toBeNull();
    expect(after.color).toEqual(a.color);
    expect(await t.deps.blobs.get(key)).toBeUndefined();
  });
});

describe('without face models', () => {
  it('answers 503 STYLE_ANALYSER_UNAVAILABLE and stores nothing', async () => {
    const off = await createTestApp(); // models off, as tests default
    try {
      const res = await off.app.inject({ method: 'POST', url: '/v1/style/analyses', headers: bearer(off.tenantA.secretKey), payload: { image: selfieUrl } });
      problem(res, 503, 'STYLE_ANALYSER_UNAVAILABLE');
      expect(res.json().detail).toContain('PROBADOR_PERCEPTION_THREADS=0');
      const n = ((await off.deps.db.execute(sql.raw('select (select count(*) from uploads)::int + (select count(*) from style_analyses)::int as n'))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
      expect(n).toBe(0);
    } finally {
      await off.close();
    }
  });
});
