/**
 * Image measures from raw pixels: sharpness (variance of the Laplacian on a 512 px grey image —
 * scale-normalised so photos of any size compare), exposure (mean luma, crushed and blown
 * fractions) and colour cast (mean CIELAB a*, b*: the grey-world assumption).
 */
import sharp from 'sharp';
import type { ImageMeasures } from './types.js';

export const MEASURE_SIDE = 512;

/** Variance of the 4-neighbour Laplacian over a grey image. */
export function laplacianVariance(grey: Uint8Array | Buffer, w: number, h: number): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    const row = y * w;
    for (let x = 1; x < w - 1; x++) {
      const i = row + x;
      const v = grey[i - 1]! + grey[i + 1]! + grey[i - w]! + grey[i + w]! - 4 * grey[i]!;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

const srgbToLinear = (c: number) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
const labF = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);

/** sRGB (0–255) → CIELAB (D65). */
export function rgbToLab(r: number, g: number, b: number): [number, number, number] {
  const R = srgbToLinear(r);
  const G = srgbToLinear(g);
  const B = srgbToLinear(b);
  const X = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const Z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const fx = labF(X);
  const fy = labF(Y);
  const fz = labF(Z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** Measures of an RGB raw image (3 channels). */
/** Exposure inside a box (pixels of the raw image). */
export function boxExposure(rgb: Buffer, width: number, height: number, box: { x: number; y: number; width: number; height: number }) {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(width, Math.ceil(box.x + box.width));
  const y1 = Math.min(height, Math.ceil(box.y + box.height));
  let sum = 0;
  let dark = 0;
  let bright = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * width + x) * 3;
      const v = 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
      sum += v;
      if (v <= 8) dark++;
      else if (v >= 247) bright++;
      n++;
    }
  }
  if (n === 0) return null;
  const r = (v: number) => Math.round(v * 10000) / 10000;
  return { brightness: Math.round((sum / n) * 100) / 100, clippedDark: r(dark / n), clippedBright: r(bright / n) };
}

export async function measureRgb(
  rgb: Buffer,
  width: number,
  height: number,
  original: { width: number; height: number },
  faceBox?: { x: number; y: number; width: number; height: number },
): Promise<ImageMeasures> {
  // One resize of the RGB pixels to ≤ 512 px; the grey image and the colour thumbnail are made from
  // it. (Converting the full-size image to grey first, as before, cost twice as much for the same
  // figures: the sharpness moves by < 3 %, the brightness by < 0.05.)
  const half = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize({ width: MEASURE_SIDE, height: MEASURE_SIDE, fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const halfRaw = { raw: { width: half.info.width, height: half.info.height, channels: 3 as const } };
  const { data: grey, info } = await sharp(half.data, halfRaw).greyscale().raw().toBuffer({ resolveWithObject: true });
  const small = await sharp(half.data, halfRaw).resize(64, 64, { fit: 'fill' }).raw().toBuffer();
  const sharpness = laplacianVariance(grey, info.width, info.height);
  let sum = 0;
  let dark = 0;
  let bright = 0;
  for (let i = 0; i < grey.length; i++) {
    const v = grey[i]!;
    sum += v;
    if (v <= 8) dark++;
    else if (v >= 247) bright++;
  }
  const n = grey.length || 1;
  // Colour cast from the mean Lab of a small thumbnail (each pixel converted, then averaged).
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < small.length; i += 3) {
    const [, a, b] = rgbToLab(small[i]!, small[i + 1]!, small[i + 2]!);
    sa += a;
    sb += b;
  }
  const m = small.length / 3 || 1;
  const a = sa / m;
  const b = sb / m;
  const r2 = (v: number) => Math.round(v * 100) / 100;
  return {
    width: original.width,
    height: original.height,
    sharpness: r2(sharpness),
    brightness: r2(sum / n),
    clippedDark: Math.round((dark / n) * 10000) / 10000,
    clippedBright: Math.round((bright / n) * 10000) / 10000,
    cast: { a: r2(a), b: r2(b), magnitude: r2(Math.hypot(a, b)) },
    face: faceBox ? boxExposure(rgb, width, height, faceBox) : null,
  };
}
