/**
 * Colour science on culori (no hand-written colour formulas): 8-bit sRGB → linear RGB through a
 * 256-entry table filled by culori's own `lrgb` conversion, linear RGB → CIELAB (D65), ΔE2000,
 * hex, robust statistics, the ITA angle and its category, hue angle and chroma, and the Monk
 * Skin Tone level by the nearest reference.
 */
import { clampChroma, converter, differenceCiede2000, formatHex, type Lab65 } from 'culori';

const toLab = converter('lab65');
const toLrgb = converter('lrgb');
export const deltaE = differenceCiede2000();

export type Lab = { l: number; a: number; b: number };
export type Rgb = [number, number, number];

/** sRGB byte → linear RGB (0–1), tabulated from culori's conversion. */
export const LINEAR: Float64Array = (() => {
  const t = new Float64Array(256);
  for (let v = 0; v < 256; v++) t[v] = toLrgb({ mode: 'rgb', r: v / 255, g: 0, b: 0 }).r;
  return t;
})();

export function linearToLab(r: number, g: number, b: number): Lab {
  const c = toLab({ mode: 'lrgb', r, g, b });
  return { l: c.l, a: c.a, b: c.b };
}

/** CIELAB (D65) → linear RGB (may fall outside 0–1 for colours out of gamut). */
export function labToLinear(c: Lab): [number, number, number] {
  const v = toLrgb({ mode: 'lab65', l: c.l, a: c.a, b: c.b });
  return [v.r, v.g, v.b];
}

export function hexToLab(hex: string): Lab {
  const c = toLab(hex);
  if (!c) throw new Error(`not a colour: ${hex}`);
  return { l: c.l, a: c.a, b: c.b };
}

const lab65 = (c: Lab): Lab65 => ({ mode: 'lab65', l: c.l, a: c.a, b: c.b });

/** Lower-case #rrggbb of a Lab colour, brought into the sRGB gamut by reducing chroma. */
export function labToHex(c: Lab): string {
  return formatHex(clampChroma(lab65(c), 'lch65', 'rgb'));
}

export const de = (x: Lab, y: Lab) => deltaE(lab65(x), lab65(y));

export const hueAngle = (c: Lab) => {
  const h = (Math.atan2(c.b, c.a) * 180) / Math.PI;
  return h < 0 ? h + 360 : h;
};
export const chromaOf = (c: Lab) => Math.hypot(c.a, c.b);

/** Individual typology angle, atan((L* − 50) / b*) in degrees (b* ≤ 0 does not occur in skin; atan2 keeps it finite). */
export function itaOf(c: Lab): number {
  const v = (Math.atan2(c.l - 50, c.b) * 180) / Math.PI;
  return Math.max(-90, Math.min(90, v));
}

export type ItaCategory = 'very_light' | 'light' | 'intermediate' | 'tan' | 'brown' | 'dark';
/** Chardon et al.'s bands: > 55° very light, 41–55 light, 28–41 intermediate, 10–28 tan, −30–10 brown, < −30 dark. */
export function itaCategory(ita: number): ItaCategory {
  if (ita > 55) return 'very_light';
  if (ita > 41) return 'light';
  if (ita > 28) return 'intermediate';
  if (ita > 10) return 'tan';
  if (ita > -30) return 'brown';
  return 'dark';
}

/** The Monk Skin Tone scale's ten reference colours (MST 1–10). */
export const MONK_HEX = ['#f6ede4', '#f3e7db', '#f7ead0', '#eadaba', '#d7bd96', '#a07e56', '#825c43', '#604134', '#3a312a', '#292420'] as const;
const MONK_LAB = MONK_HEX.map(hexToLab);

/** Monk level 1–10: the nearest reference by ΔE2000. */
export function monkLevel(c: Lab): number {
  let best = 0;
  let bestD = Infinity;
  MONK_LAB.forEach((m, i) => {
    const d = de(c, m);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best + 1;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const i = Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))));
  return s[i]!;
}

/** Per-channel median in Lab. */
export function medianLab(samples: Lab[]): Lab {
  return { l: median(samples.map((s) => s.l)), a: median(samples.map((s) => s.a)), b: median(samples.map((s) => s.b)) };
}

/**
 * A robust colour of a region: pixels far from the region's median (ΔE2000 > maxDe: hair strands,
 * shadows, highlights, freckles) are dropped, then the darkest and brightest `trim` of L* , then the
 * per-channel median. Undefined when fewer than `minCount` pixels remain.
 */
export function robustColour(samples: Lab[], opts: { maxDe?: number; trim?: number; minCount?: number } = {}): { lab: Lab; count: number; spread: number } | undefined {
  const { maxDe = 12, trim = 0.1, minCount = 8 } = opts;
  if (samples.length < minCount) return undefined;
  const m0 = medianLab(samples);
  const near = samples.filter((s) => de(s, m0) <= maxDe);
  if (near.length < minCount) return undefined;
  const ls = near.map((s) => s.l).sort((x, y) => x - y);
  const lo = ls[Math.floor(trim * (ls.length - 1))]!;
  const hi = ls[Math.ceil((1 - trim) * (ls.length - 1))]!;
  const kept = near.filter((s) => s.l >= lo && s.l <= hi);
  const use = kept.length >= minCount ? kept : near;
  const lab = medianLab(use);
  // Spread: the median ΔE of the kept pixels from their median (uniformity).
  const spread = median(use.filter((_, i) => i % 4 === 0).map((s) => de(s, lab)));
  return { lab, count: use.length, spread };
}

export const round = (v: number, d = 2) => {
  const f = 10 ** d;
  return Math.round(v * f) / f;
};
export const roundLab = (c: Lab): Lab => ({ l: round(c.l), a: round(c.a), b: round(c.b) });
export const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
/** v mapped from [lo, hi] to [0, 1], clamped. */
export const norm = (v: number, lo: number, hi: number) => clamp((v - lo) / (hi - lo), 0, 1);
