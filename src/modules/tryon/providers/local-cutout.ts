/**
 * Cut a garment out of a plain light background (a flat-lay or packshot): the background colour is
 * the median of the border ring; when the border is plain (≥ 80 % of it close to that colour) and
 * light, a flood fill from the border removes the connected pixels close to it — so a white print
 * inside the garment survives — with a soft ramp on colour distance (CIELAB ΔE, so shadows on a
 * white sweep and pale garments are told apart as the eye does) and a 1-pixel feathered edge.
 * The result is cropped to what is left. Pure pixel code over sharp's raw RGBA; deterministic.
 */
import sharp from 'sharp';

export type Cutout = { data: Buffer; width: number; height: number; backgroundRemoved: boolean };

/** ΔE (CIELAB) below which a pixel is background, and above which it is garment (ramp between). */
const HARD = 8;
const SOFT = 20;
const MAX_SIDE = 640;

const LIN = Array.from({ length: 256 }, (_, c) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
});
const labF = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
function toLab(r: number, g: number, b: number): [number, number, number] {
  const R = LIN[r]!;
  const G = LIN[g]!;
  const B = LIN[b]!;
  const fx = labF((0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047);
  const fy = labF(0.2126729 * R + 0.7151522 * G + 0.072175 * B);
  const fz = labF((0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[values.length >> 1] ?? 0;
}

function borderIndices(w: number, h: number): number[] {
  const out: number[] = [];
  for (let x = 0; x < w; x++) out.push(x, (h - 1) * w + x);
  for (let y = 1; y < h - 1; y++) out.push(y * w, y * w + w - 1);
  return out;
}

/** Decode, shrink to ≤ 640 px, and remove a plain light background. */
export async function cutOutGarment(bytes: Buffer): Promise<Cutout> {
  const { data, info } = await sharp(bytes)
    .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const w = info.width;
  const h = info.height;
  const border = borderIndices(w, h);
  const bgRgb = [0, 1, 2].map((c) => median(border.map((p) => data[p * 4 + c]!))) as [number, number, number];
  const bg = toLab(...bgRgb);
  // ΔE to the background, computed only for the pixels the fill reaches (and memoised): the inside
  // of the garment is never converted. Identical colours (flat backgrounds) share one conversion.
  const memo = new Float32Array(w * h).fill(-1);
  let lastRgb = -1;
  let lastDist = 0;
  const dist = (p: number) => {
    const m = memo[p]!;
    if (m >= 0) return m;
    const i = p * 4;
    const rgb = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    if (rgb !== lastRgb) {
      const l = toLab(data[i]!, data[i + 1]!, data[i + 2]!);
      lastDist = Math.hypot(l[0] - bg[0], l[1] - bg[1], l[2] - bg[2]);
      lastRgb = rgb;
    }
    memo[p] = lastDist;
    return lastDist;
  };
  const plain = border.filter((p) => dist(p) < SOFT).length / border.length >= 0.8;
  const light = 0.299 * bgRgb[0] + 0.587 * bgRgb[1] + 0.114 * bgRgb[2] >= 160;
  if (!plain || !light || w < 3 || h < 3) return { data, width: w, height: h, backgroundRemoved: false };

  // Flood fill from the border through pixels close to the background colour.
  const alpha = new Uint8Array(w * h).fill(255);
  const seen = new Uint8Array(w * h);
  const stack: number[] = [];
  for (const p of border) {
    if (dist(p) >= SOFT) continue;
    seen[p] = 1;
    stack.push(p);
  }
  while (stack.length) {
    const p = stack.pop()!;
    const d = dist(p);
    alpha[p] = d <= HARD ? 0 : Math.round(((d - HARD) / (SOFT - HARD)) * 255);
    const x = p % w;
    const next = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, p >= w ? p - w : -1, p < w * (h - 1) ? p + w : -1];
    for (const q of next) {
      if (q < 0 || seen[q]) continue;
      seen[q] = 1;
      if (dist(q) < SOFT) stack.push(q);
    }
  }

  // Feather: never more opaque than the 3×3 mean (softens the cut by one pixel, adds no halo).
  // Separable 3×3 box sum (rows, then columns): the same sums and counts as the direct 9-tap loop.
  const rowSum = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) {
    const r = y * w;
    for (let x = 0; x < w; x++) rowSum[r + x] = alpha[r + x]! + (x > 0 ? alpha[r + x - 1]! : 0) + (x < w - 1 ? alpha[r + x + 1]! : 0);
  }
  const out = Buffer.from(data);
  let minX = w;
  let minY = h;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < h; y++) {
    const ny = 1 + (y > 0 ? 1 : 0) + (y < h - 1 ? 1 : 0);
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const own = alpha[p]!;
      if (own === 0) {
        out[p * 4 + 3] = 0;
        continue;
      }
      const sum = rowSum[p]! + (y > 0 ? rowSum[p - w]! : 0) + (y < h - 1 ? rowSum[p + w]! : 0);
      const n = ny * (1 + (x > 0 ? 1 : 0) + (x < w - 1 ? 1 : 0));
      const a = Math.min(own, Math.round(sum / n));
      out[p * 4 + 3] = Math.round((a * data[p * 4 + 3]!) / 255);
      if (a > 16) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  if (maxX < 0) return { data, width: w, height: h, backgroundRemoved: false }; // nothing left: keep the photo as is

  const cw = maxX - minX + 1;
  const ch = maxY - minY + 1;
  const cropped = Buffer.alloc(cw * ch * 4);
  for (let y = 0; y < ch; y++) out.copy(cropped, y * cw * 4, ((minY + y) * w + minX) * 4, ((minY + y) * w + maxX + 1) * 4);
  return { data: cropped, width: cw, height: ch, backgroundRemoved: true };
}
