/**
 * Where a garment goes on the person, for the local engine. From body keypoints when they are
 * known (shoulders and hips → scale, position, tilt and a centre line that follows the torso), else
 * the fixed regions of the old compositor. A placement is an inverse map: for an output pixel it
 * gives the garment pixel to sample, so the warp is one pass over the garment's bounding box.
 */
import type { GarmentCategory } from './types.js';

export type PoseKeypoint = { part: string; x: number; y: number; score: number };
export type Pose = { score: number; keypoints: PoseKeypoint[] };
type P = { x: number; y: number };

export type Placement = {
  kind: 'pose' | 'regions';
  /** Bounding box of the placed garment on the person photo. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Output pixel → garment pixel (may fall outside the garment: then it is transparent). */
  toGarment: (x: number, y: number) => P;
  /** Columns of the garment's torso part on row y (for keeping forearms in front), when known. */
  torsoSpan?: ((y: number) => [number, number]) | undefined;
};

export type Region = { top: number; bottom: number; width: number };
export const LOCAL_REGIONS: Record<Exclude<GarmentCategory, 'auto'>, Region> = {
  tops: { top: 0.22, bottom: 0.55, width: 0.45 },
  bottoms: { top: 0.5, bottom: 0.9, width: 0.4 },
  'one-pieces': { top: 0.22, bottom: 0.9, width: 0.48 },
};

const MIN_SCORE = 0.2;
const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** Where a garment of size gw×gh lands on a W×H photo without a pose: fitted into its region, centred, top-aligned. */
export function placeGarment(category: GarmentCategory, W: number, H: number, gw: number, gh: number) {
  const region = LOCAL_REGIONS[category === 'auto' ? 'tops' : category];
  const boxW = W * region.width;
  const boxH = H * (region.bottom - region.top);
  const scale = Math.min(boxW / gw, boxH / gh);
  const width = Math.max(1, Math.min(W, Math.round(gw * scale)));
  const height = Math.max(1, Math.min(H, Math.round(gh * scale)));
  return { left: Math.round((W - width) / 2), top: Math.min(H - height, Math.round(H * region.top)), width, height };
}

export function regionPlacement(category: GarmentCategory, W: number, H: number, gw: number, gh: number): Placement {
  const p = placeGarment(category, W, H, gw, gh);
  const sx = p.width / gw;
  const sy = p.height / gh;
  return { kind: 'regions', ...p, toGarment: (x, y) => ({ x: (x - p.left) / sx, y: (y - p.top) / sy }) };
}

/** Left and right alpha edges of a garment row (RGBA cut-out), or undefined when the row is empty. */
export function rowSpan(rgba: Buffer, w: number, h: number, row: number): [number, number] | undefined {
  const y = clamp(Math.round(row), 0, h - 1);
  let l = -1;
  let r = -1;
  for (let x = 0; x < w; x++) {
    if (rgba[(y * w + x) * 4 + 3]! > 128) {
      if (l < 0) l = x;
      r = x;
    }
  }
  return l < 0 ? undefined : [l, r];
}

function widestSpan(rgba: Buffer, w: number, h: number, from: number, to: number): [number, number] | undefined {
  // The narrowest full row in [from, to] of the garment's height: the torso, not the sleeves.
  let best: [number, number] | undefined;
  for (let f = from; f <= to + 1e-9; f += 0.05) {
    const s = rowSpan(rgba, w, h, f * (h - 1));
    if (s && (!best || s[1] - s[0] < best[1] - best[0])) best = s;
  }
  return best;
}

/**
 * A pose-driven placement, or undefined when the keypoints it needs are missing.
 * - tops: the garment's torso width → 1.1 × shoulder width; collar 0.18 torso above the
 *   shoulders, hem 0.12 torso below the hips; follows the shoulder tilt and the torso's centre line.
 * - bottoms: waistband width → 1.6 × hip width, 0.1 torso above the hips, aspect kept.
 * - one-pieces: like tops at the top, aspect kept below.
 */
export function posePlacement(category: GarmentCategory, pose: Pose | undefined, W: number, H: number, rgba: Buffer, gw: number, gh: number): Placement | undefined {
  if (!pose) return undefined;
  const kp = (part: string) => {
    const k = pose.keypoints.find((q) => q.part === part && q.score >= MIN_SCORE);
    return k ? { x: k.x, y: k.y } : undefined;
  };
  const mid = (a: P | undefined, b: P | undefined) => (a && b ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : undefined);
  const ls = kp('leftShoulder');
  const rs = kp('rightShoulder');
  const lh = kp('leftHip');
  const rh = kp('rightHip');
  const shoulders = mid(ls, rs);
  const hips = mid(lh, rh);
  const knees = mid(kp('leftKnee'), kp('rightKnee'));
  const cat = category === 'auto' ? 'tops' : category;
  if (!hips || !lh || !rh) return undefined;
  if (cat !== 'bottoms' && (!shoulders || !ls || !rs)) return undefined;
  const torso = shoulders ? Math.hypot(shoulders.x - hips.x, shoulders.y - hips.y) : Math.abs(lh.x - rh.x) * 1.6;
  if (!(torso > 4)) return undefined;

  let sx: number;
  let sy: number;
  let top: number;
  let anchor: P; // the point on the body the garment's top centre goes to
  let angle = 0; // tilt of the shoulder (or hip) line, radians
  let gTorso: [number, number] | undefined;
  if (cat === 'bottoms') {
    const waist = rowSpan(rgba, gw, gh, gh * 0.04) ?? [0, gw - 1];
    sx = (Math.hypot(lh.x - rh.x, lh.y - rh.y) * 1.6) / Math.max(1, waist[1] - waist[0] + 1);
    sy = sx;
    top = hips.y - 0.1 * torso;
    anchor = { x: hips.x, y: top };
    angle = Math.atan2(lh.y - rh.y, lh.x - rh.x);
    gTorso = waist;
  } else {
    gTorso = widestSpan(rgba, gw, gh, cat === 'tops' ? 0.55 : 0.25, cat === 'tops' ? 0.9 : 0.4) ?? [0, gw - 1];
    const shoulderW = Math.hypot(ls!.x - rs!.x, ls!.y - rs!.y);
    sx = (shoulderW * 1.1) / Math.max(1, gTorso[1] - gTorso[0] + 1);
    top = shoulders!.y - 0.18 * torso;
    const bottom = hips.y + 0.12 * torso;
    sy = cat === 'tops' ? clamp((bottom - top) / gh, sx * 0.75, sx * 1.5) : sx;
    anchor = { x: shoulders!.x, y: top };
    angle = Math.atan2(ls!.y - rs!.y, ls!.x - rs!.x);
  }
  // The image's left/right: MoveNet's "left" is the person's left (image right) in a frontal photo.
  if (Math.abs(angle) > Math.PI / 2) angle = angle > 0 ? angle - Math.PI : angle + Math.PI;
  angle = clamp(angle, -0.5, 0.5);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const gCentre = gTorso ? (gTorso[0] + gTorso[1]) / 2 : gw / 2;
  // The centre line: from the anchor down through the hips (and knees), in the body's frame.
  const line: P[] = [anchor, ...(cat !== 'bottoms' ? [hips] : []), ...(knees && cat !== 'tops' ? [knees] : [])];
  const centreAt = (yy: number): number => {
    if (line.length === 1 || yy <= line[0]!.y) return line[0]!.x;
    for (let i = 1; i < line.length; i++) {
      const a = line[i - 1]!;
      const b = line[i]!;
      if (yy <= b.y || i === line.length - 1) return lerp(a.x, b.x, clamp((yy - a.y) / Math.max(1, b.y - a.y), 0, 1));
    }
    return line[line.length - 1]!.x;
  };
  // Rotate output coordinates about the anchor into the body's upright frame.
  const upright = (x: number, y: number): P => {
    const dx = x - anchor.x;
    const dy = y - anchor.y;
    return { x: anchor.x + dx * cos + dy * sin, y: anchor.y - dx * sin + dy * cos };
  };
  const toGarment = (x: number, y: number): P => {
    const u = upright(x, y);
    return { x: gCentre + (u.x - centreAt(u.y)) / sx, y: (u.y - top) / sy };
  };
  // Bounding box: the four corners of the garment mapped forward (generous margin for the centre line's bend).
  const halfW = Math.max(gCentre, gw - gCentre) * sx;
  const bend = Math.abs(line[line.length - 1]!.x - line[0]!.x);
  const corners: P[] = [];
  for (const gx of [-halfW - bend, halfW + bend]) {
    for (const gy of [0, gh * sy]) {
      corners.push({ x: anchor.x + gx * cos - gy * sin, y: anchor.y + gx * sin + gy * cos });
    }
  }
  const left = clamp(Math.floor(Math.min(...corners.map((c) => c.x))), 0, W - 1);
  const right = clamp(Math.ceil(Math.max(...corners.map((c) => c.x))), 0, W - 1);
  const y0 = clamp(Math.floor(Math.min(...corners.map((c) => c.y))), 0, H - 1);
  const y1 = clamp(Math.ceil(Math.max(...corners.map((c) => c.y))), 0, H - 1);
  const span = gTorso;
  return {
    kind: 'pose',
    left,
    top: y0,
    width: right - left + 1,
    height: y1 - y0 + 1,
    toGarment,
    torsoSpan: (y: number): [number, number] => {
      const u = upright(centreAt(y), y);
      const c = centreAt(u.y);
      return [c + (span[0] - gCentre) * sx, c + (span[1] - gCentre) * sx];
    },
  };
}
