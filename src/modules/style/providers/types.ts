/**
 * What a style analyser is, as the style router sees it. The offline analyser (style-core's
 * `analyser/`) and the Gemini adapter (gemini.ts) both implement `StyleAnalyser`.
 *
 * Defined here for the Gemini branch; at merge this file re-exports style-core's
 * `src/modules/style/analyser/types.ts`, which has exactly this shape.
 */
import type { TAnalysisKind, TColorAnswer, TFaceAnswer, TQuality } from '../../../../contracts/style.js';
import type { Analysis } from '../../perception/index.js';

export type AnalyserInput = {
  /** The selfie after intake (EXIF-rotated, stripped): its encoded bytes and its decoded sRGB pixels. */
  image: { bytes: Buffer; rgb: Buffer; width: number; height: number };
  /** The perception module's analysis of the same photo (faces with mesh and iris, measures). */
  perception: Analysis;
  kinds: TAnalysisKind[];
};

export type AnalyserOutput = {
  /** null when not asked for, or withheld by a quality issue of severity `error`. */
  face: TFaceAnswer | null;
  color: TColorAnswer | null;
  quality: TQuality;
  /** What the call cost in USD (0 offline). */
  costUsd?: number | undefined;
  /** The model that answered (a provider's model name), null offline. */
  model?: string | null | undefined;
};

export type StyleAnalyser = {
  name: 'local' | 'gemini';
  version: string;
  analyse(input: AnalyserInput, signal: AbortSignal): Promise<AnalyserOutput>;
};
