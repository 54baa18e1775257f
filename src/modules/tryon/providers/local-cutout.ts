/**
 * Cut a garment out of its packshot by modelling the BACKGROUND, never the garment's colours:
 * - a packshot with an alpha channel in use: its own alpha;
 * - a plain background (white, grey, dark, a gradient or vignette): the background colour at every
 *   pixel is a quadratic surface fitted (robustly) to the border ring in CIELAB, and its noise is
 *   measured there. A fill grows from the border through pixels that are close to that surface
 *   AND flat (no edge: Sobel gradient below the ring's noise). So a light part of the garment that
 *   meets its outline is kept whenever an outline, seam or shadow separates it from the backdrop,
 *   and a white print inside the garment is never reached;
 * - a busy background: the same fill against a few colour clusters of the border ring, kept only
 *   when it leaves a plausible garment; otherwise the photo is kept whole with soft edges.
 * The edge gets a soft alpha matte: pixels next to the removed background are unmixed along the
 * line between the background and the nearest garment colour (and their colour decontaminated),
 * then feathered by one pixel. Specks apart from the garment are dropped; the result is cropped.
 * Pure pixel code over sharp's raw RGBA; deterministic.
 */
import sharp from 'sharp';
import { fill, fitBackground, kMeans, labImage, maxFilter, ringIndices, sobel } from './local-lab.js';
import { decontaminate, feather, matte } from './local-matte.js';

export type CutoutMethod = 'alpha' | 'plain' | 'clusters' | 'none';
export type Cutout = { data: Buffer; width: number; height: number; backgroundRemoved: boolean; method: CutoutMethod };

const MAX_SIDE = 640;

/** Decode, shrink to ≤ 640 px (or `maxSide`), and remove the background. */
export async function cutOutGarment(bytes: Buffer, maxSide = MAX_SIDE): Promise<Cutout> {
  const img = sharp(bytes);
  const meta = await img.metadata();
  const { data, info } = await img
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const w = info.width;
  const h = info.height;
  if (w < 8 || h < 8) return { data, width: w, height: h, backgroundRemoved: false, method: 'none' };
  if (meta.hasAlpha && usesAlpha(data, w, h)) return finish(data, Float32Array.from({ length: w * h }, (_, p) => data[p * 4 + 3]! / 255), w, h, 'alpha');

  const lab = labImage(data, w, h);
  const grad = sobel(lab.L, w, h);
  const ring = ringIndices(w, h, 2);
  const model = fitBackground(lab, ring, w, h);
  const ringGrad = median(ring.map((p) => grad[p]!));
  // Noise-adaptive thresholds: a flat synthetic backdrop gets tight ones, a JPEG photo wider ones.
  const tBg = clamp(3 * model.sigma + 2.5, 2.5, 14);
  const tGrad = clamp(4 * ringGrad + 1.5, 1.5, 12);
  const plain = ring.filter((p) => model.distance(p) < tBg).length / ring.length >= 0.75;

  if (plain) {
    // An edge stops the fill: a gradient above the ring's noise, and above an eighth of the strongest
    // edge nearby (JPEG ringing beside a strong outline is not an edge of its own).
    const gMax = maxFilter(grad, w, h, 3);
    const edge = (p: number) => grad[p]! >= Math.max(tGrad, 0.12 * gMax[p]!);
    // Within a JPEG block or two of a strong outline, compression ringing lifts the backdrop by up to
    // ~8 % of the outline's contrast.
    const cMax = maxFilter(model.dist, w, h, 8);
    const near = (p: number) => model.distance(p) < Math.max(tBg, 0.08 * cMax[p]!);
    // Close to the background model, or (for a gradient the model missed) a small step from the
    // background pixel the fill comes from, within a looser bound.
    const tStep = clamp(2 * model.sigma + 1.2, 1.2, 8);
    const tLoose = Math.max(3 * tBg, 20);
    const step = (p: number, q: number) => {
      const dl = lab.L[p]! - lab.L[q]!;
      const da = lab.A[p]! - lab.A[q]!;
      const db = lab.B[p]! - lab.B[q]!;
      return Math.sqrt(dl * dl + da * da + db * db);
    };
    const reached = fill(ring, w, h, (q, from) => {
      if (edge(q)) return false;
      return near(q) || (from >= 0 && model.distance(q) < tLoose && step(q, from) < tStep);
    });
    const alpha = matte(reached, lab, model, w, h, tBg);
    const result = finish(decontaminate(data, alpha, model, w, h), alpha, w, h, 'plain');
    if (result.backgroundRemoved) return result;
    return { data, width: w, height: h, backgroundRemoved: false, method: 'none' };
  }

  // Busy: a few colour clusters of the border; accept only a plausible garment, else keep it whole.
  const clusters = ringClusters(lab, ring, 4);
  const near = (p: number) => clusters.some((c) => Math.hypot(lab.L[p]! - c[0], lab.A[p]! - c[1], lab.B[p]! - c[2]) < 12);
  const reached = fill(ring, w, h, (p) => near(p) && grad[p]! < Math.max(tGrad, 3));
  let kept = 0;
  let cx = 0;
  let cy = 0;
  for (let p = 0; p < w * h; p++) {
    if (reached[p]) continue;
    kept++;
    cx += p % w;
    cy += Math.floor(p / w);
  }
  const share = kept / (w * h);
  const centred = kept > 0 && Math.abs(cx / kept / w - 0.5) < 0.2 && Math.abs(cy / kept / h - 0.5) < 0.25;
  // The garment is apart from the frame: nearly all of the border turned out to be background.
  const framed = ring.filter((p) => reached[p]).length / ring.length >= 0.9;
  if (share > 0.06 && share < 0.8 && centred && framed) {
    const alpha = new Float32Array(w * h);
    for (let p = 0; p < w * h; p++) alpha[p] = reached[p] ? 0 : 1;
    feather(alpha, w, h);
    const result = finish(data, alpha, w, h, 'clusters');
    if (result.backgroundRemoved) return result;
  }
  return softRectangle(data, w, h);
}

/** True when the image's alpha channel is in use (some of it transparent), not a flat 255. */
function usesAlpha(data: Buffer, w: number, h: number): boolean {
  let clear = 0;
  for (let p = 0; p < w * h; p++) if (data[p * 4 + 3]! < 128) clear++;
  return clear / (w * h) > 0.01;
}

/** Apply the alpha, drop specks apart from the garment, crop to what is left. */
function finish(data: Buffer, alpha: Float32Array, w: number, h: number, method: CutoutMethod): Cutout {
  const keep = mainComponents(alpha, w, h);
  const out = Buffer.from(data);
  let minX = w;
  let minY = h;
  let maxX = -1;
  let maxY = -1;
  for (let p = 0; p < w * h; p++) {
    const a = keep[p] ? alpha[p]! : 0;
    out[p * 4 + 3] = Math.round(a * (method === 'alpha' ? 255 : data[p * 4 + 3]!));
    if (out[p * 4 + 3]! > 16) {
      const x = p % w;
      const y = (p - x) / w;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) return { data, width: w, height: h, backgroundRemoved: false, method: 'none' };
  const cw = maxX - minX + 1;
  const ch = maxY - minY + 1;
  const cropped = Buffer.alloc(cw * ch * 4);
  for (let y = 0; y < ch; y++) out.copy(cropped, y * cw * 4, ((minY + y) * w + minX) * 4, ((minY + y) * w + maxX + 1) * 4);
  return { data: cropped, width: cw, height: ch, backgroundRemoved: true, method };
}

/** Which pixels belong to a sizeable part (≥ 2 % of the largest 8-connected component of alpha ≥ 0.5, and the soft edge around it). */
function mainComponents(alpha: Float32Array, w: number, h: number): Uint8Array {
  const label = new Int32Array(w * h).fill(-1);
  const sizes: number[] = [];
  const stack = new Int32Array(w * h);
  for (let s = 0; s < w * h; s++) {
    if (label[s]! >= 0 || alpha[s]! < 0.5) continue;
    const id = sizes.length;
    let n = 0;
    let size = 0;
    label[s] = id;
    stack[n++] = s;
    while (n > 0) {
      const p = stack[--n]!;
      size++;
      const x = p % w;
      const y = (p - x) / w;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const X = x + dx;
          const Y = y + dy;
          if (X < 0 || Y < 0 || X >= w || Y >= h) continue;
          const q = Y * w + X;
          if (label[q]! >= 0 || alpha[q]! < 0.5) continue;
          label[q] = id;
          stack[n++] = q;
        }
      }
    }
    sizes.push(size);
  }
  const largest = Math.max(0, ...sizes);
  const big = sizes.map((s) => s >= Math.max(largest * 0.02, 12));
  const keep = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) {
    const l = label[p]!;
    if (l >= 0) keep[p] = big[l] ? 1 : 0;
  }
  // The soft edge (alpha < 0.5) goes with a kept neighbour.
  for (let p = 0; p < w * h; p++) {
    if (label[p]! >= 0 || alpha[p]! <= 0) continue;
    const x = p % w;
    const y = (p - x) / w;
    for (let dy = -2; dy <= 2 && !keep[p]; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        const X = x + dx;
        const Y = y + dy;
        if (X < 0 || Y < 0 || X >= w || Y >= h) continue;
        const l = label[Y * w + X]!;
        if (l >= 0 && big[l]) {
          keep[p] = 1;
          break;
        }
      }
    }
  }
  return keep;
}

/** Up to k colour clusters of the border ring; a cluster holding a sliver of it is the garment touching the border, not background. */
function ringClusters(lab: ReturnType<typeof labImage>, ring: number[], k: number): [number, number, number][] {
  const pts = ring.map((p) => [lab.L[p]!, lab.A[p]!, lab.B[p]!] as [number, number, number]);
  return kMeans(pts, k, 6)
    .filter((c) => c.share >= 0.08)
    .map((c) => c.lab);
}

/** The photo kept whole, its edges faded over 4 % of its size (no hard rectangle). */
function softRectangle(data: Buffer, w: number, h: number): Cutout {
  const out = Buffer.from(data);
  const m = Math.max(2, Math.round(Math.min(w, h) * 0.04));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.min(x, y, w - 1 - x, h - 1 - y);
      if (d >= m) continue;
      const p = (y * w + x) * 4 + 3;
      out[p] = Math.round((out[p]! * (d + 0.5)) / m);
    }
  }
  return { data: out, width: w, height: h, backgroundRemoved: false, method: 'none' };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1] ?? 0;
}
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
