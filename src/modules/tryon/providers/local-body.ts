/**
 * The person, for the local engine: a body frame from the keypoints (shoulders, hips — estimated
 * from the shoulders when the photo ends above them —, arms, chin from the face mesh or the head
 * keypoints, the tilt of the shoulder line). What the person wears is in local-clothing.ts, what
 * stays in front of a garment in local-masks.ts.
 */
export type P = { x: number; y: number };
export type PoseKeypoint = { part: string; x: number; y: number; score: number };
export type FaceBox = { x: number; y: number; width: number; height: number };
export type Pose = {
  score: number;
  keypoints: PoseKeypoint[];
  /** The main face: its box and chin (face mesh point 152), when perception ran the face model. */
  face?: { box: FaceBox; chin?: P | undefined } | undefined;
};

export type Arm = { side: -1 | 1; shoulder: P; elbow?: P | undefined; wrist?: P | undefined };

export type Frame = {
  /** Shoulder midpoint (centre of the upright frame), shoulder width (joint to joint), tilt. */
  mid: P;
  shoulderWidth: number;
  angle: number;
  /** Hip midpoint (upright frame) and whether it was seen or estimated; hip width (0 when estimated). */
  hips: P;
  hipsSeen: boolean;
  hipWidth: number;
  knees?: P | undefined;
  torso: number;
  /** Chin height (upright frame). */
  chinY: number;
  face?: FaceBox | undefined;
  /** Image left (-1) and right (1) arms, in image coordinates. */
  arms: Arm[];
  toUpright: (p: P) => P;
  toImage: (u: P) => P;
  /** The body's centre line (shoulders → hips → knees) at an upright height. */
  centreAt: (uy: number) => number;
};

export const MIN_SCORE = 0.2;
const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** The body frame, or undefined without both shoulders. */
export function bodyFrame(pose: Pose | undefined): Frame | undefined {
  if (!pose) return undefined;
  const kp = (part: string, min = MIN_SCORE) => {
    const k = pose.keypoints.find((q) => q.part === part && q.score >= min);
    return k ? { x: k.x, y: k.y } : undefined;
  };
  const ls = kp('leftShoulder');
  const rs = kp('rightShoulder');
  if (!ls || !rs) return undefined;
  const sw = Math.hypot(ls.x - rs.x, ls.y - rs.y);
  if (!(sw > 4)) return undefined;
  const mid = { x: (ls.x + rs.x) / 2, y: (ls.y + rs.y) / 2 };
  // The image's left/right: MoveNet's "left" is the person's left (image right) in a frontal photo.
  let angle = Math.atan2(ls.y - rs.y, ls.x - rs.x);
  if (Math.abs(angle) > Math.PI / 2) angle = angle > 0 ? angle - Math.PI : angle + Math.PI;
  angle = clamp(angle, -0.5, 0.5);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const toUpright = (p: P): P => {
    const dx = p.x - mid.x;
    const dy = p.y - mid.y;
    return { x: mid.x + dx * cos + dy * sin, y: mid.y - dx * sin + dy * cos };
  };
  const toImage = (u: P): P => {
    const dx = u.x - mid.x;
    const dy = u.y - mid.y;
    return { x: mid.x + dx * cos - dy * sin, y: mid.y + dx * sin + dy * cos };
  };
  const lh = kp('leftHip');
  const rh = kp('rightHip');
  const hipsSeen = !!(lh && rh);
  // A head-and-shoulders photo: hips about 1.45 shoulder widths below the shoulders.
  const hips = hipsSeen ? toUpright({ x: (lh.x + rh.x) / 2, y: (lh.y + rh.y) / 2 }) : { x: mid.x, y: mid.y + 1.45 * sw };
  const torso = Math.max(sw * 0.8, hips.y - mid.y);
  const lk = kp('leftKnee');
  const rk = kp('rightKnee');
  const knees = lk && rk ? toUpright({ x: (lk.x + rk.x) / 2, y: (lk.y + rk.y) / 2 }) : undefined;

  // Chin: the face mesh's, else from the head keypoints (nose below the eyes by ~0.43 of nose → chin).
  let chinY: number;
  const face = pose.face?.box;
  if (pose.face?.chin) chinY = toUpright(pose.face.chin).y;
  else if (face) chinY = toUpright({ x: face.x + face.width / 2, y: face.y + face.height }).y;
  else {
    const nose = kp('nose');
    const eyes = [kp('leftEye'), kp('rightEye')].filter((e): e is P => !!e);
    if (nose && eyes.length) {
      const n = toUpright(nose);
      const ey = eyes.map((e) => toUpright(e).y).reduce((a, b) => a + b, 0) / eyes.length;
      chinY = n.y + Math.max(0, n.y - ey) * 2.3;
    } else chinY = mid.y - 0.45 * sw;
  }
  chinY = Math.min(chinY, mid.y - 0.1 * sw);

  const arms: Arm[] = [];
  for (const name of ['left', 'right'] as const) {
    const shoulder = name === 'left' ? ls : rs;
    const other = name === 'left' ? rs : ls;
    arms.push({ side: shoulder.x < other.x ? -1 : 1, shoulder, elbow: kp(`${name}Elbow`), wrist: kp(`${name}Wrist`) });
  }
  const line = [{ x: mid.x, y: mid.y }, hips, ...(knees ? [knees] : [])];
  const centreAt = (uy: number): number => {
    if (uy <= line[0]!.y) return line[0]!.x;
    for (let i = 1; i < line.length; i++) {
      const a = line[i - 1]!;
      const b = line[i]!;
      if (uy <= b.y || i === line.length - 1) return lerp(a.x, b.x, clamp((uy - a.y) / Math.max(1, b.y - a.y), 0, 1));
    }
    return line[line.length - 1]!.x;
  };
  return {
    mid,
    shoulderWidth: sw,
    angle,
    hips,
    hipsSeen,
    hipWidth: hipsSeen ? Math.hypot(lh.x - rh.x, lh.y - rh.y) : 0,
    knees,
    torso,
    chinY,
    face,
    arms,
    toUpright,
    toImage,
    centreAt,
  };
}

export type Rgb = { data: Buffer; width: number; height: number };

/** Distance from p to the segment a–b. */
export function segDist(px: number, py: number, a: P, b: P) {
  const vx = b.x - a.x;
  const vy = b.y - a.y;
  const len2 = vx * vx + vy * vy || 1;
  const t = Math.max(0, Math.min(1, ((px - a.x) * vx + (py - a.y) * vy) / len2));
  return Math.hypot(px - (a.x + t * vx), py - (a.y + t * vy));
}
