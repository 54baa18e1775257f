/**
 * The 12 seasons as prototypes on three axes, and the classifier every colour answer uses (photo,
 * quiz, Gemini's axes, their fusion): temperature −1 (cool) … 1 (warm), value 0 (deep) … 1 (light),
 * chroma 0 (soft) … 1 (clear). A season is the nearest prototype; confidences are a softmax over
 * the distances, so two prototypes at nearly the same distance share the confidence (an honest
 * "between light summer and soft summer" instead of one overconfident label).
 *
 * The dominant axis names the family (light/deep: value; bright/soft: chroma; true: temperature),
 * the 4-season parent is the sum of its three.
 */
import { SEASONS_12, type TSeason12 } from '../../../contracts/style.js';

export type Axes = { temperature: number; value: number; chroma: number };
export type Season4 = 'spring' | 'summer' | 'autumn' | 'winter';

export const PROTOTYPES: Readonly<Record<TSeason12, Axes>> = {
  light_spring: { temperature: 0.4, value: 0.85, chroma: 0.55 },
  true_spring: { temperature: 0.85, value: 0.6, chroma: 0.65 },
  bright_spring: { temperature: 0.35, value: 0.55, chroma: 0.9 },
  light_summer: { temperature: -0.4, value: 0.85, chroma: 0.4 },
  true_summer: { temperature: -0.85, value: 0.6, chroma: 0.35 },
  soft_summer: { temperature: -0.3, value: 0.5, chroma: 0.15 },
  soft_autumn: { temperature: 0.3, value: 0.45, chroma: 0.15 },
  true_autumn: { temperature: 0.85, value: 0.4, chroma: 0.4 },
  deep_autumn: { temperature: 0.4, value: 0.15, chroma: 0.45 },
  deep_winter: { temperature: -0.4, value: 0.15, chroma: 0.6 },
  true_winter: { temperature: -0.85, value: 0.35, chroma: 0.75 },
  bright_winter: { temperature: -0.35, value: 0.45, chroma: 0.95 },
};

export const PARENT: Readonly<Record<TSeason12, Season4>> = {
  light_spring: 'spring',
  true_spring: 'spring',
  bright_spring: 'spring',
  light_summer: 'summer',
  true_summer: 'summer',
  soft_summer: 'summer',
  soft_autumn: 'autumn',
  true_autumn: 'autumn',
  deep_autumn: 'autumn',
  deep_winter: 'winter',
  true_winter: 'winter',
  bright_winter: 'winter',
};

/** Softmax temperature over distances: smaller is more decisive. */
export const TAU = 0.08;

/** Distance on the axes; temperature spans 2, the others 1, so it is halved. */
export function axisDistance(a: Axes, b: Axes): number {
  return Math.hypot((a.temperature - b.temperature) / 2, a.value - b.value, a.chroma - b.chroma);
}

export type Classified = {
  /** All 12, most likely first; confidences sum to 1. */
  ranked: { season: TSeason12; confidence: number; distance: number }[];
  season4: { season: Season4; confidence: number };
  /** confidence(top1) − confidence(top2). */
  margin: number;
};

/** The seasons nearest to `axes`. `certainty` (0–1, the photo's or the answers' reliability) flattens the confidences toward uniform. */
export function classify(axes: Axes, certainty = 1): Classified {
  const d = SEASONS_12.map((s) => ({ season: s, distance: axisDistance(axes, PROTOTYPES[s]) }));
  const logits = d.map((x) => -x.distance / TAU);
  const max = Math.max(...logits);
  const exp = logits.map((l) => Math.exp(l - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  const c = Math.min(1, Math.max(0, certainty));
  const ranked = d
    .map((x, i) => ({ season: x.season, distance: x.distance, confidence: c * (exp[i]! / sum) + (1 - c) / SEASONS_12.length }))
    .sort((a, b) => b.confidence - a.confidence);
  const byParent = new Map<Season4, number>();
  for (const r of ranked) byParent.set(PARENT[r.season], (byParent.get(PARENT[r.season]) ?? 0) + r.confidence);
  const [season, confidence] = [...byParent.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return { ranked, season4: { season, confidence }, margin: ranked[0]!.confidence - ranked[1]!.confidence };
}

/** Axis scores fused by weight (each source's confidence): the quiz with a photo, several photos. */
export function fuseAxes(parts: { axes: Axes; weight: number }[]): Axes {
  const total = parts.reduce((a, p) => a + Math.max(0, p.weight), 0);
  if (total === 0) throw new Error('fuseAxes: no weight');
  const avg = (k: keyof Axes) => parts.reduce((a, p) => a + p.axes[k] * Math.max(0, p.weight), 0) / total;
  return { temperature: avg('temperature'), value: avg('value'), chroma: avg('chroma') };
}
