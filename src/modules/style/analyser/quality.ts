/**
 * Retake gates: measures of the photo → quality issues (code, severity, which answers they
 * affect, the EN/ES message and tip, the numbers behind them) and a 0–1 score. An `error` withholds
 * the answers it affects (retake); a `warning` lowers the confidence. Thresholds were set on the
 * portrait fixture and pictures made from it (blurred, darkened, brightened, turned): see the tests.
 */
import type { TAnalysisKind, TQuality, TRetakeCode } from '../../../../contracts/style.js';
import { clamp, norm, round } from './colour.js';
import { RETAKE_TEXT } from './retake-text.js';

export type Issue = TQuality['issues'][number];

export function issue(code: TRetakeCode, severity: 'error' | 'warning', affects: TAnalysisKind[], detail?: Record<string, unknown>): Issue {
  return { code, severity, affects, message: RETAKE_TEXT[code].message, tip: RETAKE_TEXT[code].tip, ...(detail ? { detail } : {}) };
}

export type PhotoMeasures = {
  /** Face box width over the picture's width, and in pixels of the photo. */
  faceShare: number;
  facePixels: number;
  /** Head rotation from the face model, and the yaw read from the mesh's left/right asymmetry. */
  yaw: number;
  pitch: number;
  meshYaw: number;
  eyesOpen: boolean;
  irisFound: boolean;
  /** Laplacian variance of the face, scaled to 160 px wide, over its squared mean luma (sample.ts boxSharpness). */
  sharpness: number;
  /** Mean luma of the whole picture (0–255). */
  sceneBrightness: number;
  /** Blown and crushed fractions of the face's pixels. */
  faceClipBright: number;
  faceClipDark: number;
  /** L* of the whites of the eyes before correction (null when not found). */
  scleraL: number | null;
  /** |ΔL*| between the two cheeks. */
  cheekDeltaL: number | null;
  castStrength: number;
  /** The white balance hit its cap and left this much cast (ΔE2000). */
  residualCast: number;
  capped: boolean;
  skinChroma: number | null;
  skinHue: number | null;
  lipsChroma: number | null;
  hairFound: boolean;
};

export const LIMITS = {
  faceShareError: 0.1,
  faceShareWarning: 0.18,
  facePixelsError: 60,
  yawFaceError: 20,
  yawColorError: 35,
  yawWarning: 12,
  pitchError: 25,
  facePixelsWarning: 160,
  sharpnessError: 30,
  sharpnessWarning: 80,
  sceneDark: 40,
  scleraDark: 32,
  faceClipDark: 0.25,
  faceClipBright: 0.12,
  cheekWarning: 10,
  cheekError: 22,
  castWarning: 10,
  residualError: 6,
  skinChromaMax: 38,
  skinHueMin: 25,
  skinHueMax: 100,
  lipsChromaMax: 50,
} as const;

const ALL: TAnalysisKind[] = ['face', 'color'];

/** Issues of a photo with one face (no_face and multiple_faces are decided before). */
export function assess(m: PhotoMeasures): Issue[] {
  const L = LIMITS;
  const out: Issue[] = [];
  if (m.faceShare < L.faceShareError || m.facePixels < L.facePixelsError) out.push(issue('face_too_small', 'error', ALL, { face_share: round(m.faceShare, 3), face_pixels: Math.round(m.facePixels) }));
  else if (m.faceShare < L.faceShareWarning || m.facePixels < L.facePixelsWarning) out.push(issue('face_too_small', 'warning', ALL, { face_share: round(m.faceShare, 3), face_pixels: Math.round(m.facePixels) }));
  const yaw = Math.max(Math.abs(m.yaw), Math.abs(m.meshYaw));
  const turned = { yaw: round(m.yaw, 1), mesh_yaw: round(m.meshYaw, 1), pitch: round(m.pitch, 1) };
  if (yaw > L.yawColorError) out.push(issue('head_turned', 'error', ALL, turned));
  else if (yaw > L.yawFaceError || Math.abs(m.pitch) > L.pitchError) out.push(issue('head_turned', 'error', ['face'], turned));
  else if (yaw > L.yawWarning) out.push(issue('head_turned', 'warning', ALL, turned));
  if (!m.eyesOpen || !m.irisFound) out.push(issue('eyes_not_visible', 'warning', ['color'], { eyes_open: m.eyesOpen, iris_found: m.irisFound }));
  if (m.sharpness < L.sharpnessError) out.push(issue('blurry', 'error', ALL, { sharpness: round(m.sharpness, 1) }));
  else if (m.sharpness < L.sharpnessWarning) out.push(issue('blurry', 'warning', ALL, { sharpness: round(m.sharpness, 1) }));
  const dark = m.sceneBrightness < L.sceneDark || (m.scleraL !== null && m.scleraL < L.scleraDark) || m.faceClipDark > L.faceClipDark;
  if (dark) out.push(issue('too_dark', 'error', ['color'], { brightness: round(m.sceneBrightness, 1), sclera_l: m.scleraL === null ? null : round(m.scleraL, 1), face_crushed: round(m.faceClipDark, 3) }));
  if (m.faceClipBright > L.faceClipBright) out.push(issue('overexposed', 'error', ['color'], { face_blown: round(m.faceClipBright, 3) }));
  if (m.cheekDeltaL !== null && m.cheekDeltaL > L.cheekError) out.push(issue('uneven_light', 'error', ['color'], { cheek_delta_l: round(m.cheekDeltaL, 1) }));
  else if (m.cheekDeltaL !== null && m.cheekDeltaL > L.cheekWarning) out.push(issue('uneven_light', 'warning', ['color'], { cheek_delta_l: round(m.cheekDeltaL, 1) }));
  if (m.capped && m.residualCast > L.residualError) out.push(issue('colored_light', 'error', ['color'], { cast_strength: round(m.castStrength, 1), residual: round(m.residualCast, 1) }));
  else if (m.castStrength > L.castWarning) out.push(issue('colored_light', 'warning', ['color'], { cast_strength: round(m.castStrength, 1) }));
  const oddSkin = m.skinChroma !== null && m.skinHue !== null && (m.skinChroma > L.skinChromaMax || m.skinHue < L.skinHueMin || m.skinHue > L.skinHueMax);
  const oddLips = m.lipsChroma !== null && m.lipsChroma > L.lipsChromaMax;
  if (oddSkin || oddLips) out.push(issue('makeup_or_filter_suspected', 'warning', ['color'], { skin_chroma: m.skinChroma === null ? null : round(m.skinChroma, 1), skin_hue: m.skinHue === null ? null : round(m.skinHue, 1), lips_chroma: m.lipsChroma === null ? null : round(m.lipsChroma, 1) }));
  if (!m.hairFound) out.push(issue('hair_not_visible', 'warning', ['color']));
  return out;
}

/**
 * A photo without a face: `no_face`, and the likely reason when the picture shows one (so dark or
 * so blown that the face model could not find the face). Blur is not guessed here: a plain wall
 * has as little detail as a blurred photo.
 */
export function noFace(measures: { brightness: number; clippedBright: number }): Issue[] {
  const all: TAnalysisKind[] = ['face', 'color'];
  const out = [issue('no_face', 'error', all)];
  if (measures.brightness < LIMITS.sceneDark) out.push(issue('too_dark', 'error', all, { brightness: round(measures.brightness, 1) }));
  if (measures.clippedBright > 0.5) out.push(issue('overexposed', 'error', all, { blown: round(measures.clippedBright, 3) }));
  return out;
}

/** 0–1: the product of soft factors (sharpness, pose, size, exposure, evenness, light). */
export function scoreOf(m: PhotoMeasures): number {
  const L = LIMITS;
  const yaw = Math.max(Math.abs(m.yaw), Math.abs(m.meshYaw));
  const sharp = 0.4 + 0.6 * norm(Math.log(Math.max(1, m.sharpness)), Math.log(L.sharpnessError), Math.log(L.sharpnessWarning * 2));
  const pose = 1 - clamp((yaw - 5) / 40, 0, 0.6) - clamp((Math.abs(m.pitch) - 10) / 50, 0, 0.3);
  const size = 0.6 + 0.4 * Math.min(norm(m.faceShare, L.faceShareError, L.faceShareWarning + 0.07), norm(m.facePixels, L.facePixelsError, L.facePixelsWarning + 60));
  const exposure = 1 - clamp(3 * m.faceClipBright + 3 * m.faceClipDark, 0, 0.6) - (m.sceneBrightness < L.sceneDark ? 0.3 : 0) - (m.scleraL !== null && m.scleraL < L.scleraDark + 10 ? 0.15 : 0);
  const even = 1 - clamp(((m.cheekDeltaL ?? 0) - 5) / 30, 0, 0.5);
  const light = 1 - clamp((m.castStrength - 6) / 30, 0, 0.4);
  return round(clamp(sharp * pose * size * exposure * even * light, 0, 1), 3);
}

export function qualityOf(issues: Issue[], score: number, kinds: TAnalysisKind[]): TQuality {
  const relevant = issues.filter((i) => i.affects.some((k) => kinds.includes(k)));
  return { score, retake: relevant.some((i) => i.severity === 'error'), issues: relevant };
}

/** True when an error issue withholds this answer. */
export const withheld = (issues: Issue[], kind: TAnalysisKind) => issues.some((i) => i.severity === 'error' && i.affects.includes(kind));
