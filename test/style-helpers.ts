/**
 * Inputs for the style analysers built from the fixture portrait (astronaut.png, public domain):
 * the selfie scaled to a side, decoded to RGB, with a perception analysis that places the face
 * where it is in the picture (box measured by hand on the 512 px original). Used by the unit tests
 * of the Gemini adapter, the style router and the job's handler, which do not run the face models.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Analysis } from '../src/modules/perception/index.js';
import type { AnalyserInput, AnalyserOutput } from '../src/modules/style/analyser/types.js';
import { toAnswer } from '../src/modules/style/providers/gemini-answer.js';
import type { TAnalysisKind } from '../contracts/style.js';

export const PORTRAIT = readFileSync(new URL('./fixtures/astronaut.png', import.meta.url));
/** The face in the 512 px portrait (forehead to chin, ear to ear). */
const FACE_512 = { x: 172, y: 62, width: 108, height: 128 };

export async function selfieInput(opts: { side?: number; kinds?: TAnalysisKind[]; face?: boolean } = {}): Promise<AnalyserInput> {
  const side = opts.side ?? 512;
  const bytes = side === 512 ? PORTRAIT : await sharp(PORTRAIT).resize(side, side).png().toBuffer();
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const k = side / 512;
  const box = { x: FACE_512.x * k, y: FACE_512.y * k, width: FACE_512.width * k, height: FACE_512.height * k };
  const p = (x: number, y: number) => ({ x: x * k, y: y * k });
  const perception: Analysis = {
    level: 'faces',
    width: side,
    height: side,
    models: true,
    faces:
      opts.face === false
        ? []
        : [
            {
              box,
              score: 0.97,
              age: null,
              rotation: { yaw: 0, pitch: 0, roll: 0 },
              mesh: [],
              landmarks: { leftEye: p(200, 112), rightEye: p(250, 112), leftIris: p(200, 112), rightIris: p(250, 112), noseTip: p(225, 135), mouth: p(225, 160) },
            },
          ],
    bodies: [],
    measures: { width: side, height: side, sharpness: 120, brightness: 130, clippedDark: 0.01, clippedBright: 0.01, cast: { a: 4, b: 9, magnitude: 9.8 }, face: { brightness: 150, clippedDark: 0, clippedBright: 0 } },
    timings: { decodeMs: 0, detectMs: 0, totalMs: 0 },
  };
  return { bytes, rgb: data, width: info.width, height: info.height, perception, kinds: opts.kinds ?? ['face', 'color'] };
}

/**
 * A stand-in for the offline analyser implementing the StyleAnalyser interface, for the router's
 * and the job handler's own tests (which are about the fallback, not its answer, and run without
 * the face models): a fixed, valid face and colour answer, its runs counted; `failNext(n)` makes
 * the next n runs throw. The real analyser behind the API is tested in style-gemini.test.ts.
 */
export function standInLocalAnalyser() {
  let failures = 0;
  const a = {
    name: 'local' as const,
    version: 'stand-in-1',
    runs: 0,
    failNext(n: number) {
      failures = n;
    },
    async analyse(input: AnalyserInput, signal: AbortSignal): Promise<AnalyserOutput> {
      a.runs++;
      if (signal.aborted) throw new Error('aborted');
      if (failures > 0) {
        failures--;
        throw new Error('the offline analyser failed');
      }
      const answer = toAnswer(
        {
          face: { shape_scores: { oval: 0.2, round: 0.5, square: 0.1, heart: 0.05, oblong: 0.05, diamond: 0.05, triangle: 0.05 }, measurements: { length_to_cheek: 1.2, forehead_to_cheek: 0.9, jaw_to_cheek: 0.85, jaw_angle_deg: 140, chin_angle_deg: 120, roll_deg: 0 } },
          color: {
            undertone: 'cool',
            depth: 'light',
            chroma: 'soft',
            contrast: 'low',
            season12: 'light_summer',
            top3: ['light_summer', 'soft_summer', 'true_summer'],
            axes: { temperature: -0.4, value: 0.82, chroma: 0.38 },
            measured: { skin: '#e8c8b4', eyes: '#6a7f99', lips: '#c98a8a', hair: '#a8875f' },
          },
          quality: { score: 0.8, issues: [] },
        },
        input.kinds,
      );
      return { ...answer, costUsd: 0, model: null };
    },
  };
  return a;
}
