/**
 * The offline analyser on the real face models (one warm perception thread for the file), on
 * pictures made from the portrait fixture: Monk references painted on the skin, light shifts,
 * a white card, the retake cases, stretched and widened faces.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerceptionPool, type PerceptionPool } from '../../perception/pool.js';
import { MONK_HEX, de, hexToLab, itaCategory, itaOf } from './colour.js';
import { decodeSelfie } from './decode.js';
import { analyseLocal } from './local.js';
import type { AnalyserOutput } from './types.js';
import type { TAnalysisKind } from '../../../../contracts/style.js';
import { paintSkin, resized, selfie1024, shiftLight, turnedHead, twoPortraits, withCard } from '../../../../test/style-images.js';

let pool: PerceptionPool;
let base: Buffer;
let baseOut: AnalyserOutput;
let carded: Buffer;

async function analyse(bytes: Buffer, kinds: TAnalysisKind[] = ['face', 'color']): Promise<AnalyserOutput> {
  const perception = await pool.analyze(bytes, undefined, 'mesh');
  return analyseLocal({ bytes, ...(await decodeSelfie(bytes)), perception, kinds });
}
const codes = (o: AnalyserOutput, severity: 'error' | 'warning' = 'error') => o.quality.issues.filter((i) => i.severity === severity).map((i) => i.code);
const score = (o: AnalyserOutput, shape: string) => o.face!.scores.find((s) => s.shape === shape)!.score;

beforeAll(async () => {
  pool = await createPerceptionPool(1);
  expect((await pool.warm()).ok).toBe(true);
  base = await selfie1024();
  baseOut = await analyse(base);
  carded = await withCard(base);
}, 120_000);
afterAll(async () => pool?.close());

describe('skin colour', () => {
  it('each of the 10 Monk Skin Tone references painted on the skin is measured as its own level and ITA category', async () => {
    const mesh = (await pool.analyze(carded, undefined, 'mesh')).faces[0]!.mesh.map((p) => ({ x: p[0], y: p[1] }));
    for (const [i, hex] of MONK_HEX.entries()) {
      const out = await analyse(await paintSkin(carded, mesh, hex));
      const skin = out.color?.measured?.skin;
      expect(skin, `${hex}: ${JSON.stringify(out.quality)}`).toBeDefined();
      expect(out.color!.white_balance.method).toBe('card');
      expect(skin!.monk, hex).toBe(i + 1);
      expect(skin!.ita_category, hex).toBe(itaCategory(itaOf(hexToLab(hex))));
      expect(de(skin!.lab, hexToLab(hex)), hex).toBeLessThan(1);
      expect(out.quality.retake, hex).toBe(false);
    }
  }, 120_000);
});

describe('white balance', () => {
  it('per-channel light shifts of up to ±10 % (eyes visible): the same 12-season answer and the skin within ΔE2000 3 after correction; without it, neither holds', async () => {
    const ref = baseOut.color!;
    const refRaw = analyseLocal({ bytes: base, ...(await decodeSelfie(base)), perception: await pool.analyze(base, undefined, 'mesh'), kinds: ['color'] }, { whiteBalance: false }).color!;
    expect(ref.white_balance.method).toBe('sclera');
    const levels = [0.9, 1, 1.1];
    const tally = { same: 0, worst: 0, rawSame: 0, rawWorst: 0 };
    for (const r of levels) {
      for (const g of levels) {
        for (const b of levels) {
          const bytes = await shiftLight(base, [r, g, b]);
          const input = { bytes, ...(await decodeSelfie(bytes)), perception: await pool.analyze(bytes, undefined, 'mesh'), kinds: ['color'] as TAnalysisKind[] };
          const c = analyseLocal(input).color!;
          expect(c, `${r},${g},${b}`).not.toBeNull();
          expect(c.white_balance.method).toBe('sclera');
          if (c.season12.season === ref.season12.season) tally.same++;
          const d = de(c.measured!.skin.lab, ref.measured!.skin.lab);
          tally.worst = Math.max(tally.worst, d);
          expect(d, `${r},${g},${b}`).toBeLessThan(3);
          // The same picture measured as it is, with no correction.
          const raw = analyseLocal(input, { whiteBalance: false }).color!;
          if (raw.season12.season === refRaw.season12.season) tally.rawSame++;
          tally.rawWorst = Math.max(tally.rawWorst, de(raw.measured!.skin.lab, refRaw.measured!.skin.lab));
        }
      }
    }
    // When this was written: 27/27 corrected (worst ΔE 2.35), 15/27 uncorrected (worst ΔE 11.3) — docs/architecture.md, Style.
    expect(tally.same, JSON.stringify(tally)).toBeGreaterThanOrEqual(25);
    expect(tally.rawWorst, JSON.stringify(tally)).toBeGreaterThan(2 * tally.worst);
    expect(tally.rawSame, JSON.stringify(tally)).toBeLessThan(tally.same);
  }, 180_000);

  it('a white card in the picture is found and used: its gains undo the light, and the skin matches the neutral light’s', async () => {
    const neutral = await analyse(carded);
    expect(neutral.color!.white_balance).toMatchObject({ method: 'card', gains: { r: 1, g: 1, b: 1 } });
    const k: [number, number, number] = [1.08, 1, 0.9];
    const out = await analyse(await shiftLight(carded, k));
    const wb = out.color!.white_balance;
    expect(wb.method).toBe('card');
    expect(wb.cast_strength).toBeGreaterThan(3);
    // Gains proportional to 1/k (normalised to keep the card's luminance).
    expect((wb.gains.r / wb.gains.g) * (k[0] / k[1])).toBeCloseTo(1, 2);
    expect((wb.gains.b / wb.gains.g) * (k[2] / k[1])).toBeCloseTo(1, 2);
    expect(de(out.color!.measured!.skin.lab, neutral.color!.measured!.skin.lab)).toBeLessThan(2);
    // The same picture without the card falls back to the eyes.
    expect((await analyse(await shiftLight(base, k))).color!.white_balance.method).toBe('sclera');
  });
});

describe('retakes', () => {
  it('no face (the picture’s backdrop and shuttle, no person)', async () => {
    const out = await analyse(await sharp(base).extract({ left: 640, top: 0, width: 384, height: 512 }).png().toBuffer());
    expect(codes(out)).toEqual(['no_face']);
    expect(out.quality.retake).toBe(true);
    expect(out.face).toBeNull();
    expect(out.color).toBeNull();
  });

  it('two faces (the portrait twice)', async () => {
    const out = await analyse(await twoPortraits(await sharp(base).resize(700).png().toBuffer()));
    expect(codes(out)).toEqual(['multiple_faces']);
    expect(out.face).toBeNull();
  });

  it('a turned head (the face’s far half squeezed): the mesh reports the yaw, the face shape is withheld', async () => {
    const out = await analyse(await turnedHead(base, 470, 0.5));
    const turned = out.quality.issues.find((i) => i.code === 'head_turned')!;
    expect(turned.severity).toBe('error');
    expect(turned.affects).toContain('face');
    expect(Math.abs(turned.detail!.mesh_yaw as number)).toBeGreaterThan(20);
    expect(out.face).toBeNull();
    expect(codes(baseOut)).toEqual([]);
    expect(baseOut.quality.issues.map((i) => i.code)).not.toContain('head_turned');
  });

  it('blur', async () => {
    const out = await analyse(await sharp(base).blur(4).png().toBuffer());
    expect(codes(out)).toEqual(['blurry']);
    expect(out.color).toBeNull();
    expect(out.face).toBeNull();
    // A little blur only lowers the score.
    const mild = await analyse(await sharp(base).blur(2).png().toBuffer());
    expect(codes(mild)).toEqual([]);
    expect(mild.quality.score).toBeLessThan(baseOut.quality.score);
  });

  it('darkness', async () => {
    const out = await analyse(await sharp(base).linear(0.25, 0).png().toBuffer());
    expect(codes(out)).toEqual(['too_dark']);
    expect(out.color).toBeNull();
  });

  it('overexposure', async () => {
    const out = await analyse(await sharp(base).linear(2, 0).png().toBuffer());
    expect(codes(out)).toContain('overexposed');
    expect(out.color).toBeNull();
  });

  it('the portrait itself passes, the issues follow the kinds asked for, and the answer is deterministic', async () => {
    expect(baseOut.quality.retake).toBe(false);
    expect(baseOut.face).not.toBeNull();
    expect(await analyse(base)).toEqual(baseOut);
    const faceOnly = await analyse(await sharp(base).linear(0.25, 0).png().toBuffer(), ['face']);
    // Darkness withholds the colour answer only: asked for the face alone, it is no retake.
    expect(faceOnly.quality.retake).toBe(false);
    expect(faceOnly.color).toBeNull();
    expect(faceOnly.face).not.toBeNull();
  });
});

describe('face shape', () => {
  it('stretching the face vertically moves the shape toward oblong; widening it toward round', async () => {
    const tall = await analyse(await resized(base, 1024, 1320));
    const wide = await analyse(await resized(base, 1320, 1024));
    const m = baseOut.face!.measurements;
    expect(tall.face!.measurements.length_to_cheek).toBeGreaterThan(m.length_to_cheek * 1.1);
    expect(wide.face!.measurements.length_to_cheek).toBeLessThan(m.length_to_cheek * 0.92);
    expect(score(tall, 'oblong')).toBeGreaterThan(score(baseOut, 'oblong') + 0.3);
    expect(tall.face!.shape).toBe('oblong');
    expect(score(wide, 'round')).toBeGreaterThan(score(baseOut, 'round') + 0.3);
    expect(wide.face!.shape).toBe('round');
    expect(score(tall, 'round')).toBeLessThan(score(baseOut, 'round'));
  });
});
