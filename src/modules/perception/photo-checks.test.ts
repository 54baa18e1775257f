/**
 * The photo pre-check over HTTP on the real app with the perception models on (one app, one warm
 * worker thread for the file): `POST /v1/photo-checks`, the check on try-on intake (422 before any
 * job or quota), the tenant's strictness, and the local engine + fidelity score on a real try-on.
 */
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { startFakeFal, type FakeFal } from '../../../test/fakes/fal.js';
import { ASTRONAUT, dataUrl } from '../../../test/tryon-helpers.js';

let t: TestApp;
let fal: FakeFal;
let dark: Buffer;
let shirt: string;

beforeAll(async () => {
  // fal (its real adapter against the fake server) answers a grey picture: no person left in it.
  fal = await startFakeFal({ outputImage: await sharp({ create: { width: 512, height: 512, channels: 3, background: '#888' } }).png().toBuffer() });
  t = await createTestApp({ env: { FAL_KEY: fal.apiKey, FAL_BASE_URL: fal.url, PROBADOR_PERCEPTION_THREADS: '1', PROBADOR_PRECHECK_DEFAULT: 'standard', PROBADOR_PROVIDER_ORDER: 'local', PROBADOR_LATENCY_BUDGET_MS: '0', PROBADOR_LOCAL_ENGINE_THREADS: '1' } });
  expect((await t.modules.perception.warm()).models).toBe('ready');
  dark = await sharp(ASTRONAUT).linear(0.12, 0).png().toBuffer();
  shirt = dataUrl(await garmentPng());
}, 120_000);
afterAll(async () => {
  await t?.close();
  await fal?.close();
});

/** Poll every 250 ms (perception under load can take seconds; faster polling would hit the rate limit). */
async function waitDone(id: string, key = t.tenantA.secretKey) {
  const end = Date.now() + 60_000;
  for (;;) {
    const body = (await t.app.inject({ method: 'GET', url: `/v1/tryons/${id}`, headers: bearer(key) })).json();
    if (['succeeded', 'failed', 'canceled'].includes(body.status) || Date.now() > end) return body;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const post = (url: string, payload: unknown, headers: Record<string, string> = bearer(t.tenantA.secretKey)) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });

describe('POST /v1/photo-checks', () => {
  it('passes the fixture and describes the face, body and measures', async () => {
    const res = await post('/v1/photo-checks', { image: dataUrl(ASTRONAUT), categories: ['tops'] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ object: 'photo_check', ok: true, strictness: 'standard', categories: ['tops'], features: { faces: true, body: true, image: true }, people: 1 });
    expect(body.issues.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
    expect(body.face.landmarks.left_eye.y).toBeLessThan(body.face.landmarks.mouth.y);
    expect(body.face.age).toBeGreaterThan(18);
    expect(body.body.keypoints.map((k: { part: string }) => k.part)).toEqual(expect.arrayContaining(['leftShoulder', 'rightShoulder', 'leftHip', 'rightHip']));
    expect(body.measures).toMatchObject({ width: 512, height: 512 });
    expect(body.measures.sharpness).toBeGreaterThan(100);
  });

  it('refuses a dark photo with its code and a kind tip in both languages', async () => {
    const body = (await post('/v1/photo-checks', { image: dataUrl(dark) })).json();
    expect(body.ok).toBe(false);
    const issue = body.issues.find((i: { code: string }) => i.code === 'too_dark');
    expect(issue).toMatchObject({ severity: 'error', message: { en: expect.stringMatching(/dark/), es: expect.stringMatching(/oscura/) }, tip: { en: expect.any(String), es: expect.any(String) } });
  });

  it('checks an upload by id, and another tenant’s upload id is 404', async () => {
    const up = (await post('/v1/uploads', { data_url: dataUrl(ASTRONAUT) })).json();
    const mine = await post('/v1/photo-checks', { image: up.id });
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json().ok).toBe(true);
    problem(await post('/v1/photo-checks', { image: up.id }, bearer(t.tenantB.secretKey)), 404, 'UPLOAD_NOT_FOUND');
  });

  it('is a widget endpoint: a publishable key needs its origin and a probador-session', async () => {
    const pk = { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin };
    problem(await post('/v1/photo-checks', { image: dataUrl(dark) }, pk), 400, 'VALIDATION_FAILED');
    const ok = await post('/v1/photo-checks', { image: dataUrl(dark) }, { ...pk, 'probador-session': 'session-0123456789abcdef' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().ok).toBe(false);
    problem(await post('/v1/photo-checks', { image: dataUrl(dark) }, { ...bearer(t.tenantA.publishableKey), origin: 'https://evil.example', 'probador-session': 'session-0123456789abcdef' }), 403, 'ORIGIN_NOT_ALLOWED');
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/v1/photo-checks'].post).toBeDefined();
    expect(JSON.stringify(doc)).toContain('likely_minor');
  });

  it('bad input is a 4xx problem, never a 5xx', async () => {
    problem(await post('/v1/photo-checks', { image: `data:image/png;base64,${Buffer.from('not an image at all').toString('base64')}` }), 415, 'UNSUPPORTED_IMAGE_TYPE');
    problem(await post('/v1/photo-checks', { image: 'ftp://example.com/a.png' }), 400, 'VALIDATION_FAILED');
    problem(await post('/v1/photo-checks', { image: dataUrl(ASTRONAUT), categories: ['hats'] }), 400, 'VALIDATION_FAILED');
  });
});

describe('on try-on intake', () => {
  it('refuses a bad photo with 422 PHOTO_REJECTED and its issues, before any job or quota', async () => {
    const before = (await t.app.inject({ method: 'GET', url: '/v1/tryons', headers: bearer(t.tenantA.secretKey) })).json().data.length;
    const res = await post('/v1/tryons', { person: dataUrl(dark), garments: [{ image: shirt, category: 'tops' }] });
    const p = problem(res, 422, 'PHOTO_REJECTED') as unknown as { issues: { code: string; tip: { es: string } }[]; strictness: string };
    expect(p.issues.map((i) => i.code)).toContain('too_dark');
    expect(p.strictness).toBe('standard');
    expect((await t.app.inject({ method: 'GET', url: '/v1/tryons', headers: bearer(t.tenantA.secretKey) })).json().data.length).toBe(before);
    const usage = (await t.deps.db.execute(sql`select count(*)::int as n from usage_counters where tenant_id = ${t.tenantA.id}`)) as unknown as { rows: { n: number }[] };
    expect(usage.rows[0]!.n).toBe(0);
  });

  it('follows the tenant’s strictness: off lets the same photo through', async () => {
    const patch = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantB.id}`, headers: t.operatorAuth, payload: { settings: { precheck: { strictness: 'off' } } } });
    expect(patch.statusCode, patch.body).toBe(200);
    const res = await post('/v1/tryons', { person: dataUrl(dark), garments: [{ image: shirt, category: 'tops' }] }, bearer(t.tenantB.secretKey));
    expect(res.statusCode, res.body).toBe(202);
    expect((await waitDone(res.json().id, t.tenantB.secretKey)).status).toBe('succeeded');
  }, 90_000);

  it('a good photo goes through: the local engine places the top from the keypoints and the attempt gets a fidelity score', async () => {
    const res = await post('/v1/tryons', { person: dataUrl(ASTRONAUT), garments: [{ image: shirt, category: 'tops' }] });
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitDone(res.json().id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.result.meta).toMatchObject({ preview: true, engine: 'probador-local', placement: 'pose' });
    expect(done.result.meta.fidelity.score).toBeGreaterThan(0.7);
    const rows = ((await t.deps.db.execute(sql`select provider, fidelity_score from tryon_attempts where tryon_id = ${done.id}`)) as unknown as { rows: { provider: string; fidelity_score: number | null }[] }).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.fidelity_score).toBeCloseTo(done.result.meta.fidelity.score, 3);
    expect(done.attempts[0].fidelity_score).toBeCloseTo(done.result.meta.fidelity.score, 3);
  }, 90_000);

  it('below the tenant’s min_fidelity the next provider gets a chance, and the better result is kept', async () => {
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/admin/v1/tenants/${t.tenantB.id}`,
      headers: t.operatorAuth,
      payload: { settings: { precheck: { strictness: 'off' }, tryon: { providers: ['fal'], min_fidelity: 0.6 } } },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const res = await post('/v1/tryons', { person: dataUrl(ASTRONAUT), garments: [{ image: shirt, category: 'tops' }] }, bearer(t.tenantB.secretKey));
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitDone(res.json().id, t.tenantB.secretKey);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.provider).toBe('local');
    const rows = ((await t.deps.db.execute(sql`select provider, outcome, fidelity_score from tryon_attempts where tryon_id = ${done.id} order by started_at`)) as unknown as {
      rows: { provider: string; outcome: string; fidelity_score: number | null }[];
    }).rows;
    expect(rows.map((r) => [r.provider, r.outcome])).toEqual([['fal', 'succeeded'], ['local', 'succeeded']]);
    expect(rows[0]!.fidelity_score!).toBeLessThan(0.6);
    expect(rows[1]!.fidelity_score!).toBeGreaterThan(rows[0]!.fidelity_score!);
    expect(done.result.meta.fidelity.score).toBe(rows[1]!.fidelity_score);
  }, 90_000);
});

describe('with the models off (PROBADOR_PERCEPTION_THREADS=0)', () => {
  it('starts, says so in the log, and still checks image quality', async () => {
    const off = await createTestApp({ env: { PROBADOR_PERCEPTION_THREADS: '0', PROBADOR_PRECHECK_DEFAULT: 'standard' } });
    try {
      expect(off.modules.perception.status()).toMatchObject({ models: 'off' });
      expect(off.logs.some((l) => l.includes('perception: models are OFF'))).toBe(true);
      const good = (await off.app.inject({ method: 'POST', url: '/v1/photo-checks', headers: bearer(off.tenantA.secretKey), payload: { image: dataUrl(ASTRONAUT) } })).json();
      expect(good).toMatchObject({ ok: true, features: { faces: false, body: false, image: true }, face: null, body: null });
      const bad = (await off.app.inject({ method: 'POST', url: '/v1/photo-checks', headers: bearer(off.tenantA.secretKey), payload: { image: dataUrl(dark) } })).json();
      expect(bad.ok).toBe(false);
      expect(bad.issues.map((i: { code: string }) => i.code)).toContain('too_dark');
    } finally {
      await off.close();
    }
  }, 60_000);
});

describe('an API-only node (--role api) loads the models on first use', () => {
  it('starts in standby, loads on the first photo check, and releases them after PROBADOR_PERCEPTION_IDLE_S', async () => {
    const api = await createTestApp({ env: { PROBADOR_PERCEPTION_THREADS: '1', PROBADOR_PERCEPTION_IDLE_S: '1', PROBADOR_PRECHECK_DEFAULT: 'standard' }, build: { role: 'api' } });
    try {
      expect(api.modules.perception.status()).toMatchObject({ models: 'standby' });
      expect(api.logs.some((l) => l.includes('load on first use'))).toBe(true);
      expect(await api.modules.perception.memory()).toEqual([]); // no worker thread yet
      const first = (await api.app.inject({ method: 'POST', url: '/v1/photo-checks', headers: bearer(api.tenantA.secretKey), payload: { image: dataUrl(ASTRONAUT) } })).json();
      expect(first).toMatchObject({ ok: true, features: { faces: true, body: true } });
      expect(api.modules.perception.status()).toMatchObject({ models: 'ready' });
      // Idle for longer than PROBADOR_PERCEPTION_IDLE_S: the thread and its models are released…
      await expect.poll(() => api.modules.perception.status().models, { timeout: 10_000, interval: 100 }).toBe('standby');
      expect(api.logs.some((l) => l.includes('models released'))).toBe(true);
      // …and the next photo (another one: recent analyses are cached by hash) loads them again.
      const flipped = await sharp(ASTRONAUT).flop().png().toBuffer();
      const again = (await api.app.inject({ method: 'POST', url: '/v1/photo-checks', headers: bearer(api.tenantA.secretKey), payload: { image: dataUrl(flipped) } })).json();
      expect(again).toMatchObject({ ok: true, features: { faces: true, body: true } });
    } finally {
      await api.close();
    }
  }, 120_000);
});
