/**
 * A colour answer from a point on the season axes and how sure its source is, and the fusion of two
 * answers (a photo analysis with the quiz): the axes averaged with each answer's certainty as its
 * weight (seasons.ts fuseAxes), then classified again.
 *
 * An answer does not carry its certainty as a field, but classify() made its confidences from it:
 * confidence = certainty × softmax + (1 − certainty) / 12, so certaintyOf() reads it back from the
 * top season's confidence and the axes. The fused answer is surer than either part (two independent
 * sources): 1 − (1 − c₁)(1 − c₂), at most MAX_FUSED_CERTAINTY.
 */
import { SEASONS_12, type TColorAnswer } from '../../../contracts/style.js';
import { classify, fuseAxes, type Axes } from './seasons.js';
import { paletteFor } from './palettes.js';
import { tieBreakers } from './tie-breakers.js';

export const MAX_FUSED_CERTAINTY = 0.95;
/** An answer read as less sure than this still counts a little (a weight of 0 would drop it). */
const MIN_CERTAINTY = 0.05;

type Contrast = TColorAnswer['contrast'];

const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;

/** Depth, chroma and contrast words for a point on the axes (contrast when nothing measured it). */
export function describeAxes(axes: Axes): { depth: TColorAnswer['depth']; chroma: TColorAnswer['chroma']; contrast: Contrast } {
  return {
    depth: axes.value >= 0.65 ? 'light' : axes.value <= 0.35 ? 'deep' : 'medium',
    chroma: axes.chroma >= 0.65 ? 'clear' : axes.chroma <= 0.3 ? 'soft' : 'medium',
    contrast: axes.chroma >= 0.7 ? 'high' : axes.chroma <= 0.3 ? 'low' : 'medium',
  };
}

/** Warm or cool beyond ±0.2; olive when the skin was said (or seen) to be olive and it is not clearly cool. */
export function undertoneOf(axes: Axes, olive: boolean): TColorAnswer['undertone'] {
  if (olive && axes.temperature > -0.25) return 'olive';
  return axes.temperature > 0.2 ? 'warm' : axes.temperature < -0.2 ? 'cool' : 'neutral';
}

export type AnswerInput = {
  axes: Axes;
  /** 0–1: how far the source can be trusted (classify flattens its confidences by it). */
  certainty: number;
  contrast?: Contrast | undefined;
  olive?: boolean;
  measured?: TColorAnswer['measured'];
  whiteBalance?: TColorAnswer['white_balance'];
  /** Quiz questions already answered (not suggested as tie-breakers). */
  answered?: Iterable<string>;
};

/** The full colour answer (seasons, words, palette, tie-breakers) for a point on the axes. */
export function colorAnswerFromAxes(input: AnswerInput): TColorAnswer {
  const axes = { temperature: round(input.axes.temperature), value: round(input.axes.value), chroma: round(input.axes.chroma) };
  const c = classify(axes, input.certainty);
  const top = c.ranked[0]!;
  const words = describeAxes(axes);
  return {
    undertone: undertoneOf(axes, input.olive ?? false),
    depth: words.depth,
    chroma: words.chroma,
    contrast: input.contrast ?? words.contrast,
    season4: { season: c.season4.season, confidence: round(c.season4.confidence) },
    season12: { season: top.season, confidence: round(top.confidence) },
    top3: c.ranked.slice(0, 3).map((r) => ({ season: r.season, confidence: round(r.confidence) })),
    margin: round(c.margin),
    axes,
    measured: input.measured ?? null,
    palette: paletteFor(top.season),
    white_balance: input.whiteBalance ?? { method: 'none', gains: { r: 1, g: 1, b: 1 }, cast_strength: 0 },
    tie_breakers: tieBreakers({ axes }, input.answered ?? []),
  };
}

/** The certainty an answer was classified with, read back from its top confidence (see the file's comment). */
export function certaintyOf(color: Pick<TColorAnswer, 'axes' | 'season12'>): number {
  const sure = classify(color.axes, 1).ranked.find((r) => r.season === color.season12.season);
  const uniform = 1 / SEASONS_12.length;
  if (!sure || sure.confidence - uniform < 1e-6) return MIN_CERTAINTY;
  return Math.min(1, Math.max(MIN_CERTAINTY, (color.season12.confidence - uniform) / (sure.confidence - uniform)));
}

/**
 * Fuse a photo analysis's colour answer with the quiz's: each weighted by its certainty. The
 * photo's measured colours, white balance and measured contrast stay; olive if either saw it.
 */
export function fuseColorAnswers(photo: TColorAnswer, quiz: { color: TColorAnswer; certainty: number; olive: boolean; answered: string[] }): { color: TColorAnswer; certainty: number; weights: { photo: number; quiz: number } } {
  const wPhoto = certaintyOf(photo);
  const wQuiz = Math.max(MIN_CERTAINTY, quiz.certainty);
  const axes = fuseAxes([
    { axes: photo.axes, weight: wPhoto },
    { axes: quiz.color.axes, weight: wQuiz },
  ]);
  const certainty = Math.min(MAX_FUSED_CERTAINTY, 1 - (1 - wPhoto) * (1 - wQuiz));
  const color = colorAnswerFromAxes({
    axes,
    certainty,
    // A measured contrast (the photo's) wins over the quiz's self-report.
    contrast: photo.measured ? photo.contrast : quiz.color.contrast,
    olive: quiz.olive || photo.undertone === 'olive',
    measured: photo.measured,
    whiteBalance: photo.white_balance,
    answered: quiz.answered,
  });
  return { color, certainty, weights: { photo: round(wPhoto), quiz: round(wQuiz) } };
}
