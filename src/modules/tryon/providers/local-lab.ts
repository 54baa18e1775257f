/**
 * Colour helpers of the local engine: sRGB → CIELAB for whole images (memoised per colour, so flat
 * packshots convert a handful of colours), a Sobel gradient of L*, and a robust background model:
 * a quadratic surface in x, y per Lab channel fitted to the border ring (a flat backdrop, a studio
 * sweep's gradient or a vignette), with the ring's noise level.
 */

export type Lab = { L: Float32Array; A: Float32Array; B: Float32Array };

const LIN = Array.from({ length: 256 }, (_, c) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
});
const labF = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);

export function toLab(r: number, g: number, b: number): [number, number, number] {
  const out = new Float64Array(3);
  labInto(r, g, b, out);
  return [out[0]!, out[1]!, out[2]!];
}

/** toLab into a scratch array (no allocation). */
export function labInto(r: number, g: number, b: number, out: Float64Array) {
  const R = LIN[r]!;
  const G = LIN[g]!;
  const B = LIN[b]!;
  const fx = labF((0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047);
  const fy = labF(0.2126729 * R + 0.7151522 * G + 0.072175 * B);
  const fz = labF((0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883);
  out[0] = 116 * fy - 16;
  out[1] = 500 * (fx - fy);
  out[2] = 200 * (fy - fz);
}

const fInv = (t: number) => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));
const gamma = (v: number) => 255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);

export function labToRgb(L: number, a: number, b: number): [number, number, number] {
  const fy = (L + 16) / 116;
  const X = 0.95047 * fInv(fy + a / 500);
  const Y = fInv(fy);
  const Z = 1.08883 * fInv(fy - b / 200);
  const r = 3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z;
  const g = -0.969266 * X + 1.8760108 * Y + 0.041556 * Z;
  const bl = 0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z;
  return [r, g, bl].map((v) => Math.max(0, Math.min(255, gamma(Math.max(0, v))))) as [number, number, number];
}

/** Lab of every pixel of an RGBA (or RGB, `channels`) buffer. */
export function labImage(data: Uint8Array, w: number, h: number, channels = 4): Lab {
  const n = w * h;
  const L = new Float32Array(n);
  const A = new Float32Array(n);
  const B = new Float32Array(n);
  const memo = new Map<number, number>();
  const cache: number[] = [];
  for (let p = 0; p < n; p++) {
    const i = p * channels;
    const rgb = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    let k = memo.get(rgb);
    if (k === undefined) {
      const l = toLab(data[i]!, data[i + 1]!, data[i + 2]!);
      k = cache.length;
      cache.push(l[0], l[1], l[2]);
      if (memo.size < 1 << 16) memo.set(rgb, k);
    }
    L[p] = cache[k]!;
    A[p] = cache[k + 1]!;
    B[p] = cache[k + 2]!;
  }
  return { L, A, B };
}

/** Sobel gradient magnitude of a channel, scaled so a step of d between two pixels reads about d / 2. */
export function sobel(ch: Float32Array, w: number, h: number): Float32Array {
  const g = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      const gx = ch[p - w + 1]! + 2 * ch[p + 1]! + ch[p + w + 1]! - ch[p - w - 1]! - 2 * ch[p - 1]! - ch[p + w - 1]!;
      const gy = ch[p + w - 1]! + 2 * ch[p + w]! + ch[p + w + 1]! - ch[p - w - 1]! - 2 * ch[p - w]! - ch[p - w + 1]!;
      g[p] = Math.sqrt(gx * gx + gy * gy) / 8;
    }
  }
  return g;
}

/** Indices of the outer `width` pixels of a w×h image, each once. */
export function ringIndices(w: number, h: number, width: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x < width || y < width || x >= w - width || y >= h - width) out.push(y * w + x);
      else if (x === width) x = w - width - 1;
    }
  }
  return out;
}

export type BackgroundModel = {
  /** Background Lab at pixel p. */
  at: (p: number) => [number, number, number];
  rgbAt: (p: number) => [number, number, number];
  /** ΔE of pixel p to the background there. */
  distance: (p: number) => number;
  /** The same for every pixel. */
  dist: Float32Array;
  /** Noise of the ring around the model (robust σ of ΔE). */
  sigma: number;
};

/** Robust quadratic-surface fit of the background to the ring pixels (two reweighting passes). */
export function fitBackground(lab: Lab, ring: number[], w: number, h: number): BackgroundModel {
  const basis = (p: number) => {
    const x = ((p % w) / Math.max(1, w - 1)) * 2 - 1;
    const y = (Math.floor(p / w) / Math.max(1, h - 1)) * 2 - 1;
    return [1, x, y, x * x, x * y, y * y];
  };
  const chans = [lab.L, lab.A, lab.B];
  let coef = chans.map((c) => {
    const m = medianOf(ring.map((p) => c[p]!));
    return [m, 0, 0, 0, 0, 0];
  });
  const evalAt = (p: number, cf: number[][]) => {
    const b = basis(p);
    return cf.map((k) => k.reduce((s, v, i) => s + v * b[i]!, 0)) as [number, number, number];
  };
  const resid = (p: number, cf: number[][]) => {
    const m = evalAt(p, cf);
    return Math.hypot(lab.L[p]! - m[0], lab.A[p]! - m[1], lab.B[p]! - m[2]);
  };
  let sigma = 1.4826 * medianOf(ring.map((p) => resid(p, coef)));
  for (let pass = 0; pass < 2; pass++) {
    const cut = Math.max(3 * sigma, 3);
    const inliers = ring.filter((p) => resid(p, coef) < cut);
    if (inliers.length < 24) break;
    const next = chans.map((c) => solveLeastSquares(inliers.map(basis), inliers.map((p) => c[p]!)));
    if (next.some((k) => !k)) break;
    coef = next as number[][];
    sigma = 1.4826 * medianOf(inliers.map((p) => resid(p, coef)));
  }
  // The surface and the distance to it at every pixel, once (the fill and the matte read them many times).
  const n = w * h;
  const bgL = new Float32Array(n);
  const bgA = new Float32Array(n);
  const bgB = new Float32Array(n);
  const dist = new Float32Array(n);
  const [cL, cA, cB] = coef as [number[], number[], number[]];
  const sx = 2 / Math.max(1, w - 1);
  const sy = 2 / Math.max(1, h - 1);
  for (let y = 0, p = 0; y < h; y++) {
    const yy = y * sy - 1;
    for (let x = 0; x < w; x++, p++) {
      const xx = x * sx - 1;
      const x2 = xx * xx;
      const xy = xx * yy;
      const y2 = yy * yy;
      const l = cL[0]! + cL[1]! * xx + cL[2]! * yy + cL[3]! * x2 + cL[4]! * xy + cL[5]! * y2;
      const a = cA[0]! + cA[1]! * xx + cA[2]! * yy + cA[3]! * x2 + cA[4]! * xy + cA[5]! * y2;
      const b = cB[0]! + cB[1]! * xx + cB[2]! * yy + cB[3]! * x2 + cB[4]! * xy + cB[5]! * y2;
      bgL[p] = l;
      bgA[p] = a;
      bgB[p] = b;
      const dl = lab.L[p]! - l;
      const da = lab.A[p]! - a;
      const db = lab.B[p]! - b;
      dist[p] = Math.sqrt(dl * dl + da * da + db * db);
    }
  }
  return {
    at: (p) => [bgL[p]!, bgA[p]!, bgB[p]!],
    rgbAt: (p) => labToRgb(bgL[p]!, bgA[p]!, bgB[p]!),
    distance: (p) => dist[p]!,
    dist,
    sigma,
  };
}

/** Normal equations + Gaussian elimination (6 unknowns); undefined when singular. */
function solveLeastSquares(rows: number[][], ys: number[]): number[] | undefined {
  const k = rows[0]!.length;
  const m = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  rows.forEach((r, i) => {
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) m[a]![b]! += r[a]! * r[b]!;
      m[a]![k]! += r[a]! * ys[i]!;
    }
  });
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    if (Math.abs(m[piv]![c]!) < 1e-9) return undefined;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= k; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row, i) => row[k]! / row[i]!);
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1] ?? 0;
}

/** The k-means the cut-out and the clothing scan use (generic: platform/images/kmeans.ts). */
export { kMeans } from '../../../platform/images/kmeans.js';

/** Border-connected flood fill (4-neighbours) through pixels `pass(q, from)` accepts (from = -1 for a seed). */
export function fill(seeds: number[], w: number, h: number, pass: (q: number, from: number) => boolean): Uint8Array {
  const reached = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let n = 0;
  for (const p of seeds) {
    if (reached[p] || !pass(p, -1)) continue;
    reached[p] = 1;
    stack[n++] = p;
  }
  const visit = (q: number, p: number) => {
    if (reached[q] || !pass(q, p)) return;
    reached[q] = 1;
    stack[n++] = q;
  };
  while (n > 0) {
    const p = stack[--n]!;
    const x = p % w;
    if (x > 0) visit(p - 1, p);
    if (x < w - 1) visit(p + 1, p);
    if (p >= w) visit(p - w, p);
    if (p < w * (h - 1)) visit(p + w, p);
  }
  return reached;
}

/** Separable max filter over a (2r+1)² window. */
export function maxFilter(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (let i = Math.max(0, x - r); i <= Math.min(w - 1, x + r); i++) m = Math.max(m, src[y * w + i]!);
      tmp[y * w + x] = m;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (let j = Math.max(0, y - r); j <= Math.min(h - 1, y + r); j++) m = Math.max(m, tmp[j * w + x]!);
      out[y * w + x] = m;
    }
  }
  return out;
}
