/**
 * The person, for the local engine: a body frame from the keypoints (shoulders, hips — estimated
 * from the shoulders when the photo ends above them —, arms, chin from the face mesh or the head
 * keypoints, the tilt of the shoulder line), the extent of the clothing the person wears on each
 * row of the torso (so the new garment covers it), and the areas to keep: the face and the hands.
 */
import { labInto, labToRgb, toLab } from './local-lab.js';

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

/**
 * The arms whose elbow is known, as capsules along shoulder → elbow → wrist (from 15 % below the
 * shoulder joint), as wide as the arm's clothing (armHalfWidth; 0.16 shoulder widths without a
 * clothing model). Memoised per frame and clothing.
 */
const capsuleMemo = new WeakMap<Frame, Map<Clothing | undefined, { a: P; b: P; r: number }[]>>();
export function armCapsules(frame: Frame, clothing?: Clothing): { a: P; b: P; r: number }[] {
  const byClothing = capsuleMemo.get(frame) ?? new Map<Clothing | undefined, { a: P; b: P; r: number }[]>();
  capsuleMemo.set(frame, byClothing);
  const hit = byClothing.get(clothing);
  if (hit) return hit;
  const out: { a: P; b: P; r: number }[] = [];
  for (const arm of frame.arms) {
    const e = arm.elbow;
    if (!e) continue;
    const ux = e.x - arm.shoulder.x;
    const uy = e.y - arm.shoulder.y;
    const len = Math.hypot(ux, uy);
    if (len < 4) continue;
    const d = { x: ux / len, y: uy / len };
    let n = { x: -d.y, y: d.x };
    if ((arm.shoulder.x - frame.mid.x) * n.x + (arm.shoulder.y - frame.mid.y) * n.y < 0) n = { x: -n.x, y: -n.y };
    const r = clothing ? armHalfWidth(clothing, frame, arm.shoulder, d, len, n) : frame.shoulderWidth * 0.16;
    out.push({ a: { x: arm.shoulder.x + ux * 0.15, y: arm.shoulder.y + uy * 0.15 }, b: e, r });
    if (arm.wrist) out.push({ a: e, b: arm.wrist, r: r * 0.85 });
  }
  byClothing.set(clothing, out);
  return out;
}

/** The colours of the clothing the person wears (a few CIELAB clusters sampled in the middle of the torso). */
export type Clothing = {
  clusters: { lab: [number, number, number]; share: number }[];
  /** Whether the photo's pixel nearest (x, y) is close to one of the clothing's colours (ΔE < 16); undefined outside the photo. Memoised. */
  likeAt: (x: number, y: number) => boolean | undefined;
  /** The main colour (the largest cluster) in sRGB. */
  mainRgb: [number, number, number];
};

export function clothingModel(person: Rgb, frame: Frame): Clothing | undefined {
  const { width: W, height: H, data } = person;
  const sw = frame.shoulderWidth;
  const labAt = (P: number) => toLab(data[P * 3]!, data[P * 3 + 1]!, data[P * 3 + 2]!);
  const samples: [number, number, number][] = [];
  const step = Math.max(2, sw / 40);
  const y0 = frame.mid.y + 0.15 * frame.torso;
  const y1 = Math.min(frame.hips.y - 0.1 * frame.torso, frame.toUpright({ x: frame.mid.x, y: H - 1 }).y);
  for (let uy = y0; uy <= y1; uy += step) {
    const c = frame.centreAt(uy);
    for (let ux = c - 0.3 * sw; ux <= c + 0.3 * sw; ux += step) {
      const p = frame.toImage({ x: ux, y: uy });
      const X = Math.round(p.x);
      const Y = Math.round(p.y);
      if (X >= 0 && Y >= 0 && X < W && Y < H) samples.push(labAt(Y * W + X));
    }
  }
  if (samples.length < 12) return undefined;
  const clusters = kMeans(samples, 3).filter((c) => c.share >= 0.15);
  const cl = clusters.map((c) => c.lab);
  // 0: not computed yet, 1: no, 2: yes (the scans and the shadow touch a fraction of the photo).
  const memo = new Uint8Array(W * H);
  const l = new Float64Array(3);
  const likeAt = (x: number, y: number): boolean | undefined => {
    const X = Math.round(x);
    const Y = Math.round(y);
    if (X < 0 || Y < 0 || X >= W || Y >= H) return undefined;
    const P = Y * W + X;
    if (!memo[P]) {
      labInto(data[P * 3]!, data[P * 3 + 1]!, data[P * 3 + 2]!, l);
      let near = false;
      for (const c of cl) if ((l[0]! - c[0]) ** 2 + (l[1]! - c[1]) ** 2 + (l[2]! - c[2]) ** 2 < 256) near = true;
      memo[P] = near ? 2 : 1;
    }
    return memo[P] === 2;
  };
  return { clusters, likeAt, mainRgb: labToRgb(...clusters.reduce((a, b) => (b.share > a.share ? b : a)).lab) };
}

/**
 * How far the person's own clothing reaches beyond the garment's nominal edges, per upright row
 * from `from` to `to`: each row is scanned outward from the nominal edge while the pixels look like
 * the clothing (small gaps bridged), stopping at an arm. Returns extra width [left, right] per
 * row, at most 0.3 shoulder widths, smoothed so the new side seams run straight.
 */
export function clothingReach(clothing: Clothing, frame: Frame, nominal: (uy: number) => [number, number], from: number, to: number): (uy: number) => [number, number] {
  const sw = frame.shoulderWidth;
  if (to <= from) return () => [0, 0];
  const arms = armCapsules(frame, clothing);
  const { x: mx, y: my } = frame.mid;
  const cos = Math.cos(frame.angle);
  const sin = Math.sin(frame.angle);
  const maxWiden = 0.3 * sw;
  const gapMax = Math.max(3, 0.05 * sw);
  const rows = Math.max(1, Math.ceil(to - from));
  const raw: [number, number][] = [];
  for (let i = 0; i <= rows; i++) {
    const uy = from + i;
    const edges = nominal(uy);
    const row: [number, number] = [0, 0];
    for (const side of [0, 1] as const) {
      const dir = side === 0 ? -1 : 1;
      let last = 0;
      let miss = 0;
      for (let k = 0; k <= maxWiden + gapMax; k++) {
        // Upright (edge ± k, uy) → photo.
        const dx = edges[side] + dir * k - mx;
        const dy = uy - my;
        const x = mx + dx * cos - dy * sin;
        const y = my + dx * sin + dy * cos;
        const like = clothing.likeAt(x, y);
        if (like === undefined) break;
        if (!like) {
          if (++miss > gapMax) break;
          continue;
        }
        // An arm (clothed like the body) ends the torso's side.
        let onArm = false;
        for (const c of arms) if (segDist(x, y, c.a, c.b) < c.r) onArm = true;
        if (onArm) break;
        last = k;
        miss = 0;
      }
      row[side] = last > 0 ? Math.min(maxWiden, last + 2) : 0;
    }
    raw.push(row);
  }
  // Smooth: a running max then a running mean over ±4 % of the torso.
  const r = Math.max(1, Math.round(0.04 * frame.torso));
  const smooth = [0, 1].map((s) => {
    const v = raw.map((q) => q[s]!);
    const mx = v.map((_, i) => Math.max(...v.slice(Math.max(0, i - r), i + r + 1)));
    return mx.map((_, i) => {
      const part = mx.slice(Math.max(0, i - r), i + r + 1);
      return part.reduce((a, b) => a + b, 0) / part.length;
    });
  });
  return (uy: number) => {
    const i = Math.round(uy - from);
    if (i < 0 || i > rows) return [0, 0];
    return [smooth[0]![i]!, smooth[1]![i]!];
  };
}

/**
 * Half the width of an arm's clothing across the segment a → a + dir·length, on its outer side
 * (`out`: the unit normal pointing away from the body), between 0.12 and 0.3 shoulder widths.
 */
export function armHalfWidth(clothing: Clothing | undefined, frame: Frame, a: P, dir: P, length: number, out: P): number {
  const sw = frame.shoulderWidth;
  const lo = 0.12 * sw;
  const hi = 0.3 * sw;
  if (!clothing) return 0.17 * sw;
  const found: number[] = [];
  for (const f of [0.3, 0.5, 0.7]) {
    const cx = a.x + dir.x * length * f;
    const cy = a.y + dir.y * length * f;
    if (!clothing.likeAt(cx, cy)) continue;
    let last = 0;
    let miss = 0;
    for (let k = 1; k <= hi + 4; k++) {
      const like = clothing.likeAt(cx + out.x * k, cy + out.y * k);
      if (like === undefined) break;
      if (like) {
        last = k;
        miss = 0;
      } else if (++miss > 3) break;
    }
    found.push(last);
  }
  if (!found.length) return 0.17 * sw;
  found.sort((x, y) => x - y);
  return clamp(found[found.length >> 1]! + 2, lo, hi);
}

function kMeans(pts: [number, number, number][], k: number): { lab: [number, number, number]; share: number }[] {
  const centres: [number, number, number][] = [pts[pts.length >> 1]!];
  while (centres.length < k) {
    let far = pts[0]!;
    let farD = -1;
    for (const q of pts) {
      const d = Math.min(...centres.map((c) => Math.hypot(q[0] - c[0], q[1] - c[1], q[2] - c[2])));
      if (d > farD) {
        farD = d;
        far = q;
      }
    }
    if (farD < 8) break;
    centres.push([...far]);
  }
  const counts = new Array<number>(centres.length).fill(0);
  for (let it = 0; it < 6; it++) {
    const sums = centres.map(() => [0, 0, 0]);
    counts.fill(0);
    for (const q of pts) {
      let best = 0;
      let bestD = Infinity;
      centres.forEach((c, i) => {
        const d = Math.hypot(q[0] - c[0], q[1] - c[1], q[2] - c[2]);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      });
      counts[best]!++;
      for (let c = 0; c < 3; c++) sums[best]![c]! += q[c]!;
    }
    centres.forEach((c, i) => {
      if (counts[i]) for (let j = 0; j < 3; j++) c[j] = sums[i]![j]! / counts[i]!;
    });
  }
  return centres.map((lab, i) => ({ lab, share: counts[i]! / pts.length }));
}

/** A soft mask (0–1) over a box of the photo. */
export type Mask = { left: number; top: number; width: number; height: number; data: Float32Array };

/** Paint ellipses and capsules (soft-edged by `soft` px) into one mask over their bounding box; undefined when there is none. */
function paintMask(shapes: ({ kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number } | { kind: 'capsule'; a: P; b: P; r: number })[], soft: number, W: number, H: number): Mask | undefined {
  if (!shapes.length) return undefined;
  const boxes = shapes.map((s) =>
    s.kind === 'ellipse'
      ? [s.cx - s.rx - soft, s.cy - s.ry - soft, s.cx + s.rx + soft, s.cy + s.ry + soft]
      : [Math.min(s.a.x, s.b.x) - s.r - soft, Math.min(s.a.y, s.b.y) - s.r - soft, Math.max(s.a.x, s.b.x) + s.r + soft, Math.max(s.a.y, s.b.y) + s.r + soft],
  );
  const left = clamp(Math.floor(Math.min(...boxes.map((b) => b[0]!))), 0, W - 1);
  const top = clamp(Math.floor(Math.min(...boxes.map((b) => b[1]!))), 0, H - 1);
  const right = clamp(Math.ceil(Math.max(...boxes.map((b) => b[2]!))), 0, W - 1);
  const bottom = clamp(Math.ceil(Math.max(...boxes.map((b) => b[3]!))), 0, H - 1);
  const m: Mask = { left, top, width: right - left + 1, height: bottom - top + 1, data: new Float32Array((right - left + 1) * (bottom - top + 1)) };
  shapes.forEach((s, i) => {
    const b = boxes[i]!;
    for (let y = Math.max(top, Math.floor(b[1]!)); y <= Math.min(bottom, Math.ceil(b[3]!)); y++) {
      for (let x = Math.max(left, Math.floor(b[0]!)); x <= Math.min(right, Math.ceil(b[2]!)); x++) {
        let out: number; // px outside the shape
        if (s.kind === 'capsule') out = segDist(x + 0.5, y + 0.5, s.a, s.b) - s.r;
        else {
          const dx = (x + 0.5 - s.cx) / s.rx;
          const dy = (y + 0.5 - s.cy) / s.ry;
          out = (Math.sqrt(dx * dx + dy * dy) - 1) * Math.min(s.rx, s.ry);
        }
        const v = out <= 0 ? 1 : 1 - out / soft;
        const k = (y - top) * m.width + (x - left);
        if (v > m.data[k]!) m.data[k] = v;
      }
    }
  });
  return m;
}

/**
 * What of the person stays in front of any garment: the face (an ellipse around the mesh's box)
 * and each hand (a disc just beyond the wrist, along the forearm).
 */
export function keepMask(frame: Frame, W: number, H: number): Mask | undefined {
  const shapes: Parameters<typeof paintMask>[0] = [];
  if (frame.face) {
    const f = frame.face;
    shapes.push({ kind: 'ellipse', cx: f.x + f.width / 2, cy: f.y + f.height / 2, rx: f.width * 0.52, ry: f.height * 0.55 });
  }
  for (const arm of frame.arms) {
    if (!arm.elbow || !arm.wrist) continue;
    const fx = arm.wrist.x - arm.elbow.x;
    const fy = arm.wrist.y - arm.elbow.y;
    const fore = Math.hypot(fx, fy);
    if (fore < 2) continue;
    // A hand: about a quarter of the forearm across, its middle a little past the wrist.
    const r = clamp(fore * 0.26, frame.shoulderWidth * 0.08, frame.shoulderWidth * 0.22);
    shapes.push({ kind: 'ellipse', cx: arm.wrist.x + (fx / fore) * r * 0.6, cy: arm.wrist.y + (fy / fore) * r * 0.6, rx: r, ry: r });
  }
  return paintMask(shapes, Math.max(1.5, frame.shoulderWidth * 0.015), W, H);
}

/**
 * The arms, as a soft mask: a tube along shoulder → elbow → wrist for each arm whose elbow is known,
 * as wide as its clothing (armCapsules), from a little below the shoulder joint. An arm by the side
 * or across the body is in front of a garment's torso; the sleeves are drawn over it again.
 */
export function armsMask(frame: Frame, clothing: Clothing | undefined, W: number, H: number): Mask | undefined {
  const shapes = armCapsules(frame, clothing).map((c) => ({ kind: 'capsule' as const, ...c }));
  return paintMask(shapes, Math.max(1.5, frame.shoulderWidth * 0.012), W, H);
}
