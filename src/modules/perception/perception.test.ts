/**
 * Perception on the real models (one warm worker thread for the whole file): faces with their
 * mesh, body keypoints, image measures, the pre-check rules on the fixture and on pictures made
 * from it, the fidelity score, and the local try-on engine placing a garment from the keypoints.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerceptionPool, type PerceptionPool } from './pool.js';
import { checkAnalysis, type Category, type Strictness } from './precheck.js';
import { fidelity } from './fidelity.js';
import { analyzeImage, type WorkerStatus } from './worker.js';
import type { Analysis, Keypoint } from './types.js';
import { createLocalProvider } from '../tryon/index.js';
import { asInput, garmentPng } from '../../../test/fakes/images.js';

const FIXTURE = readFileSync(fileURLToPath(new URL('../../../test/fixtures/astronaut.png', import.meta.url)));
let pool: PerceptionPool;
let fixture: Analysis;
let status: WorkerStatus;

const check = (a: Analysis, strictness: Strictness = 'standard', categories: Category[] = ['tops']) => checkAnalysis(a, { strictness, categories, minAge: 18 });
const codes = (a: Analysis, strictness: Strictness = 'standard', categories: Category[] = ['tops']) => check(a, strictness, categories).issues.filter((i) => i.severity === 'error').map((i) => i.code);
const kp = (a: Analysis, part: string) => a.bodies[0]?.keypoints.find((k) => k.part === part) as Keypoint;

beforeAll(async () => {
  pool = await createPerceptionPool(1);
  status = await pool.warm();
  expect(status.ok).toBe(true);
  fixture = await pool.analyze(FIXTURE);
}, 120_000);
afterAll(async () => pool?.close());

describe('faces and bodies (the astronaut portrait)', () => {
  it('finds one face with a 478-point mesh whose landmarks sit where they belong', () => {
    expect(fixture.models).toBe(true);
    expect([fixture.width, fixture.height]).toEqual([512, 512]);
    expect(fixture.faces).toHaveLength(1);
    const f = fixture.faces[0]!;
    expect(f.score).toBeGreaterThan(0.8);
    expect(f.mesh).toHaveLength(478);
    // A plausible head: 60–300 px on a 512 px portrait, in the upper half.
    expect(f.box.width).toBeGreaterThan(60);
    expect(f.box.width).toBeLessThan(300);
    expect(f.box.y + f.box.height / 2).toBeLessThan(256);
    const inBox = (p: { x: number; y: number }, m = 0.05) =>
      p.x >= f.box.x - f.box.width * m && p.x <= f.box.x + f.box.width * (1 + m) && p.y >= f.box.y - f.box.height * m && p.y <= f.box.y + f.box.height * (1 + m);
    const { leftEye, rightEye, noseTip, mouth, leftIris, rightIris } = f.landmarks;
    for (const p of [leftEye, rightEye, noseTip, mouth]) expect(inBox(p)).toBe(true);
    // Eyes above the nose, the nose above the mouth; the eyes apart, the mouth between them.
    expect(Math.max(leftEye.y, rightEye.y)).toBeLessThan(noseTip.y);
    expect(noseTip.y).toBeLessThan(mouth.y);
    expect(Math.abs(leftEye.x - rightEye.x)).toBeGreaterThan(f.box.width * 0.2);
    expect(mouth.x).toBeGreaterThan(Math.min(leftEye.x, rightEye.x));
    expect(mouth.x).toBeLessThan(Math.max(leftEye.x, rightEye.x));
    // Irises inside their eye's region.
    expect(Math.hypot(leftIris!.x - leftEye.x, leftIris!.y - leftEye.y)).toBeLessThan(f.box.width * 0.1);
    expect(Math.hypot(rightIris!.x - rightEye.x, rightIris!.y - rightEye.y)).toBeLessThan(f.box.width * 0.1);
    // Nearly every mesh point inside the (slightly widened) box.
    expect(f.mesh.filter((p) => inBox({ x: p[0], y: p[1] }, 0.1)).length).toBeGreaterThan(470);
    // An adult, looking at the camera.
    expect(f.age).toBeGreaterThan(20);
    expect(Math.abs(f.rotation.yaw)).toBeLessThan(20);
  });

  it('runs the SIMD build of the WASM backend on one thread, and the age model with its batch-norm and ReLU6 fused (fuse-graph.ts)', () => {
    expect(status.backend).toBe('wasm');
    expect(status.wasm).toEqual({ simd: true, threads: false });
    expect(status.ageModel).toEqual({ fused: 27 });
  });

  it('finds the body: shoulders below the face, hips below the shoulders', () => {
    const b = fixture.bodies[0]!;
    expect(b.score).toBeGreaterThan(0.4);
    const face = fixture.faces[0]!.box;
    const [ls, rs, lh, rh] = ['leftShoulder', 'rightShoulder', 'leftHip', 'rightHip'].map((p) => kp(fixture, p));
    for (const k of [ls, rs, lh, rh]) expect(k?.score).toBeGreaterThan(0.25);
    expect(Math.min(ls!.y, rs!.y)).toBeGreaterThan(face.y + face.height * 0.8);
    expect(Math.min(lh!.y, rh!.y)).toBeGreaterThan(Math.max(ls!.y, rs!.y) + 100);
    // The person's left shoulder is on the image's right in a frontal photo.
    expect(ls!.x).toBeGreaterThan(rs!.x);
  });

  it('reports coordinates in the photo’s own pixels, whatever its size', async () => {
    // 1024 px and 2048 px versions: the models see the same 1024 px image; coordinates scale by 2.
    const [a, b] = [await pool.analyze(await sharp(FIXTURE).resize(1024).png().toBuffer()), await pool.analyze(await sharp(FIXTURE).resize(2048).png().toBuffer())];
    expect([b.width, b.height]).toEqual([2048, 2048]);
    expect(Math.abs(b.faces[0]!.box.x - a.faces[0]!.box.x * 2)).toBeLessThan(8);
    expect(Math.abs(b.faces[0]!.mesh[1]![1] - a.faces[0]!.mesh[1]![1] * 2)).toBeLessThan(8);
    for (const part of ['leftShoulder', 'rightHip']) expect(Math.abs(kp(b, part).y - kp(a, part).y * 2)).toBeLessThan(12);
  });

  it('measures sharpness, exposure and colour without the models too', async () => {
    const m = fixture.measures;
    const blurred = (await analyzeImage(await sharp(FIXTURE).blur(5).png().toBuffer(), undefined)).measures;
    expect(m.sharpness).toBeGreaterThan(blurred.sharpness * 20);
    const dark = (await analyzeImage(await sharp(FIXTURE).linear(0.12, 0).png().toBuffer(), undefined)).measures;
    expect(dark.brightness).toBeLessThan(m.brightness / 4);
    const blue = (await analyzeImage(await sharp(FIXTURE).tint({ r: 40, g: 60, b: 255 }).png().toBuffer(), undefined)).measures;
    expect(blue.cast.b).toBeLessThan(m.cast.b - 10);
    expect(m.face).not.toBeNull();
  });
});

describe('photo pre-check', () => {
  it('passes the fixture for tops, and refuses it for bottoms (no knees in view)', () => {
    const r = check(fixture);
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(r.ok).toBe(true);
    const bottoms = check(fixture, 'standard', ['bottoms']);
    expect(bottoms.ok).toBe(false);
    const pose = bottoms.issues.find((i) => i.code === 'pose_unusable')!;
    expect(pose.detail?.missing).toEqual(expect.arrayContaining(['leftKnee', 'rightKnee']));
    expect(pose.tip.es.length).toBeGreaterThan(10);
  });

  it('no person: a garment picture', async () => {
    const a = await pool.analyze(await garmentPng('rgb(30,90,200)'));
    expect(codes(a)).toEqual(['no_person']);
    const issue = check(a).issues[0]!;
    expect(issue.message.en).toMatch(/person/);
    expect(issue.message.es).toMatch(/persona/);
  });

  it('two people: the fixture twice side by side', async () => {
    const two = await sharp({ create: { width: 1024, height: 512, channels: 3, background: '#777' } })
      .composite([{ input: FIXTURE, left: 0, top: 0 }, { input: FIXTURE, left: 512, top: 0 }])
      .png()
      .toBuffer();
    const a = await pool.analyze(two);
    expect(a.faces.length).toBe(2);
    expect(codes(a)).toContain('multiple_people');
  });

  it('a tiny face: the fixture small on a large canvas', async () => {
    const tiny = await sharp({ create: { width: 1536, height: 1536, channels: 3, background: '#c8c8c8' } })
      .composite([{ input: await sharp(FIXTURE).resize(256).toBuffer(), left: 640, top: 640 }])
      .png()
      .toBuffer();
    const a = await pool.analyze(tiny);
    expect(a.faces.length).toBeGreaterThan(0);
    expect(codes(a)).toContain('face_too_small');
    expect(codes(a)).not.toContain('no_person');
  });

  it('blurred', async () => {
    const a = await pool.analyze(await sharp(FIXTURE).blur(5).png().toBuffer());
    expect(codes(a)).toContain('blurry');
    // Lenient still refuses a photo this soft; a slightly soft one is only a warning there.
    expect(codes(a, 'lenient')).toContain('blurry');
  });

  it('too dark (and no age verdict on a photo that dark)', async () => {
    const a = await pool.analyze(await sharp(FIXTURE).linear(0.12, 0).png().toBuffer());
    expect(codes(a)).toContain('too_dark');
    expect(codes(a)).not.toContain('likely_minor');
  });

  it('refuses a likely minor below the threshold, at every strictness but off', () => {
    const age = fixture.faces[0]!.age!;
    const r = checkAnalysis(fixture, { strictness: 'lenient', categories: ['tops'], minAge: Math.ceil(age) + 1 });
    expect(r.issues.map((i) => i.code)).toContain('likely_minor');
    expect(r.ok).toBe(false);
    expect(checkAnalysis(fixture, { strictness: 'off', categories: ['tops'], minAge: 99 }).ok).toBe(true);
  });

  it('strictness moves the thresholds', () => {
    const soft = { ...fixture, measures: { ...fixture.measures, sharpness: 40 } };
    expect(codes(soft, 'standard')).not.toContain('blurry');
    expect(codes(soft, 'strict')).toContain('blurry');
  });
});

describe('fidelity', () => {
  it('is ~1 for the same photo and drops for a reshaped body or a changed face', async () => {
    const same = await fidelity({ bytes: FIXTURE, analysis: fixture }, { bytes: FIXTURE, analysis: fixture });
    expect(same.score).toBeGreaterThan(0.97);
    // The same person squeezed to 70 % width and shifted: keypoints and face move.
    const squeezed = await sharp({ create: { width: 512, height: 512, channels: 3, background: '#000' } })
      .composite([{ input: await sharp(FIXTURE).resize(358, 512, { fit: 'fill' }).toBuffer(), left: 154, top: 0 }])
      .png()
      .toBuffer();
    const sq = await fidelity({ bytes: FIXTURE, analysis: fixture }, { bytes: squeezed, analysis: await pool.analyze(squeezed) });
    expect(sq.score!).toBeLessThan(same.score! - 0.2);
    // A face covered by a grey patch: the face part collapses.
    const f = fixture.faces[0]!.box;
    const covered = await sharp(FIXTURE)
      .composite([{ input: { create: { width: Math.round(f.width), height: Math.round(f.height), channels: 3, background: '#808080' } }, left: Math.round(f.x), top: Math.round(f.y) }])
      .png()
      .toBuffer();
    const cov = await fidelity({ bytes: FIXTURE, analysis: fixture }, { bytes: covered, analysis: await pool.analyze(covered) });
    expect(cov.face!).toBeLessThan(0.5);
  });
});

describe('local try-on engine with keypoints', () => {
  const perceive = async (bytes: Buffer) => (await pool.analyze(bytes, undefined, 'body')).bodies[0];
  const engine = () => createLocalProvider({ perceive });

  it("dresses the torso between the shoulder and hip keypoints, keeps the person's size and the far background", async () => {
    const person = await asInput(FIXTURE);
    const garment = { ...(await asInput(await garmentPng('rgb(20,170,60)'))), category: 'tops' as const };
    const out = await engine().generate({ person, garments: [garment], mode: 'balanced' }, { signal: AbortSignal.timeout(30_000) });
    expect(out.meta).toMatchObject({ preview: true, engine: 'probador-local', placement: 'pose' });
    const meta = await sharp(out.image).metadata();
    expect([meta.width, meta.height]).toEqual([512, 512]);
    const raw = async (b: Buffer) => (await sharp(b).removeAlpha().raw().toBuffer({ resolveWithObject: true })).data;
    const [after, before] = await Promise.all([raw(out.image), raw(await sharp(FIXTURE).jpeg({ quality: 90 }).toBuffer())]);
    const green = (i: number) => after[i + 1]! > after[i]! + 40 && after[i + 1]! > after[i + 2]! + 40;
    // The torso box: between the shoulders (x) and from the shoulders to the hips (y), inset 15 %.
    const [ls, rs, lh, rh] = ['leftShoulder', 'rightShoulder', 'leftHip', 'rightHip'].map((p) => kp(fixture, p)) as [Keypoint, Keypoint, Keypoint, Keypoint];
    const x0 = Math.min(rs.x, ls.x);
    const x1 = Math.max(rs.x, ls.x);
    const y0 = Math.max(ls.y, rs.y);
    const y1 = Math.min(lh.y, rh.y, 511);
    const inset = { x0: x0 + (x1 - x0) * 0.15, x1: x1 - (x1 - x0) * 0.15, y0: y0 + (y1 - y0) * 0.15, y1: y1 - (y1 - y0) * 0.15 };
    let inTorso = 0;
    let n = 0;
    for (let y = Math.round(inset.y0); y < inset.y1; y++) {
      for (let x = Math.round(inset.x0); x < inset.x1; x++) {
        n++;
        if (green((y * 512 + x) * 3)) inTorso++;
      }
    }
    expect(inTorso / n).toBeGreaterThan(0.7);
    // Every green pixel is near the body: none above the face's chin or far to the sides.
    const face = fixture.faces[0]!.box;
    let stray = 0;
    for (let y = 0; y < 512; y++) {
      for (let x = 0; x < 512; x++) {
        if (!green((y * 512 + x) * 3)) continue;
        if (y < face.y + face.height * 0.6 || x < x0 - (x1 - x0) * 0.6 || x > x1 + (x1 - x0) * 0.6) stray++;
      }
    }
    expect(stray).toBe(0);
    // Far from the body (the top corners, above the shoulders beside the head): unchanged.
    for (const [cx, cy] of [[0, 0], [472, 0], [0, 60]] as const) {
      let diff = 0;
      for (let y = cy; y < cy + 40; y++) for (let x = cx; x < cx + 40; x++) for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(after[(y * 512 + x) * 3 + c]! - before[(y * 512 + x) * 3 + c]!));
      expect(diff).toBeLessThan(24); // JPEG noise only
    }
    // Deterministic.
    const again = await engine().generate({ person, garments: [garment], mode: 'balanced' }, { signal: AbortSignal.timeout(30_000) });
    expect(again.image.equals(out.image)).toBe(true);
  });

  it('takes its shading from the photo: the dressed torso is not one flat colour', async () => {
    const person = await asInput(FIXTURE);
    const garment = { ...(await asInput(await garmentPng('rgb(200,200,200)'))), category: 'tops' as const };
    const out = await engine().generate({ person, garments: [garment], mode: 'balanced' }, { signal: AbortSignal.timeout(30_000) });
    const [ls, rs, lh] = ['leftShoulder', 'rightShoulder', 'leftHip'].map((p) => kp(fixture, p)) as [Keypoint, Keypoint, Keypoint];
    const rect = { left: Math.round(rs.x + 10), top: Math.round(ls.y + 10), width: Math.round(ls.x - rs.x - 20), height: Math.round(Math.min(lh.y, 500) - ls.y - 20) };
    const { channels } = await sharp(out.image).extract(rect).greyscale().stats();
    expect(channels[0]!.stdev).toBeGreaterThan(6); // a flat packshot composited as is would be ~0
  });
});
