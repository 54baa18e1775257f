/**
 * What of the person stays in front of a garment, as soft masks over boxes of the photo: the face
 * and the hands (keepMask), the arms (armsMask).
 */
import { segDist, type Frame, type P } from './local-body.js';
import { armCapsules, type Clothing } from './local-clothing.js';

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

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
