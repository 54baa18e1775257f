/**
 * Result fidelity: did a try-on keep the person? Compares the input photo and the result:
 * - body: mean displacement of keypoints found in both (result scaled to the input's size),
 *   divided by the torso length (shoulder-centre to hip-centre) → 1 = same pose, 0 = ≥ 25 % off;
 * - face: the same for the 478-point mesh relative to the face's width (landmarks), and the
 *   normalised cross-correlation of the face region's grey pixels (identity, expression, detail).
 * The score is the mean of what could be measured, or null when neither photo had a person.
 */
import sharp from 'sharp';
import type { Analysis, Box, Keypoint } from './types.js';

export type Fidelity = { score: number | null; body: number | null; face: number | null; faceLandmarks: number | null; facePixels: number | null };

const mid = (a: Keypoint | undefined, b: Keypoint | undefined) => (a && b ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : undefined);
const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
const r3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);

export function bodyFidelity(before: Analysis, after: Analysis, minScore = 0.3): number | null {
  const a = before.bodies[0];
  const b = after.bodies[0];
  if (!a || !b) return null;
  const kp = (list: Keypoint[], part: string) => list.find((k) => k.part === part && k.score >= minScore);
  const shoulders = mid(kp(a.keypoints, 'leftShoulder'), kp(a.keypoints, 'rightShoulder'));
  const hips = mid(kp(a.keypoints, 'leftHip'), kp(a.keypoints, 'rightHip'));
  const torso = shoulders && hips ? Math.hypot(shoulders.x - hips.x, shoulders.y - hips.y) : a.box.height / 2.5;
  if (!(torso > 0)) return null;
  const sx = before.width / after.width;
  const sy = before.height / after.height;
  const d: number[] = [];
  for (const k of a.keypoints) {
    if (k.score < minScore) continue;
    const o = kp(b.keypoints, k.part);
    if (!o) continue;
    d.push(Math.hypot(o.x * sx - k.x, o.y * sy - k.y) / torso);
  }
  if (d.length < 3) return null;
  const mean = d.reduce((s, v) => s + v, 0) / d.length;
  return clamp01(1 - mean / 0.25);
}

export function faceLandmarkFidelity(before: Analysis, after: Analysis): number | null {
  const a = before.faces[0];
  const b = after.faces[0];
  // A zero-width face box (a degenerate detection) has no scale to compare against.
  if (!a || !b || a.mesh.length === 0 || a.mesh.length !== b.mesh.length || !(a.box.width > 0)) return null;
  const sx = before.width / after.width;
  const sy = before.height / after.height;
  let sum = 0;
  for (let i = 0; i < a.mesh.length; i++) sum += Math.hypot(b.mesh[i]![0] * sx - a.mesh[i]![0], b.mesh[i]![1] * sy - a.mesh[i]![1]);
  return clamp01(1 - sum / a.mesh.length / a.box.width / 0.1);
}

async function greyPatch(bytes: Buffer, box: Box, scale: { x: number; y: number }): Promise<Float64Array> {
  // Inputs and results are normalised images (EXIF orientation already applied).
  const meta = await sharp(bytes).metadata();
  const W = meta.width ?? 0;
  const H = meta.height ?? 0;
  const left = Math.max(0, Math.round(box.x * scale.x));
  const top = Math.max(0, Math.round(box.y * scale.y));
  const width = Math.max(1, Math.min(W - left, Math.round(box.width * scale.x)));
  const height = Math.max(1, Math.min(H - top, Math.round(box.height * scale.y)));
  const { data } = await sharp(bytes).extract({ left, top, width, height }).resize(32, 32, { fit: 'fill' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  return Float64Array.from(data);
}

/** Normalised cross-correlation of two patches, mapped to 0–1 (0.5 = unrelated). */
export function ncc(a: Float64Array, b: Float64Array): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  if (da === 0 || db === 0) return da === db ? 1 : 0;
  return clamp01(num / Math.sqrt(da * db));
}

export async function fidelity(before: { bytes: Buffer; analysis: Analysis }, after: { bytes: Buffer; analysis: Analysis }): Promise<Fidelity> {
  const body = bodyFidelity(before.analysis, after.analysis);
  const faceLandmarks = faceLandmarkFidelity(before.analysis, after.analysis);
  const face0 = before.analysis.faces[0];
  let facePixels: number | null = null;
  if (face0) {
    const s = { x: after.analysis.width / before.analysis.width, y: after.analysis.height / before.analysis.height };
    const [pa, pb] = await Promise.all([greyPatch(before.bytes, face0.box, { x: 1, y: 1 }), greyPatch(after.bytes, face0.box, s)]);
    facePixels = ncc(pa, pb);
  }
  const faceParts = [faceLandmarks, facePixels].filter((v): v is number => v !== null);
  // A face that vanished from the result counts as changed.
  const face = face0 && after.analysis.faces.length === 0 ? 0 : faceParts.length ? Math.min(...faceParts) : null;
  const parts = [body, face].filter((v): v is number => v !== null);
  return { score: parts.length ? r3(parts.reduce((s, v) => s + v, 0) / parts.length) : null, body: r3(body), face: r3(face), faceLandmarks: r3(faceLandmarks), facePixels: r3(facePixels) };
}
