/**
 * Regions of the face from the 478-point mesh (MediaPipe's topology, as @vladmandic/human returns
 * it: 468 face points, then two groups of 5 iris points), polygon rasterisation and pixel sampling.
 * Indices checked by drawing them on the fixture portrait (subject's right = image left).
 */
export type Pt = { x: number; y: number };
export type Img = { rgb: Buffer; width: number; height: number };

/** The face outline, clockwise from the top of the forehead (point 10). */
export const FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109];
/** Cheeks below the eyes, beside the nose, above the mouth's corners (around points 50 and 280). */
export const CHEEK_RIGHT = [116, 117, 118, 101, 36, 205, 187, 123];
export const CHEEK_LEFT = [345, 346, 347, 330, 266, 425, 411, 352];
/** The lower forehead, between the brows and point 151 (fringes rarely reach it). */
export const FOREHEAD = [108, 151, 337, 336, 9, 107];
export const LIPS_OUTER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185];
export const LIPS_INNER = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191];
export const EYE_RIGHT = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246];
export const EYE_LEFT = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466];
export const BROW_RIGHT = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46];
export const BROW_LEFT = [300, 293, 334, 296, 336, 285, 295, 282, 283, 276];
/** Upper and lower lid centres and eye corners, for openness. */
export const LIDS = { right: { upper: 159, lower: 145, outer: 33, inner: 133 }, left: { upper: 386, lower: 374, outer: 263, inner: 362 } };
export const IRIS_GROUPS = [
  [468, 469, 470, 471, 472],
  [473, 474, 475, 476, 477],
];

export const dist = (p: Pt, q: Pt) => Math.hypot(p.x - q.x, p.y - q.y);
export const mid = (p: Pt, q: Pt): Pt => ({ x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 });
export const centroid = (ps: Pt[]): Pt => ({ x: ps.reduce((a, p) => a + p.x, 0) / ps.length, y: ps.reduce((a, p) => a + p.y, 0) / ps.length });

/** Points rotated by `deg` degrees about `c` (image coordinates, y down). */
export function rotate(ps: Pt[], c: Pt, deg: number): Pt[] {
  const t = (deg * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  return ps.map((p) => ({ x: c.x + (p.x - c.x) * cos - (p.y - c.y) * sin, y: c.y + (p.x - c.x) * sin + (p.y - c.y) * cos }));
}

/** Angle at `b` between the rays to `a` and `c`, in degrees. */
export function angleAt(a: Pt, b: Pt, c: Pt): number {
  const v1 = { x: a.x - b.x, y: a.y - b.y };
  const v2 = { x: c.x - b.x, y: c.y - b.y };
  const cos = (v1.x * v2.x + v1.y * v2.y) / (Math.hypot(v1.x, v1.y) * Math.hypot(v2.x, v2.y) || 1);
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
}

/** A polygon scaled about its centroid (shrinks a region away from its borders). */
export function scalePolygon(poly: Pt[], k: number): Pt[] {
  const c = centroid(poly);
  return poly.map((p) => ({ x: c.x + (p.x - c.x) * k, y: c.y + (p.y - c.y) * k }));
}

/**
 * Pixel offsets (index of the pixel, not the byte) inside a polygon (even-odd rule, pixel centres),
 * clipped to the image; `keep` filters pixels. At most `max` are returned, taken at an even stride.
 */
export function pixelsIn(img: Pick<Img, 'width' | 'height'>, poly: Pt[], opts: { max?: number; keep?: (x: number, y: number) => boolean } = {}): number[] {
  const out: number[] = [];
  if (poly.length < 3) return out;
  const ys = poly.map((p) => p.y);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(img.height - 1, Math.ceil(Math.max(...ys)));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const a = poly[i]!;
      const b = poly[j]!;
      if (a.y > cy !== b.y > cy) xs.push(a.x + ((cy - a.y) * (b.x - a.x)) / (b.y - a.y));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(img.width - 1, Math.floor(xs[k + 1]! - 0.5));
      for (let x = from; x <= to; x++) if (!opts.keep || opts.keep(x, y)) out.push(y * img.width + x);
    }
  }
  const max = opts.max ?? Infinity;
  if (out.length <= max) return out;
  const stride = out.length / max;
  const picked: number[] = [];
  for (let i = 0; i < max; i++) picked.push(out[Math.floor(i * stride)]!);
  return picked;
}

/** True when (x, y) lies inside the polygon (even-odd). */
export function inside(poly: Pt[], x: number, y: number): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i]!;
    const b = poly[j]!;
    if (a.y > y !== b.y > y && x < a.x + ((y - a.y) * (b.x - a.x)) / (b.y - a.y)) c = !c;
  }
  return c;
}

/** The two irises: centre and radius, each matched to its eye (right = image left). */
export function irises(mesh: Pt[]): { right: { c: Pt; r: number } | null; left: { c: Pt; r: number } | null } {
  if (mesh.length < 478) return { right: null, left: null };
  const groups = IRIS_GROUPS.map((g) => {
    const ps = g.map((i) => mesh[i]!);
    // The centre is the point nearest the mean of the group; the radius the mean distance of the ring to it.
    const m = centroid(ps);
    const c = ps.reduce((best, p) => (dist(p, m) < dist(best, m) ? p : best));
    const ring = ps.filter((p) => p !== c);
    return { c, r: ring.reduce((a, p) => a + dist(p, c), 0) / ring.length };
  });
  const eyeR = centroid(EYE_RIGHT.map((i) => mesh[i]!));
  const [g0, g1] = groups as [{ c: Pt; r: number }, { c: Pt; r: number }];
  const g0IsRight = dist(g0.c, eyeR) <= dist(g1.c, eyeR);
  return g0IsRight ? { right: g0, left: g1 } : { right: g1, left: g0 };
}
