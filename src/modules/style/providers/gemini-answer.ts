/**
 * The model's structured answer (validated against gemini-schema.ts) made into our answer:
 * - face: the seven shape scores normalised to sum 1, highest first; the shape is the top one,
 *   its confidence the normalised score; measurements as the model estimated them; advice fixed
 *   per shape (the offline analyser's texts, analyser/advice.ts);
 * - colour: seasons from the model's axes through `classify()` — our prototypes and confidences,
 *   not the model's own label — flattened by a certainty that is the photo's quality score times
 *   the agreement of the model's label with the axes (1 when its season12 is our first, 0.8 when
 *   in our top three, 0.6 otherwise); measured colours (hex the model sampled) get CIELAB, ITA,
 *   hue and chroma and the Monk level by culori (the offline analyser's functions); the palette is
 *   `paletteFor()`; white balance: `none` (the model judges the light itself, nothing is corrected
 *   on our side); `tie_breakers` empty (the style service fills them, as for every analyser);
 * - quality: the model's score and issues, with our texts (analyser/retake-text.ts); an `error`
 *   issue withholds the answers it affects.
 * An incomplete answer (a kind asked for and neither answered nor withheld by an error issue) is
 * an error: the caller turns it into a ProviderError and the router falls back.
 */
import { FACE_SHAPES, type TAnalysisKind, type TColorAnswer, type TFaceAnswer, type TQuality } from '../../../../contracts/style.js';
import { classify } from '../seasons.js';
import { paletteFor } from '../palettes.js';
import { FACE_ADVICE, RETAKE_TEXT, chromaOf, hexToLab, hueAngle, itaCategory, itaOf, monkLevel, round } from '../analyser/index.js';
import type { TGeminiAnswer, TGeminiColor, TGeminiFace } from './gemini-schema.js';

export class IncompleteAnswer extends Error {
  override name = 'IncompleteAnswer';
}

const r2 = (n: number) => round(n, 2);
const r4 = (n: number) => round(n, 4);

/** A hex colour the model sampled, with its CIELAB (D65) by culori, as the offline analyser reports colours. */
export function measuredColor(hex: string) {
  const h = hex.toLowerCase();
  const c = hexToLab(h);
  return { hex: h, lab: { l: r2(c.l), a: r2(c.a), b: r2(c.b) } };
}

/** The skin's measures from its hex: ITA° and band, hue, chroma, Monk level — the offline analyser's functions (analyser/colour.ts). */
export function skinMeasures(hex: string) {
  const m = measuredColor(hex);
  const ita = itaOf(m.lab);
  return { ...m, ita: r2(ita), ita_category: itaCategory(ita), hue_angle: r2(hueAngle(m.lab)), chroma: r2(chromaOf(m.lab)), monk: monkLevel(m.lab) };
}

export function faceAnswer(f: TGeminiFace): TFaceAnswer {
  const raw = FACE_SHAPES.map((shape) => ({ shape, score: Math.max(0, f.shape_scores[shape]) }));
  const sum = raw.reduce((a, s) => a + s.score, 0);
  if (!(sum > 0)) throw new IncompleteAnswer('every face shape scored 0');
  const scores = raw.map((s) => ({ shape: s.shape, score: r4(s.score / sum) })).sort((a, b) => b.score - a.score);
  const [top, second] = [scores[0]!, scores[1]!];
  return {
    shape: top.shape,
    confidence: top.score,
    runner_up: { shape: second.shape, confidence: second.score },
    scores,
    measurements: { ...f.measurements },
    advice: structuredClone(FACE_ADVICE[top.shape]),
  };
}

export function colorAnswer(c: TGeminiColor, photoQuality: number): TColorAnswer {
  const first = classify(c.axes);
  const rank = first.ranked.findIndex((r) => r.season === c.season12);
  const agreement = rank === 0 ? 1 : rank > 0 && rank < 3 ? 0.8 : 0.6;
  const k = classify(c.axes, Math.min(1, Math.max(0, photoQuality)) * agreement);
  const score = (r: { season: (typeof k.ranked)[number]['season']; confidence: number }) => ({ season: r.season, confidence: r4(r.confidence) });
  const m = c.measured;
  return {
    undertone: c.undertone,
    depth: c.depth,
    chroma: c.chroma,
    contrast: c.contrast,
    season4: { season: k.season4.season, confidence: r4(k.season4.confidence) },
    season12: score(k.ranked[0]!),
    top3: k.ranked.slice(0, 3).map(score),
    margin: r4(k.margin),
    axes: { ...c.axes },
    measured: m.skin
      ? { skin: skinMeasures(m.skin), eyes: m.eyes ? measuredColor(m.eyes) : null, lips: m.lips ? measuredColor(m.lips) : null, hair: m.hair ? measuredColor(m.hair) : null }
      : null,
    palette: paletteFor(k.ranked[0]!.season),
    white_balance: { method: 'none', gains: { r: 1, g: 1, b: 1 }, cast_strength: 0 },
    tie_breakers: [], // filled by the style service for every analyser (tieBreakers)
  };
}

/** Our answer from the model's, for the kinds asked for. */
export function toAnswer(a: TGeminiAnswer, kinds: readonly TAnalysisKind[]): { face: TFaceAnswer | null; color: TColorAnswer | null; quality: TQuality } {
  const seen = new Set<string>();
  const issues: TQuality['issues'] = [];
  for (const i of a.quality.issues) {
    const affects = [...new Set(i.affects)].filter((k) => kinds.includes(k));
    if (affects.length === 0 || seen.has(i.code)) continue;
    seen.add(i.code);
    issues.push({ code: i.code, severity: i.severity, affects, message: { ...RETAKE_TEXT[i.code].message }, tip: { ...RETAKE_TEXT[i.code].tip } });
  }
  const withheld = (k: TAnalysisKind) => issues.some((i) => i.severity === 'error' && i.affects.includes(k));
  const quality: TQuality = { score: r4(a.quality.score), retake: kinds.some(withheld), issues };
  const pick = <T>(k: TAnalysisKind, v: T | null | undefined): T | null => {
    if (!kinds.includes(k) || withheld(k)) return null;
    if (v === null || v === undefined) throw new IncompleteAnswer(`no ${k} answer, and no issue that withholds it`);
    return v;
  };
  const f = pick('face', a.face);
  const c = pick('color', a.color);
  return { face: f ? faceAnswer(f) : null, color: c ? colorAnswer(c, quality.score) : null, quality };
}
