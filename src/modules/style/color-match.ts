/**
 * "Does this colour suit me": a colour against a season's palette by ΔE2000 (culori).
 *
 * - delta_e.best: to the nearest of the palette's best colours and neutrals (`nearest` names it);
 *   delta_e.avoid: to the nearest of its colours to avoid.
 * - verdict: `flatters` when the nearest best colour is within FLATTERS_DE and nearer than any
 *   colour to avoid; `avoid` when a colour to avoid is within AVOID_DE and nearer than any best
 *   colour; `neutral` otherwise (far from both, or as near to both).
 *   Why 10: ΔE2000 ≈ 2.3 is a just-noticeable difference and a palette names colour families whose
 *   members sit a median ~12–15 apart (palettes.test.ts); within 10 a garment reads as that
 *   family (a shade lighter or duller), beyond it as another colour.
 * - score 0–1: 0.5 + (min(ΔE avoid, 30) − min(ΔE best, 30)) / 60. 1 on a best colour far from any
 *   to avoid, 0 on a colour to avoid far from any best one, 0.5 when equally near (or far) to both.
 *
 * A catalog product's colour is scored against all 12 palettes once, when the colour is stored
 * (colorFit: 12 × ~27 ΔE2000, about 0.2 ms): the catalog keeps the FIT_STRIDE numbers per season in
 * `products.color_fit` (with FIT_VERSION, so a palette change is recomputed from the stored Lab,
 * without image work). Ranking a whole catalog for a season is then one query that orders by the
 * stored score: no ΔE2000 at request time. (The same 10,000 × 27 ΔE2000 at request time cost
 * 100–190 ms here, and reading 10,000 rows out of PGlite ~100 ms: bench/RESULTS.md.)
 */
import { differenceCiede2000 } from 'culori';
import { SEASONS_12, type TColorMatch, type TSeason12 } from '../../../contracts/style.js';
import { paletteFor, type TLab, type TNamedColor } from './palettes.js';

export const FLATTERS_DE = 10;
export const AVOID_DE = 10;
const SCORE_CAP = 30;
/** Bump when the palettes or the scoring change: stored fits of another version are recomputed. */
export const FIT_VERSION = '1';
/** Numbers per season in a colour's fit: score, ΔE best, ΔE avoid, verdict (1 flatters, 0 neutral, −1 avoid), nearest best colour's index. */
export const FIT_STRIDE = 5;

type Verdict = TColorMatch['verdict'];
export type Match = { verdict: Verdict; score: number; delta_e: { best: number; avoid: number | null }; nearest: TNamedColor };

const de2000 = differenceCiede2000();
type LabC = { mode: 'lab65'; l: number; a: number; b: number };

type Prepared = { best: TNamedColor[]; bestLab: LabC[]; avoidLab: LabC[] };
const prepared = new Map<TSeason12, Prepared>();

function prepare(season: TSeason12): Prepared {
  let p = prepared.get(season);
  if (p) return p;
  const palette = paletteFor(season);
  const best = [...palette.best, ...palette.neutrals];
  const lab = (c: TNamedColor): LabC => ({ mode: 'lab65', l: c.lab.l, a: c.lab.a, b: c.lab.b });
  p = { best, bestLab: best.map(lab), avoidLab: palette.avoid.map(lab) };
  prepared.set(season, p);
  return p;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

export function verdictOf(dBest: number, dAvoid: number | null): Verdict {
  const avoid = dAvoid ?? Infinity;
  if (dBest <= FLATTERS_DE && dBest < avoid) return 'flatters';
  if (avoid <= AVOID_DE && avoid < dBest) return 'avoid';
  return 'neutral';
}

export function scoreOf(dBest: number, dAvoid: number | null): number {
  const avoid = Math.min(dAvoid ?? SCORE_CAP, SCORE_CAP);
  return round(Math.min(1, Math.max(0, 0.5 + (avoid - Math.min(dBest, SCORE_CAP)) / (2 * SCORE_CAP))), 3);
}

/** Nearest of a list by full ΔE2000: [index, ΔE]. */
function nearestFull(x: LabC, list: LabC[]): [number, number] {
  let bi = -1;
  let bd = Infinity;
  for (let i = 0; i < list.length; i++) {
    const d = de2000(list[i]!, x);
    if (d < bd) {
      bd = d;
      bi = i;
    }
  }
  return [bi, bd];
}

function matchOf(p: Prepared, best: [number, number], avoid: [number, number]): Match {
  const dBest = round(best[1], 2);
  const dAvoid = avoid[0] >= 0 ? round(avoid[1], 2) : null;
  return { verdict: verdictOf(dBest, dAvoid), score: scoreOf(dBest, dAvoid), delta_e: { best: dBest, avoid: dAvoid }, nearest: p.best[best[0]]! };
}

/** One colour against the season's palette (full ΔE2000 search). */
export function matchColor(season: TSeason12, lab: TLab): Match {
  const p = prepare(season);
  const x: LabC = { mode: 'lab65', l: lab.l, a: lab.a, b: lab.b };
  return matchOf(p, nearestFull(x, p.bestLab), nearestFull(x, p.avoidLab));
}

const VERDICT_CODE: Record<Verdict, number> = { flatters: 1, neutral: 0, avoid: -1 };
const VERDICT_OF_CODE: Record<number, Verdict> = { 1: 'flatters', 0: 'neutral', [-1]: 'avoid' };

/** Where a season's numbers start in a fit (0-based). */
export const fitOffset = (season: TSeason12): number => SEASONS_12.indexOf(season) * FIT_STRIDE;
/** Where in a season's numbers the score and the verdict code are. */
export const FIT_SCORE = 0;
export const FIT_VERDICT = 3;
export const verdictCode = (v: Verdict): number => VERDICT_CODE[v];

/** A colour scored against all 12 palettes: FIT_STRIDE numbers per season, in SEASONS_12 order (ΔE avoid −1 when none). */
export function colorFit(lab: TLab): number[] {
  const out: number[] = [];
  for (const season of SEASONS_12) {
    const m = matchColor(season, lab);
    out.push(m.score, m.delta_e.best, m.delta_e.avoid ?? -1, VERDICT_CODE[m.verdict], prepare(season).best.indexOf(m.nearest));
  }
  return out;
}

/** A stored fit's numbers for one season (FIT_STRIDE of them) as a match. */
export function matchFromFit(season: TSeason12, slice: ArrayLike<number>): Match {
  const p = prepare(season);
  // Stored as float4: back to the precision they were computed with.
  const dBest = round(slice[1]!, 2);
  const dAvoid = slice[2]! < 0 ? null : round(slice[2]!, 2);
  return { verdict: VERDICT_OF_CODE[Math.round(slice[3]!)] ?? verdictOf(dBest, dAvoid), score: round(slice[0]!, 3), delta_e: { best: dBest, avoid: dAvoid }, nearest: p.best[Math.round(slice[4]!)] ?? p.best[0]! };
}
