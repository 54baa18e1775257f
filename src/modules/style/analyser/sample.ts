/** Pixels to colours: sampled pixel offsets → white-balanced linear RGB → CIELAB (D65). */
import { LINEAR, linearToLab, type Lab } from './colour.js';
import type { Img } from './geometry.js';

export type Gains = { r: number; g: number; b: number };

export function labsAt(img: Img, offsets: number[], gains: Gains): Lab[] {
  const out: Lab[] = new Array(offsets.length);
  for (let k = 0; k < offsets.length; k++) {
    const i = offsets[k]! * 3;
    out[k] = linearToLab(LINEAR[img.rgb[i]!]! * gains.r, LINEAR[img.rgb[i + 1]!]! * gains.g, LINEAR[img.rgb[i + 2]!]! * gains.b);
  }
  return out;
}

/** Fraction of the pixels blown to white (all three channels at 248 or more) and crushed to black (all at 8 or less). */
export function clipping(img: Img, offsets: number[]): { bright: number; dark: number } {
  if (offsets.length === 0) return { bright: 0, dark: 0 };
  let bright = 0;
  let dark = 0;
  for (const p of offsets) {
    const i = p * 3;
    const r = img.rgb[i]!;
    const g = img.rgb[i + 1]!;
    const b = img.rgb[i + 2]!;
    if (r >= 248 && g >= 248 && b >= 248) bright++;
    if (r <= 8 && g <= 8 && b <= 8) dark++;
  }
  return { bright: bright / offsets.length, dark: dark / offsets.length };
}

/**
 * Variance of the 4-neighbour Laplacian of the luma over a box, the box scaled to `side` px wide
 * first (so faces of any size compare) and divided by the square of the box's mean luma over 128
 * (a darker photo has smaller differences everywhere, which is not blur).
 */
export function boxSharpness(img: Img, box: { x: number; y: number; width: number; height: number }, side = 160): number {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(img.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(img.height, Math.ceil(box.y + box.height));
  const bw = x1 - x0;
  const bh = y1 - y0;
  if (bw < 8 || bh < 8) return 0;
  // Area-average down (never up) to `side` px wide.
  const f = Math.max(1, bw / side);
  const w = Math.max(3, Math.floor(bw / f));
  const h = Math.max(3, Math.floor(bh / f));
  const grey = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx0 = x0 + Math.floor(x * f);
      const sy0 = y0 + Math.floor(y * f);
      const sx1 = Math.max(sx0 + 1, x0 + Math.floor((x + 1) * f));
      const sy1 = Math.max(sy0 + 1, y0 + Math.floor((y + 1) * f));
      let s = 0;
      let n = 0;
      for (let yy = sy0; yy < sy1; yy++) {
        for (let xx = sx0; xx < sx1; xx++) {
          const i = (yy * img.width + xx) * 3;
          s += 0.299 * img.rgb[i]! + 0.587 * img.rgb[i + 1]! + 0.114 * img.rgb[i + 2]!;
          n++;
        }
      }
      grey[y * w + x] = s / n;
    }
  }
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v = grey[i - 1]! + grey[i + 1]! + grey[i - w]! + grey[i + w]! - 4 * grey[i]!;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  const mean = sum / n;
  let luma = 0;
  for (const v of grey) luma += v;
  luma /= grey.length;
  return (sumSq / n - mean * mean) / Math.max(0.02, (luma / 128) ** 2);
}
