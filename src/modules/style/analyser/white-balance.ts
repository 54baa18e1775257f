/**
 * White balance: the light's colour from a reference that should be neutral, undone by von Kries
 * gains in linear RGB. First available of: a white card or paper in the picture (card.ts), the
 * whites of the eyes (see scleraReference), the scene (shades-of-grey, p = 6, outside the face).
 * Gains keep the reference's L* (only the colour is corrected, not the exposure) and are capped: ±25 % per channel for the card and the
 * sclera, ±10 % for the scene, which is only a guess.
 */
import { LINEAR, clamp, de, labToLinear, linearToLab, median } from './colour.js';
import { findCard } from './card.js';
import { EYE_LEFT, EYE_RIGHT, dist, pixelsIn, type Img, type Pt } from './geometry.js';

export type WhiteBalanceMethod = 'card' | 'sclera' | 'scene' | 'none';
export type WhiteBalance = {
  method: WhiteBalanceMethod;
  gains: { r: number; g: number; b: number };
  /** ΔE2000 of the reference from the neutral grey of the same luminance (before correction). */
  castStrength: number;
  /** A gain reached its cap: the cast was stronger than the correction allows. */
  capped: boolean;
  /** ΔE2000 from neutral left in the reference after the (capped) correction. */
  residual: number;
  /** The reference's L* (before correction): for exposure checks (the sclera, a card). */
  referenceL: number | null;
  card: { box: { x: number; y: number; width: number; height: number }; area: number } | null;
  scleraPixels: number;
  /** L* of the whites of the eyes before correction, whichever reference was used (null when not found). */
  scleraL: number | null;
};

const CAP = { card: 0.25, sclera: 0.25, scene: 0.1 } as const;
const Y = [0.2126, 0.7152, 0.0722] as const;
/**
 * What the whites of the eyes look like in daylight: not neutral but slightly yellow (an
 * assumption from the sclera's known tint, to be calibrated; a neutral target over-cools skin).
 */
export const SCLERA_TARGET = { a: 1.5, b: 5 } as const;
const NEUTRAL = { a: 0, b: 0 } as const;

/**
 * Von Kries gains taking `ref` (linear RGB) to the target colour of the same L*: neutral grey for a
 * card or the scene, SCLERA_TARGET's a*, b* for the whites of the eyes. Same L*, so the exposure
 * stays as it was; each gain is capped to ±cap.
 */
function gainsFor(ref: [number, number, number], cap: number, target: { a: number; b: number }) {
  const refLab = linearToLab(...ref);
  const t = labToLinear({ l: refLab.l, a: target.a, b: target.b });
  const raw = ref.map((c, i) => (c > 1e-6 ? t[i]! / c : 1)) as [number, number, number];
  const lo = 1 / (1 + cap);
  const hi = 1 + cap;
  const capped = raw.some((g) => g < lo || g > hi);
  const g = raw.map((v) => clamp(v, lo, hi)) as [number, number, number];
  const targetLab = { l: refLab.l, a: target.a, b: target.b };
  const corrected = linearToLab(ref[0] * g[0], ref[1] * g[1], ref[2] * g[2]);
  return { gains: { r: g[0], g: g[1], b: g[2] }, castStrength: de(refLab, targetLab), capped, residual: de(corrected, { l: corrected.l, a: target.a, b: target.b }), refLab };
}

/**
 * The whites of the eyes: the eye openings outside the irises, unclipped; the brightest 40 % by
 * luminance, less the top tenth of those (edges of catchlights); pixels whose chromaticity strays
 * from the group's median (lid and lash edges) dropped; the mean of the rest in linear RGB.
 */
export function scleraReference(img: Img, mesh: Pt[], iris: { right: { c: Pt; r: number } | null; left: { c: Pt; r: number } | null }): { linear: [number, number, number]; count: number; pixels: number[] } | null {
  const picked: { p: number; r: number; g: number; b: number }[] = [];
  for (const [poly, ir] of [
    [EYE_RIGHT, iris.right],
    [EYE_LEFT, iris.left],
  ] as const) {
    if (!ir) continue;
    const eye = poly.map((i) => mesh[i]!);
    const px = pixelsIn(img, eye, { keep: (x, y) => dist({ x: x + 0.5, y: y + 0.5 }, ir.c) > ir.r * 1.1 });
    const lit = px
      .map((p) => {
        const i = p * 3;
        const R = img.rgb[i]!;
        const G = img.rgb[i + 1]!;
        const B = img.rgb[i + 2]!;
        const r = LINEAR[R]!;
        const g = LINEAR[G]!;
        const b = LINEAR[B]!;
        return { p, r, g, b, y: Y[0] * r + Y[1] * g + Y[2] * b, clipped: R >= 250 || G >= 250 || B >= 250 };
      })
      .filter((v) => !v.clipped)
      .sort((a, b) => b.y - a.y);
    const top = lit.slice(0, Math.round(lit.length * 0.4));
    picked.push(...top.slice(Math.floor(top.length * 0.1)));
  }
  if (picked.length < 10) return null;
  // Chromaticities (r, b over r + g + b): keep those within 2.5 median absolute deviations.
  const cr = picked.map((v) => v.r / (v.r + v.g + v.b || 1));
  const cb = picked.map((v) => v.b / (v.r + v.g + v.b || 1));
  const mr = median(cr);
  const mb = median(cb);
  const madR = median(cr.map((v) => Math.abs(v - mr))) || 1e-3;
  const madB = median(cb.map((v) => Math.abs(v - mb))) || 1e-3;
  const kept = picked.filter((_, i) => Math.abs(cr[i]! - mr) <= 2.5 * madR && Math.abs(cb[i]! - mb) <= 2.5 * madB);
  if (kept.length < 8) return null;
  const mean = (k: 'r' | 'g' | 'b') => kept.reduce((a, v) => a + v[k], 0) / kept.length;
  return { linear: [mean('r'), mean('g'), mean('b')], count: kept.length, pixels: kept.map((v) => v.p) };
}

/** Shades-of-grey (Minkowski p = 6) over the picture outside `avoid`, skipping clipped and near-black pixels. */
export function sceneReference(img: Img, avoid: { x: number; y: number; width: number; height: number } | null): [number, number, number] | null {
  const total = img.width * img.height;
  const step = Math.max(1, Math.floor(total / 40_000));
  const acc = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < total; p += step) {
    const x = p % img.width;
    const y = (p - x) / img.width;
    if (avoid && x >= avoid.x && x < avoid.x + avoid.width && y >= avoid.y && y < avoid.y + avoid.height) continue;
    const i = p * 3;
    const r = img.rgb[i]!;
    const g = img.rgb[i + 1]!;
    const b = img.rgb[i + 2]!;
    if (r >= 250 || g >= 250 || b >= 250 || r + g + b < 30) continue;
    acc[0]! += LINEAR[r]! ** 6;
    acc[1]! += LINEAR[g]! ** 6;
    acc[2]! += LINEAR[b]! ** 6;
    n++;
  }
  if (n < 100) return null;
  return acc.map((v) => (v / n) ** (1 / 6)) as [number, number, number];
}

export function whiteBalance(img: Img, face: { mesh: Pt[]; box: { x: number; y: number; width: number; height: number }; iris: Parameters<typeof scleraReference>[2] } | null): WhiteBalance {
  const avoid = face ? { x: face.box.x - face.box.width * 0.25, y: face.box.y - face.box.height * 0.35, width: face.box.width * 1.5, height: face.box.height * 1.6 } : null;
  const card = findCard(img, avoid);
  const sclera = face ? scleraReference(img, face.mesh, face.iris) : null;
  const scleraPixels = sclera?.count ?? 0;
  const scleraL = sclera ? linearToLab(...sclera.linear).l : null;
  const none: WhiteBalance = { method: 'none', gains: { r: 1, g: 1, b: 1 }, castStrength: 0, capped: false, residual: 0, referenceL: null, card: null, scleraPixels, scleraL };
  let method: WhiteBalanceMethod;
  let ref: [number, number, number] | null;
  if (card) {
    method = 'card';
    ref = card.linear;
  } else if (sclera) {
    method = 'sclera';
    ref = sclera.linear;
  } else {
    method = 'scene';
    ref = sceneReference(img, avoid);
  }
  if (!ref) return none;
  const g = gainsFor(ref, CAP[method as keyof typeof CAP], method === 'sclera' ? SCLERA_TARGET : NEUTRAL);
  return {
    method,
    gains: g.gains,
    castStrength: g.castStrength,
    capped: g.capped,
    residual: g.residual,
    referenceL: method === 'scene' ? null : g.refLab.l,
    card: card ? { box: card.box, area: card.area } : null,
    scleraPixels,
    scleraL,
  };
}

