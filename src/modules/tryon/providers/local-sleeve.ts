/**
 * A garment's sleeve on the person's arm, for the local engine (local-placement.ts draws it over
 * the torso): a tube along shoulder → elbow → wrist, the garment sleeve's own axis and outline
 * mapped onto it.
 */
import type { Frame, P } from './local-body.js';
import { armHalfWidth, type Clothing } from './local-clothing.js';
import { LEFT_SLEEVE, RIGHT_SLEEVE, TORSO, type Sleeve } from './local-shape.js';
import { boxOf, type Mapped, type Piece } from './local-piece.js';

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/**
 * A sleeve along its arm, as a tube: its centre line starts at the shoulder joint (a rounded cap
 * above it) and follows the upper arm (shoulder → elbow; without an elbow, the other arm mirrored,
 * else hanging 15° out from the body), then the forearm past the elbow, so a long sleeve bends with
 * the arm. Along it, the garment sleeve's axis at the torso's scale; across it, the sleeve's
 * outline (its profile at that point, smoothed) spread over the arm's clothing width. The
 * sleeve's seam side stays on the outside of the arm (a rotation, never a mirror).
 */
export function sleevePiece(sl: Sleeve, arm: Frame['arms'][number], frame: Frame, sx: number, W: number, H: number, clothing: Clothing | undefined) {
  const sw = frame.shoulderWidth;
  const rot = (v: P, a: number): P => ({ x: v.x * Math.cos(a) - v.y * Math.sin(a), y: v.x * Math.sin(a) + v.y * Math.cos(a) });
  let upper: P;
  let along: 'elbow' | 'mirrored' | 'hanging';
  const other = frame.arms.find((a) => a.side !== sl.side);
  if (arm.elbow) {
    upper = { x: arm.elbow.x - arm.shoulder.x, y: arm.elbow.y - arm.shoulder.y };
    along = 'elbow';
  } else if (other?.elbow) {
    // Mirror the other upper arm about the body's vertical axis (in the upright frame).
    const e = frame.toUpright(other.elbow);
    const s = frame.toUpright(other.shoulder);
    const m = frame.toImage({ x: frame.mid.x - (e.x - s.x), y: frame.mid.y + (e.y - s.y) });
    upper = { x: m.x - frame.mid.x, y: m.y - frame.mid.y };
    along = 'mirrored';
  } else {
    upper = rot({ x: 0, y: 0.85 * sw }, frame.angle + (sl.side < 0 ? 1 : -1) * (15 * Math.PI) / 180);
    along = 'hanging';
  }
  let upLen = Math.hypot(upper.x, upper.y);
  if (upLen < 0.35 * sw) {
    // Foreshortened (the elbow toward the camera): keep its direction, not its length.
    upper = upLen > 1e-6 ? { x: (upper.x * 0.35 * sw) / upLen, y: (upper.y * 0.35 * sw) / upLen } : rot({ x: 0, y: 0.35 * sw }, frame.angle);
    upLen = 0.35 * sw;
  }
  const d0 = { x: upper.x / upLen, y: upper.y / upLen };
  const start = { x: arm.shoulder.x - d0.x * 0.05 * sw, y: arm.shoulder.y - d0.y * 0.05 * sw };
  const elbow = { x: arm.shoulder.x + upper.x, y: arm.shoulder.y + upper.y };
  const seg0 = upLen + 0.05 * sw;
  const fore: P = arm.elbow && arm.wrist ? { x: arm.wrist.x - arm.elbow.x, y: arm.wrist.y - arm.elbow.y } : { x: upper.x * 0.85, y: upper.y * 0.85 };
  const foreLen = Math.max(1, Math.hypot(fore.x, fore.y));
  const d1 = { x: fore.x / foreLen, y: fore.y / foreLen };
  const reach = sl.length * sx;
  // The outer side of the arm: the normal of the upper arm pointing away from the body's centre.
  let out = { x: -d0.y, y: d0.x };
  if ((start.x - frame.mid.x) * out.x + (start.y - frame.mid.y) * out.y < 0) out = { x: -out.x, y: -out.y };
  const armHalf = armHalfWidth(clothing, frame, arm.shoulder, d0, Math.min(upLen, reach), out);
  // Per px along the garment sleeve: its outline's centre and half-width across the axis; on the
  // arm, the outer half reaches the outer edge of the arm's clothing (flaring up to 8 % more where
  // the garment's sleeve does), the inner half (against the body) 90 % of the arm.
  const steps = Math.max(2, sl.profile.length / 2);
  const cuffI = Math.min(steps - 1, Math.round(sl.length * 0.8));
  const cuffHalf = Math.max(1, (sl.profile[cuffI * 2 + 1]! - sl.profile[cuffI * 2]!) / 2);
  const mid = new Float32Array(steps);
  const gHalf = new Float32Array(steps);
  const pOut = new Float32Array(steps);
  for (let i = 0; i < steps; i++) {
    // Smoothed over ±3 rows: the outline of an oblique sleeve steps from pixel to pixel.
    let a = 0;
    let b = 0;
    let n = 0;
    for (let j = Math.max(0, i - 3); j <= Math.min(steps - 1, i + 3); j++) {
      a += sl.profile[j * 2]!;
      b += sl.profile[j * 2 + 1]!;
      n++;
    }
    mid[i] = (a + b) / 2 / n;
    // Sample a pixel inside the outline: the edge's softness comes from the arm's side, not the packshot's stair-steps.
    gHalf[i] = Math.max(0.5, (b - a) / 2 / n - 1);
    pOut[i] = (armHalf + 2) * clamp(gHalf[i]! / cuffHalf, 1, 1.08);
  }
  const pIn = armHalf * 0.9;
  // Which sign of the across distance points away from the body.
  const outSign = (start.x - frame.mid.x) * -d0.y + (start.y - frame.mid.y) * d0.x >= 0 ? 1 : -1;
  // The cap: the top of the sleeve rounds over the shoulder joint (half an ellipse, to the shoulder's top).
  const back = Math.min(0.4 * armHalf, 0.07 * sw);
  const { x: sx0, y: sy0 } = start;
  const map = (x: number, y: number, o: Mapped): boolean => {
    const vx = x - sx0;
    const vy = y - sy0;
    let t = vx * d0.x + vy * d0.y;
    let s = vx * -d0.y + vy * d0.x;
    let thin = 1;
    if (t > seg0) {
      const wx = x - elbow.x;
      const wy = y - elbow.y;
      const t1 = wx * d1.x + wy * d1.y;
      if (t1 > 0) {
        t = seg0 + t1;
        s = wx * -d1.y + wy * d1.x;
        thin = 0.85;
      }
    }
    if (t < -back || t > reach + 2) return false;
    // The sleeve's outline at this point, interpolated between the profile's rows.
    const tg = t / sx;
    const f = Math.max(0, Math.min(steps - 1.001, tg));
    const i = Math.floor(f);
    const k = f - i;
    const outward = s * outSign >= 0;
    let half = (outward ? pOut[i]! + (pOut[i + 1]! - pOut[i]!) * k : pIn) * thin;
    if (t < 0) half *= Math.sqrt(Math.max(0, 1 - (t / back) ** 2));
    if (Math.abs(s) > half + 1 || half < 0.5) return false;
    const u = Math.max(-1, Math.min(1, s / half)); // -1…1 across the arm
    const sg = mid[i]! + (mid[i + 1]! - mid[i]!) * k + u * (gHalf[i]! + (gHalf[i + 1]! - gHalf[i]!) * k);
    o.gx = sl.root.x + tg * sl.axis.x - sg * sl.axis.y;
    o.gy = sl.root.y + tg * sl.axis.y + sg * sl.axis.x;
    o.across = u; // a tube: darker towards both sides
    o.fade = Math.min(1, half + 1 - Math.abs(s)); // a one-pixel soft edge along the arm
    return true;
  };
  const hw = (armHalf + 2) * 1.08 + 4;
  const stepBack = Math.max(back, 1);
  const pts: P[] = [start, { x: start.x - d0.x * stepBack, y: start.y - d0.y * stepBack }];
  if (reach <= seg0) pts.push({ x: start.x + d0.x * reach, y: start.y + d0.y * reach });
  else pts.push(elbow, { x: elbow.x + d1.x * (reach - seg0), y: elbow.y + d1.y * (reach - seg0) });
  const piece: Piece = { name: sl.side < 0 ? 'left-sleeve' : 'right-sleeve', ...boxOf(pts, hw, W, H), labels: [sl.side < 0 ? LEFT_SLEEVE : RIGHT_SLEEVE, TORSO], map };
  return { piece, along, halfWidth: armHalf + 2 };
}
