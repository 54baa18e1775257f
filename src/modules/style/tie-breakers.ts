/**
 * Targeted tie-breaks: when the two most likely seasons are close, the one or two quiz questions
 * whose answers would best separate them.
 *
 * "Close": the answer's point on the axes is less than one softmax temperature (TAU = 0.08 axis
 * units, seasons.ts) nearer to the first season than to the second. Within TAU the classifier
 * itself calls them comparable (their confidences, at full certainty, within a factor e of each
 * other), and a single decisive quiz answer moves the point by 0.1–0.3 along the line between
 * them: enough to settle it. Farther apart, no question is worth asking.
 *
 * "Separate": for each question not answered yet, how far apart its options' effects put the point
 * along the line from one season's prototype to the other (the axes weighted as the classifier
 * weighs them: temperature spans 2, so it counts half). The question with the widest spread is
 * named; a second one too when its spread is at least SECOND_SHARE of the first's.
 */
import type { TColorAnswer, TSeason12 } from '../../../contracts/style.js';
import { PROTOTYPES, TAU, classify, type Axes } from './seasons.js';
import { QUESTIONS, type Effect } from './quiz-data.js';

/** Seasons whose distances differ by less than this are a tie worth a question. */
export const TIE_GAP = TAU;
/** The second question is named when it separates at least this share as well as the first. */
export const SECOND_SHARE = 0.6;
/** A question that moves the point less than this along the line cannot settle anything. */
const MIN_SPREAD = 0.05;

/** The two most likely seasons and whether they are close (distance gap below TIE_GAP). */
export function closeSeasons(axes: Axes): { first: TSeason12; second: TSeason12; gap: number; close: boolean } {
  const [a, b] = classify(axes, 1).ranked;
  const gap = b!.distance - a!.distance;
  return { first: a!.season, second: b!.season, gap, close: gap < TIE_GAP };
}

/** How far apart a question's options put the point along the unit direction `u` (classifier's scale). */
function spread(options: { effect: Effect }[], u: Axes): number {
  const along = options.map((o) => ((o.effect.temperature ?? 0) / 2) * u.temperature + (o.effect.value ?? 0) * u.value + (o.effect.chroma ?? 0) * u.chroma);
  return Math.max(...along) - Math.min(...along);
}

/** The questions (not among `answered`) that best separate two seasons, best first, with their spread. */
export function separatingQuestions(first: TSeason12, second: TSeason12, answered: Iterable<string> = []): { id: string; spread: number }[] {
  const p = PROTOTYPES[first];
  const q = PROTOTYPES[second];
  const d = { temperature: (q.temperature - p.temperature) / 2, value: q.value - p.value, chroma: q.chroma - p.chroma };
  const n = Math.hypot(d.temperature, d.value, d.chroma) || 1;
  const u = { temperature: d.temperature / n, value: d.value / n, chroma: d.chroma / n };
  const skip = new Set(answered);
  return QUESTIONS.filter((x) => !skip.has(x.id))
    .map((x) => ({ id: x.id, spread: spread(x.options, u) }))
    .filter((x) => x.spread >= MIN_SPREAD)
    .sort((a, b) => b.spread - a.spread);
}

/**
 * The quiz questions to ask when the answer's top two seasons are close (none otherwise): one, or
 * two when the second separates them nearly as well. `answered`: question ids already answered.
 */
export function tieBreakers(color: Pick<TColorAnswer, 'axes'>, answered: Iterable<string> = []): string[] {
  const c = closeSeasons(color.axes);
  if (!c.close) return [];
  const qs = separatingQuestions(c.first, c.second, answered);
  if (qs.length === 0) return [];
  const [a, b] = qs;
  return b && b.spread >= SECOND_SHARE * a!.spread ? [a!.id, b.id] : [a!.id];
}
