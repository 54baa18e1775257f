/**
 * What the person wears, for the local engine: the clothing's colours (a few CIELAB clusters in the
 * middle of the torso), how far it reaches beyond a garment's edges on each torso row (so the new
 * garment covers it), and how wide each arm's clothing is (the arms' capsules).
 */
import { kMeans, labInto, labToRgb, toLab } from './local-lab.js';
import { segDist, type Frame, type P, type Rgb } from './local-body.js';

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

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
