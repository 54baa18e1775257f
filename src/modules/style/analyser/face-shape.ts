/**
 * Face shape from the mesh: after correcting the head's roll (the line between the outer eye
 * corners made level), five measures — face length over cheek width (mesh points 10→152 over
 * 234↔454), forehead (103↔332) and jaw (172↔397) over cheek width, the jaw angle (at 172/397,
 * between the cheek edge and the chin) and the chin angle (at 152, between 136 and 365) — and
 * soft scores over seven prototypes (a Gaussian on each measure, softmax over the shapes).
 *
 * The prototypes are the research notes' starting values, moved onto the mesh's scale (point 10
 * sits below the hairline, so the mesh's length reads ~15 % short) with the portrait fixture as a
 * mid-point; nothing here was calibrated on labelled faces, and geometry alone is a weak signal
 * (36–65 % in the literature), which is why all seven scores and the measures are returned.
 */
import { FACE_SHAPES, type TFaceAnswer, type TFaceShape } from '../../../../contracts/style.js';
import { FACE_ADVICE } from './advice.js';
import { round } from './colour.js';
import { angleAt, dist, mid, rotate, type Pt } from './geometry.js';

export type FaceMeasures = { lengthToCheek: number; foreheadToCheek: number; jawToCheek: number; jawAngle: number; chinAngle: number; roll: number };

export function measureFace(mesh: Pt[]): FaceMeasures {
  const outerR = mesh[33]!;
  const outerL = mesh[263]!;
  // The subject's right eye is on the image's left: the roll is the angle of the line right → left eye.
  const roll = (Math.atan2(outerL.y - outerR.y, outerL.x - outerR.x) * 180) / Math.PI;
  const c = mid(outerR, outerL);
  const p = rotate(mesh, c, -roll);
  const at = (i: number) => p[i]!;
  const cheek = Math.abs(at(454).x - at(234).x) || 1;
  const jawAngle = (angleAt(at(234), at(172), at(152)) + angleAt(at(454), at(397), at(152))) / 2;
  return {
    lengthToCheek: dist(at(10), at(152)) / cheek,
    foreheadToCheek: Math.abs(at(332).x - at(103).x) / cheek,
    jawToCheek: Math.abs(at(397).x - at(172).x) / cheek,
    jawAngle,
    chinAngle: angleAt(at(136), at(152), at(365)),
    roll,
  };
}

type Proto = Omit<FaceMeasures, 'roll'>;
/** Mid-point of the mesh's measures (the portrait fixture, rounded). */
const MID: Proto = { lengthToCheek: 1.14, foreheadToCheek: 0.75, jawToCheek: 0.8, jawAngle: 128, chinAngle: 112 };
const off = (d: Partial<Proto>): Proto => ({
  lengthToCheek: MID.lengthToCheek + (d.lengthToCheek ?? 0),
  foreheadToCheek: MID.foreheadToCheek + (d.foreheadToCheek ?? 0),
  jawToCheek: MID.jawToCheek + (d.jawToCheek ?? 0),
  jawAngle: MID.jawAngle + (d.jawAngle ?? 0),
  chinAngle: MID.chinAngle + (d.chinAngle ?? 0),
});
export const SHAPE_PROTOTYPES: Record<TFaceShape, Proto> = {
  oval: off({}),
  round: off({ lengthToCheek: -0.15, jawToCheek: 0.05, jawAngle: 8, chinAngle: 8 }),
  square: off({ lengthToCheek: -0.15, foreheadToCheek: 0.05, jawToCheek: 0.12, jawAngle: -8, chinAngle: 6 }),
  oblong: off({ lengthToCheek: 0.2, jawAngle: -2, chinAngle: -4 }),
  heart: off({ lengthToCheek: -0.02, foreheadToCheek: 0.08, jawToCheek: -0.07, chinAngle: -8 }),
  diamond: off({ lengthToCheek: 0.02, foreheadToCheek: -0.1, jawToCheek: -0.07, chinAngle: -6 }),
  triangle: off({ lengthToCheek: -0.04, foreheadToCheek: -0.1, jawToCheek: 0.15, chinAngle: 6 }),
};
/** How far one unit of each measure counts (about one shape's step). */
const SCALE: Proto = { lengthToCheek: 0.08, foreheadToCheek: 0.05, jawToCheek: 0.05, jawAngle: 8, chinAngle: 8 };
const KEYS = Object.keys(SCALE) as (keyof Proto)[];

export function faceShapeScores(m: FaceMeasures): { shape: TFaceShape; score: number }[] {
  const logits = FACE_SHAPES.map((s) => -0.5 * KEYS.reduce((a, k) => a + ((m[k] - SHAPE_PROTOTYPES[s][k]) / SCALE[k]) ** 2, 0));
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return FACE_SHAPES.map((shape, i) => ({ shape, score: e[i]! / sum })).sort((a, b) => b.score - a.score);
}

/** The face answer; `certainty` (the photo's quality) flattens the scores toward uniform. */
export function faceAnswer(mesh: Pt[], certainty: number): TFaceAnswer {
  const m = measureFace(mesh);
  const c = Math.max(0, Math.min(1, certainty));
  const scores = faceShapeScores(m).map((s) => ({ shape: s.shape, score: c * s.score + (1 - c) / FACE_SHAPES.length }));
  const [top, second] = scores as [{ shape: TFaceShape; score: number }, { shape: TFaceShape; score: number }];
  return {
    shape: top.shape,
    confidence: round(top.score, 3),
    runner_up: { shape: second.shape, confidence: round(second.score, 3) },
    scores: scores.map((s) => ({ shape: s.shape, score: round(s.score, 4) })),
    measurements: {
      length_to_cheek: round(m.lengthToCheek, 3),
      forehead_to_cheek: round(m.foreheadToCheek, 3),
      jaw_to_cheek: round(m.jawToCheek, 3),
      jaw_angle_deg: round(m.jawAngle, 1),
      chin_angle_deg: round(m.chinAngle, 1),
      roll_deg: round(m.roll, 1),
    },
    advice: FACE_ADVICE[top.shape],
  };
}
