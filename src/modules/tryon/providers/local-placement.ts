/**
 * Where a garment goes on the person, for the local engine, as pieces drawn in order; each piece
 * is an inverse map (output pixel → garment pixel, and where across the piece it lies, for the
 * roundness of the shading) over its bounding box, sampling only the garment parts it owns.
 * - tops and one-pieces, from the body frame (local-body.ts): the TORSO between the shoulders and
 *   the hips — its band 1.2 (tops) or 1.05 (one-pieces) shoulder widths wide, the shoulder points on
 *   top of the shoulders, the front neckline never above 30 % of the way from the chin down to the
 *   shoulders, the hem brought near the hips, the centre line following shoulders → hips, each row
 *   widened to cover the clothing the person wears (clothingReach), nothing beyond the outer side
 *   of an upper arm; each SLEEVE along its arm: its axis turned onto
 *   shoulder → elbow and, past the elbow, elbow → wrist (a long sleeve bends with the arm), scaled
 *   like the torso and as wide as the arm's clothing, drawn over it.
 * - bottoms: waistband → 1.6 × hip width, 0.1 torso above the hips, aspect kept, following hips → knees.
 * - no pose: the fixed regions of the old compositor, one piece.
 */
import type { GarmentCategory } from './types.js';
import { LEFT_SLEEVE, RIGHT_SLEEVE, TORSO, type GarmentShape } from './local-shape.js';
import { boxOf, type Mapped, type Piece } from './local-piece.js';
import type { Frame, P } from './local-body.js';
import { armCapsules, clothingReach, type Clothing } from './local-clothing.js';
import { sleevePiece } from './local-sleeve.js';

export type { Mapped, Piece } from './local-piece.js';

export type Placement = {
  kind: 'pose' | 'regions';
  pieces: Piece[];
  info: Record<string, unknown>;
};

export type Region = { top: number; bottom: number; width: number };
export const LOCAL_REGIONS: Record<Exclude<GarmentCategory, 'auto'>, Region> = {
  tops: { top: 0.22, bottom: 0.55, width: 0.45 },
  bottoms: { top: 0.5, bottom: 0.9, width: 0.4 },
  'one-pieces': { top: 0.22, bottom: 0.9, width: 0.48 },
};

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
const ALL = [TORSO, LEFT_SLEEVE, RIGHT_SLEEVE];

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
  const piece: Piece = {
    name: 'garment',
    left: p.left,
    top: p.top,
    right: p.left + p.width - 1,
    bottom: p.top + p.height - 1,
    labels: ALL,
    map: (x, y, o) => {
      o.gx = (x - p.left) / sx;
      o.gy = (y - p.top) / sy;
      o.across = clamp(((x - p.left) / p.width) * 2 - 1, -1, 1);
      o.fade = 1;
      return true;
    },
  };
  return { kind: 'regions', pieces: [piece], info: {} };
}

/** Tops and one-pieces on a body frame; `clothing` (what the person wears) widens the torso and sizes the sleeves. */
export function topPlacement(category: 'tops' | 'one-pieces', shape: GarmentShape, frame: Frame, W: number, H: number, clothing: Clothing | undefined): Placement {
  const [gl, gr] = shape.band;
  const gc = shape.centre;
  const sw = frame.shoulderWidth;
  const sx = (sw * (category === 'tops' ? 1.2 : 1.05)) / Math.max(1, gr - gl);
  // The shoulder points on top of the shoulders (≈ 0.12 shoulder widths above the joints)…
  let y0 = frame.mid.y - 0.12 * sw - shape.shoulderY * sx;
  // …and the front neckline at the neck, never above it: at least 30 % of the way from the chin
  // down to the shoulder line (a high collar or a short-necked person pushes the garment down).
  const neck = y0 + shape.neckY * sx;
  const lo = frame.chinY + 0.3 * (frame.mid.y - frame.chinY);
  if (neck < lo) y0 += lo - neck;
  const armU = y0 + shape.armpitY * sx;
  // Below the armpits a top stretches or shrinks so its hem lands near the hips (a long top stays long).
  let sy = sx;
  if (category === 'tops' && shape.hemY > shape.armpitY) {
    const natural = armU + (shape.hemY - shape.armpitY) * sx;
    const want = clamp(natural, frame.hips.y - 0.15 * frame.torso, frame.hips.y + 0.35 * frame.torso);
    sy = clamp((want - armU) / (shape.hemY - shape.armpitY), sx * 0.55, sx * 1.35);
  }
  const uyOf = (gy: number) => (gy <= shape.armpitY ? y0 + gy * sx : armU + (gy - shape.armpitY) * sy);
  const hemU = uyOf(shape.height);
  const nominal = (uy: number): [number, number] => {
    const c = frame.centreAt(uy);
    return [c - (gc - gl) * sx, c + (gr - gc) * sx];
  };
  // Widening to the person's clothing: nothing at the shoulders, all of it from the armpits down.
  const shoulderU = y0 + shape.shoulderY * sx;
  const reach = clothing ? clothingReach(clothing, frame, nominal, shoulderU, hemU) : undefined;
  const edges = (uy: number): [number, number] => {
    const n = nominal(uy);
    if (!reach) return n;
    const r = reach(uy);
    const ramp = clamp((uy - shoulderU) / Math.max(1, armU - shoulderU), 0, 1);
    return [n[0] - r[0] * ramp, n[1] + r[1] * ramp];
  };
  let widened: [number, number] = [0, 0];
  if (reach) {
    for (let uy = armU; uy <= hemU; uy += 2) {
      const r = reach(uy);
      widened = [Math.max(widened[0], r[0]), Math.max(widened[1], r[1])];
    }
  }

  // The row edges, tabulated per upright row (interpolated between rows).
  const base = Math.floor(y0) - 2;
  const n = Math.max(2, Math.ceil(hemU) + 3 - base);
  const C = new Float32Array(n);
  const HL = new Float32Array(n);
  const HR = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = frame.centreAt(base + i);
    const [l, r] = edges(base + i);
    C[i] = c;
    HL[i] = Math.max(1, c - l);
    HR[i] = Math.max(1, r - c);
  }
  const { x: mx, y: my } = frame.mid;
  const cos = Math.cos(frame.angle);
  const sin = Math.sin(frame.angle);
  const kl = gc - gl;
  const kr = gr - gc;
  // Beyond the outer side of an upper arm (and its line further down) there is no torso: an arm
  // hangs at the body's side.
  const beyond = armCapsules(frame, clothing)
    .filter((c, i, all) => i === 0 || all[i - 1]!.b !== c.a) // the upper arms only
    .map((c) => {
      const len = Math.hypot(c.b.x - c.a.x, c.b.y - c.a.y) || 1;
      const d = { x: (c.b.x - c.a.x) / len, y: (c.b.y - c.a.y) / len };
      let n = { x: -d.y, y: d.x };
      if ((c.a.x - frame.mid.x) * n.x + (c.a.y - frame.mid.y) * n.y < 0) n = { x: -n.x, y: -n.y };
      return { a: c.a, d, n, r: c.r + 2 };
    });
  const torsoMap = (x: number, y: number, o: Mapped): boolean => {
    for (const b of beyond) {
      const vx = x - b.a.x;
      const vy = y - b.a.y;
      if (vx * b.n.x + vy * b.n.y > b.r && vx * b.d.x + vy * b.d.y > 0) return false;
    }
    const dx = x - mx;
    const dy = y - my;
    const ux = mx + dx * cos + dy * sin;
    const uy = my - dx * sin + dy * cos;
    const gy = uy <= armU ? (uy - y0) / sx : shape.armpitY + (uy - armU) / sy;
    if (gy < -1 || gy > shape.height + 1) return false;
    const f = Math.max(0, Math.min(n - 1.001, uy - base));
    const i = Math.floor(f);
    const t = f - i;
    const c = C[i]! + (C[i + 1]! - C[i]!) * t;
    if (ux < c) {
      const half = HL[i]! + (HL[i + 1]! - HL[i]!) * t;
      o.gx = gc - ((c - ux) * kl) / half;
      o.across = (ux - c) / half;
    } else {
      const half = HR[i]! + (HR[i + 1]! - HR[i]!) * t;
      o.gx = gc + ((ux - c) * kr) / half;
      o.across = (ux - c) / half;
    }
    o.gy = gy;
    o.fade = 1;
    return true;
  };
  // The box: the torso's own columns mapped on rows a few px apart (the widening varies by row).
  const corners: P[] = [];
  const [tx0, tx1] = shape.torsoX;
  for (let uy = uyOf(0); ; uy = Math.min(uy + 4, hemU)) {
    const [l, r] = edges(uy);
    const c = frame.centreAt(uy);
    corners.push(frame.toImage({ x: c - (gc - tx0 + 1) * ((c - l) / Math.max(1, gc - gl)), y: uy }), frame.toImage({ x: c + (tx1 - gc + 1) * ((r - c) / Math.max(1, gr - gc)), y: uy }));
    if (uy >= hemU) break;
  }
  const torso: Piece = { name: 'torso', ...boxOf(corners, 2, W, H), labels: [TORSO], map: torsoMap };

  // Sleeves go over the torso: an arm by the side is in front of the garment's side seams.
  const sleeves: Piece[] = [];
  const sleeveInfo: Record<string, unknown>[] = [];
  for (const sl of shape.sleeves) {
    const arm = frame.arms.find((a) => a.side === sl.side);
    if (!arm) continue;
    const piece = sleevePiece(sl, arm, frame, sx, W, H, clothing);
    sleeves.push(piece.piece);
    sleeveInfo.push({ side: sl.side < 0 ? 'left' : 'right', along: piece.along, half_width_px: Math.round(piece.halfWidth) });
  }
  return {
    kind: 'pose',
    pieces: [torso, ...sleeves],
    info: { sleeves: sleeveInfo, neckline_y: Math.round(frame.toImage({ x: frame.centreAt(y0 + shape.neckY * sx), y: y0 + shape.neckY * sx }).y), widened_px: widened.map(Math.round) },
  };
}

/** Bottoms on a body frame: waistband → 1.6 × hip width, 0.1 torso above the hips, aspect kept, along hips → knees. */
export function bottomPlacement(rgba: Buffer, gw: number, gh: number, frame: Frame, W: number, H: number): Placement | undefined {
  if (!frame.hipsSeen || frame.hipWidth < 2) return undefined;
  const waist = rowSpan(rgba, gw, gh, gh * 0.04) ?? [0, gw - 1];
  const sx = (frame.hipWidth * 1.6) / Math.max(1, waist[1] - waist[0] + 1);
  const top = frame.hips.y - 0.1 * frame.torso;
  const gc = (waist[0] + waist[1]) / 2;
  // Bottoms follow the hips → knees line, not the shoulders.
  const line: P[] = [{ x: frame.hips.x, y: top }, ...(frame.knees ? [frame.knees] : [])];
  const centreAt = (uy: number) => (line.length < 2 || uy <= line[0]!.y ? line[0]!.x : lerp(line[0]!.x, line[1]!.x, clamp((uy - line[0]!.y) / Math.max(1, line[1]!.y - line[0]!.y), 0, 1)));
  const map = (x: number, y: number, o: Mapped): boolean => {
    const u = frame.toUpright({ x, y });
    o.gx = gc + (u.x - centreAt(u.y)) / sx;
    o.gy = (u.y - top) / sx;
    o.across = clamp(((o.gx / gw) * 2 - 1) * 1.1, -1, 1);
    o.fade = 1;
    return true;
  };
  const pts: P[] = [];
  for (const gy of [0, gh]) for (const gx of [0, gw]) pts.push(frame.toImage({ x: centreAt(top + gy * sx) + (gx - gc) * sx, y: top + gy * sx }));
  const bend = line.length > 1 ? Math.abs(line[1]!.x - line[0]!.x) : 0;
  return { kind: 'pose', pieces: [{ name: 'garment', ...boxOf(pts, bend + 2, W, H), labels: ALL, map }], info: {} };
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
