/**
 * The one seam between the style module and whatever analyses a selfie: the offline analyser
 * (`local`, this folder) and the Gemini adapter (`../providers/gemini.ts`), both behind the style
 * router (`../providers/router.ts`). The service (in the request) or the `style.analyse` job
 * decodes the selfie, runs perception (face mesh + iris) and calls `analyse`; an analyser answers
 * the three parts of the contract (`face`, `color`, `quality`). A part not asked for (kinds) or
 * withheld by a retake issue is null.
 */
import type { TAnalysisKind, TColorAnswer, TFaceAnswer, TQuality } from '../../../../contracts/style.js';
import type { Analysis } from '../../perception/index.js';

export type AnalyserInput = {
  /** The stored selfie as encoded (JPEG after intake), for analysers that send it on. */
  bytes: Buffer;
  /** The same selfie decoded: 8-bit sRGB, 3 channels, EXIF-rotated, longest side ≤ 1024 px. */
  rgb: Buffer;
  width: number;
  height: number;
  /** Perception of the selfie (`mesh` level: faces with their 478-point mesh and iris; no body, no age), in the photo's own pixels. */
  perception: Analysis;
  kinds: TAnalysisKind[];
};

export type AnalyserOutput = {
  face: TFaceAnswer | null;
  color: TColorAnswer | null;
  quality: TQuality;
  /** A provider's model and what the call cost (the offline analyser: null and 0). */
  model?: string | null;
  costUsd?: number;
};

export type StyleAnalyser = {
  name: 'local' | 'gemini';
  version: string;
  analyse(input: AnalyserInput, signal: AbortSignal): Promise<AnalyserOutput>;
};
