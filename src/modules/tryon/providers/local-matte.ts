/**
 * The cut-out's soft edge (local-cutout.ts): alpha from the background fill, unmixed near the
 * backdrop, feathered by a pixel, and the backdrop's colour taken out of the edge pixels.
 */
import type { BackgroundModel, Lab } from './local-lab.js';

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/**
 * Alpha from the fill: 0 where the background was reached, 1 inside the garment; within three pixels
 * of the background, the pixel is unmixed along the line from the background colour to the most
 * garment-like colour nearby (its 5×5 neighbourhood). When that colour is itself close to the
 * background (a light garment on a light backdrop), the ramp is relative to their distance, so the
 * light area stays opaque and only the backdrop-coloured fringe goes.
 */
export function matte(reached: Uint8Array, lab: Lab, model: BackgroundModel, w: number, h: number, tBg: number): Float32Array {
  const alpha = new Float32Array(w * h);
  const near = new Uint8Array(w * h); // within 3 px of the background
  for (let p = 0; p < w * h; p++) {
    if (reached[p]) continue;
    alpha[p] = 1;
    const x = p % w;
    const y = (p - x) / w;
    outer: for (let dy = -3; dy <= 3; dy++) {
      for (let dx = -3; dx <= 3; dx++) {
        const X = x + dx;
        const Y = y + dy;
        if (X < 0 || Y < 0 || X >= w || Y >= h || !reached[Y * w + X]) continue;
        near[p] = 1;
        break outer;
      }
    }
  }
  for (let p = 0; p < w * h; p++) {
    if (!near[p]) continue;
    const x = p % w;
    const y = (p - x) / w;
    let best = -1;
    let bestD = -1;
    for (let dy = -2; dy <= 2; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        const X = x + dx;
        const Y = y + dy;
        if (X < 0 || Y < 0 || X >= w || Y >= h) continue;
        const q = Y * w + X;
        if (reached[q]) continue;
        const d = model.distance(q);
        if (d > bestD) {
          bestD = d;
          best = q;
        }
      }
    }
    if (best < 0) continue;
    const bg = model.at(p);
    const fx = lab.L[best]! - bg[0];
    const fy = lab.A[best]! - bg[1];
    const fz = lab.B[best]! - bg[2];
    const d2 = fx * fx + fy * fy + fz * fz;
    const D = Math.sqrt(d2);
    if (D >= 2 * tBg) {
      const proj = ((lab.L[p]! - bg[0]) * fx + (lab.A[p]! - bg[1]) * fy + (lab.B[p]! - bg[2]) * fz) / d2;
      alpha[p] = clamp(proj, 0, 1);
    } else {
      alpha[p] = clamp(model.distance(p) / Math.max(D, 1), 0, 1);
    }
  }
  feather(alpha, w, h);
  return alpha;
}

/** Never more opaque than the 3×3 mean: softens the cut by one pixel, adds no halo. */
export function feather(alpha: Float32Array, w: number, h: number) {
  const src = Float32Array.from(alpha);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (!src[p]) continue;
      let s = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const Y = y + dy;
        if (Y < 0 || Y >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const X = x + dx;
          if (X < 0 || X >= w) continue;
          s += src[Y * w + X]!;
          n++;
        }
      }
      alpha[p] = Math.min(src[p]!, s / n);
    }
  }
}

/** Remove the background's share from semi-transparent edge pixels (no light fringe on a dark photo). */
export function decontaminate(data: Buffer, alpha: Float32Array, model: BackgroundModel, w: number, h: number): Buffer {
  const out = Buffer.from(data);
  for (let p = 0; p < w * h; p++) {
    const a = alpha[p]!;
    if (a <= 0.05 || a >= 0.98) continue;
    const bg = model.rgbAt(p);
    for (let c = 0; c < 3; c++) out[p * 4 + c] = Math.round(clamp((data[p * 4 + c]! - (1 - a) * bg[c]!) / a, 0, 255));
  }
  return out;
}
