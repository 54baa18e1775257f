/**
 * The local engine's picture, end to end on the real app with the perception models on (one app,
 * one warm worker thread for the file): the astronaut portrait dressed through `POST /v1/tryons`,
 * its pixels checked against the keypoints and face the models find in the same photo.
 * - garments whose light areas touch their outline keep them (the stripes are there, the orange
 *   suit does not show through), on a light-grey and on a white packshot, and the demo Breton tee;
 * - long sleeves lie along the arm (shoulder → elbow → wrist), not where the packshot had them;
 * - the face and the backdrop beside the body are left as they were;
 * - a repeat answered from the cache carries the first result's `meta`.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../../../test/harness.js';
import { svgToPng } from '../../../../test/fakes/images.js';
import { ASTRONAUT, dataUrl } from '../../../../test/tryon-helpers.js';

type Pt = { x: number; y: number };
let t: TestApp;
let kp: Record<string, Pt>;
let face: { x: number; y: number; width: number; height: number };
let original: Buffer; // the astronaut's raw RGB, 512×512
const S = 512;

beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_PERCEPTION_THREADS: '1', PROBADOR_PRECHECK_DEFAULT: 'off', PROBADOR_PROVIDER_ORDER: 'local', PROBADOR_LATENCY_BUDGET_MS: '0', PROBADOR_LOCAL_ENGINE_THREADS: '1' } });
  expect((await t.modules.perception.warm()).models).toBe('ready');
  const a = await t.modules.perception.analyze(ASTRONAUT, undefined, 'faces');
  kp = Object.fromEntries(a.bodies[0]!.keypoints.filter((k) => k.score >= 0.2).map((k) => [k.part, { x: k.x, y: k.y }]));
  face = a.faces[0]!.box;
  original = await sharp(ASTRONAUT).removeAlpha().raw().toBuffer();
}, 120_000);
afterAll(async () => t?.close());

/** Try a garment on the astronaut through the API; the result's RGB pixels, its body and the request. */
async function tryOn(garment: Buffer, category = 'tops') {
  const body = { person: dataUrl(ASTRONAUT), garments: [{ image: dataUrl(garment), category }] };
  const res = await t.app.inject({ method: 'POST', url: '/v1/tryons', headers: bearer(t.tenantA.secretKey), payload: body });
  expect(res.statusCode, res.body).toBe(202);
  const done = await waitDone(res.json().id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const file = await t.app.inject({ method: 'GET', url: new URL(done.result.url).pathname });
  expect(file.statusCode).toBe(200);
  const { data, info } = await sharp(file.rawPayload).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([S, S]);
  return { px: data, done, body };
}

async function waitDone(id: string) {
  const end = Date.now() + 60_000;
  for (;;) {
    const body = (await t.app.inject({ method: 'GET', url: `/v1/tryons/${id}`, headers: bearer(t.tenantA.secretKey) })).json();
    if (['succeeded', 'failed', 'canceled'].includes(body.status) || Date.now() > end) return body;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const rgb = (px: Buffer, x: number, y: number) => [px[(y * S + x) * 3]!, px[(y * S + x) * 3 + 1]!, px[(y * S + x) * 3 + 2]!] as const;
/** The astronaut's suit: saturated orange. */
const orange = ([r, g, b]: readonly number[]) => r! > g! + 60 && r! > b! + 90;
/** A light, near-neutral pixel (white or cream). */
const light = ([r, g, b]: readonly number[]) => Math.min(r!, g!, b!) > 175 && Math.max(r!, g!, b!) - Math.min(r!, g!, b!) < 45;

/**
 * The torso below the chest: from a quarter of the way from the shoulder to the hip keypoints down
 * to 78 % of it, 20 % in from each shoulder. The new top covers all of it, and nothing crosses it
 * in front in this photo (the forearm, the hand and the helmet are lower or further out).
 */
function torsoBox() {
  const l = kp.rightShoulder!;
  const r = kp.leftShoulder!;
  const hipY = (kp.leftHip!.y + kp.rightHip!.y) / 2;
  const top = (l.y + r.y) / 2;
  const sw = r.x - l.x;
  return { x0: Math.round(l.x + 0.2 * sw), x1: Math.round(r.x - 0.2 * sw), y0: Math.round(top + 0.25 * (hipY - top)), y1: Math.round(top + 0.78 * (hipY - top)) };
}

/**
 * In the torso box: the share of light pixels, the same in its outer tenth on each side (a stripe
 * eaten from the outline inwards would be missing there first), and the share of orange (the suit
 * showing through where the garment was cut away). Shares, not rows: the shoulders' tilt slants the stripes.
 */
function stripesAndSuit(px: Buffer) {
  const b = torsoBox();
  const w = b.x1 - b.x0 + 1;
  let lightPx = 0;
  let orangePx = 0;
  let n = 0;
  const side = [0, 0];
  let sideN = 0;
  for (let y = b.y0; y <= b.y1; y++) {
    for (let x = b.x0; x <= b.x1; x++) {
      const c = rgb(px, x, y);
      n++;
      if (orange(c)) orangePx++;
      const l = light(c);
      if (l) lightPx++;
      if (x < b.x0 + w * 0.1) {
        side[0]! += l ? 1 : 0;
        sideN++;
      }
      if (x > b.x1 - w * 0.1) side[1]! += l ? 1 : 0;
    }
  }
  return { light: lightPx / n, left: side[0]! / sideN, right: side[1]! / sideN, orange: orangePx / n };
}

/** A short-sleeved tee: navy, with light stripes across the body from side seam to side seam, from the chest to the hem. */
const stripedTee = (bg: string, stripe: string, outline: string) =>
  svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="480" height="600"><rect width="100%" height="100%" fill="${bg}"/>
    <path d="M150 90 L200 70 Q240 100 280 70 L330 90 L420 160 L380 230 L340 205 L340 540 L140 540 L140 205 L100 230 L60 160 Z" fill="#1b2640" ${outline}/>
    ${Array.from({ length: 11 }, (_, i) => `<rect x="140" y="${120 + i * 40}" width="200" height="22" fill="${stripe}"/>`).join('')}
    <rect x="140" y="528" width="200" height="12" fill="${stripe}"/>
  </svg>`);

describe('light areas that touch the garment outline are kept', () => {
  it('white stripes on a light-grey packshot, no outline drawn: the stripes are on the torso and the suit does not show through', async () => {
    const { px } = await tryOn(await stripedTee('#ececec', '#ffffff', ''));
    const s = stripesAndSuit(px);
    expect(s.light).toBeGreaterThan(0.35); // stripes are 22 of every 40 rows
    expect(Math.min(s.left, s.right)).toBeGreaterThan(0.25);
    expect(s.orange).toBeLessThan(0.02);
  }, 90_000);

  it('cream stripes on a white packshot with a faint outline', async () => {
    const { px } = await tryOn(await stripedTee('#ffffff', '#f3efe4', 'stroke="#c8c8c8" stroke-width="2"'));
    const s = stripesAndSuit(px);
    expect(s.light).toBeGreaterThan(0.35);
    expect(Math.min(s.left, s.right)).toBeGreaterThan(0.25);
    expect(s.orange).toBeLessThan(0.02);
  }, 90_000);

  it("the demo store's Breton tee keeps its cream stripes", async () => {
    const breton = readFileSync(new URL('../../../../web/demo/images/striped-tee.png', import.meta.url));
    const { px } = await tryOn(breton);
    const s = stripesAndSuit(px);
    expect(s.light).toBeGreaterThan(0.15); // 20 of every 44 rows, from below the chest
    expect(Math.min(s.left, s.right)).toBeGreaterThan(0.1);
    expect(s.orange).toBeLessThan(0.02);
  }, 90_000);
});

describe('sleeves, face and backdrop', () => {
  it('long sleeves follow the arm: shoulder → elbow → wrist', async () => {
    // Green long sleeves held out level in the packshot; a blue body.
    const shirt = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="520"><rect width="100%" height="100%" fill="#ffffff"/>
      <path d="M230 60 L290 40 Q320 70 350 40 L410 60 L410 500 L230 500 Z" fill="#2040c0"/>
      <path d="M230 60 L20 90 L20 170 L230 200 Z" fill="#10b040"/>
      <path d="M410 60 L620 90 L620 170 L410 200 Z" fill="#10b040"/></svg>`);
    const { px } = await tryOn(shirt);
    const S0 = kp.rightShoulder!; // the image-left arm: its elbow and wrist are found in this photo
    const E = kp.rightElbow!;
    const Wr = kp.rightWrist!;
    const sw = kp.leftShoulder!.x - S0.x;
    const seg = (p: Pt, a: Pt, b: Pt) => {
      const vx = b.x - a.x;
      const vy = b.y - a.y;
      const k = Math.max(0, Math.min(1, ((p.x - a.x) * vx + (p.y - a.y) * vy) / (vx * vx + vy * vy)));
      return Math.hypot(p.x - a.x - k * vx, p.y - a.y - k * vy);
    };
    let green = 0;
    let onArm = 0;
    let nearElbow = 0;
    let alongForearm = 0;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < (S0.x + kp.leftShoulder!.x) / 2; x++) {
        const [r, g, b] = rgb(px, x, y);
        if (!(g > r + 50 && g > b + 30)) continue;
        green++;
        const p = { x: x + 0.5, y: y + 0.5 };
        if (Math.min(seg(p, S0, E), seg(p, E, Wr)) < 0.4 * sw) onArm++;
        if (Math.hypot(p.x - E.x, p.y - E.y) < 0.3 * sw) nearElbow++;
        if (seg(p, E, Wr) < 0.3 * sw && Math.hypot(p.x - E.x, p.y - E.y) > 0.25 * Math.hypot(Wr.x - E.x, Wr.y - E.y)) alongForearm++;
      }
    }
    expect(green).toBeGreaterThan(2000);
    expect(onArm / green).toBeGreaterThan(0.95); // the sleeve lies on the arm, not out in the air
    expect(nearElbow).toBeGreaterThan(2000); // it reaches the elbow…
    expect(alongForearm).toBeGreaterThan(2000); // …and bends with the forearm
  }, 90_000);

  it('leaves the face and the backdrop beside the body as they were', async () => {
    const { px, done } = await tryOn(await stripedTee('#ffffff', '#e6dcc8', 'stroke="#c8c8c8" stroke-width="2"'));
    expect(done.cached).toBe(false);
    const meanDiff = (x0: number, y0: number, x1: number, y1: number) => {
      let d = 0;
      let n = 0;
      for (let y = Math.max(0, Math.round(y0)); y <= Math.min(S - 1, Math.round(y1)); y++) {
        for (let x = Math.max(0, Math.round(x0)); x <= Math.min(S - 1, Math.round(x1)); x++) {
          for (let c = 0; c < 3; c++) d += Math.abs(px[(y * S + x) * 3 + c]! - original[(y * S + x) * 3 + c]!);
          n += 3;
        }
      }
      return d / n;
    };
    // The face (its mesh's box) and the backdrop: beside the head, and beside the arms at the
    // shoulders' height (where a sleeve laid out as in the packshot would stick out).
    const sy = Math.min(kp.leftShoulder!.y, kp.rightShoulder!.y);
    const regions: Record<string, [number, number, number, number]> = {
      face: [face.x, face.y, face.x + face.width, face.y + face.height],
      leftOfHead: [0, 0, face.x - 40, sy - 60],
      rightOfHead: [face.x + face.width + 40, 0, S - 1, sy - 60],
      leftOfArm: [0, sy - 10, 12, sy + 70],
      rightOfArm: [kp.leftShoulder!.x + 0.45 * (kp.leftShoulder!.x - kp.rightShoulder!.x), sy - 30, S - 1, sy + 60],
    };
    for (const [name, r] of Object.entries(regions)) expect(meanDiff(...r), name).toBeLessThan(4); // JPEG noise only
  }, 90_000);
});

describe('the result cache', () => {
  it('a repeat answered from the cache carries the same meta as the first result (preview: true, engine, placement)', async () => {
    const garment = await stripedTee('#ffffff', '#d03030', '');
    const first = await tryOn(garment);
    expect(first.done.cached).toBe(false);
    expect(first.done.result.meta).toMatchObject({ preview: true, engine: 'probador-local', placement: 'pose' });
    const again = await t.app.inject({ method: 'POST', url: '/v1/tryons', headers: bearer(t.tenantA.secretKey), payload: first.body });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ status: 'succeeded', cached: true });
    expect(again.json().result.meta).toEqual(first.done.result.meta);
    const read = (await t.app.inject({ method: 'GET', url: `/v1/tryons/${again.json().id}`, headers: bearer(t.tenantA.secretKey) })).json();
    expect(read.result.meta).toEqual(first.done.result.meta);
  }, 90_000);
});
