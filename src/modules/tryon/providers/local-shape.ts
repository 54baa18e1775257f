/**
 * The parts of a cut-out top or one-piece, from its silhouette alone: the torso band (the columns
 * of the body below the arms), the shoulder points and the front neckline on its top outline, and
 * each sleeve (the part outside the band that reaches above the armpit) with its root, axis and
 * length. Every opaque pixel is labelled torso, left sleeve or right sleeve (image left/right).
 */
export type P = { x: number; y: number };

export const TORSO = 1;
export const LEFT_SLEEVE = 2;
export const RIGHT_SLEEVE = 3;

export type Sleeve = {
  /** -1: image left, 1: image right. */
  side: -1 | 1;
  /** Middle of the seam between sleeve and torso (on the band's edge, shoulder point to armpit). */
  root: P;
  /** Unit vector from the root along the sleeve, and the sleeve's reach along it (px). */
  axis: P;
  length: number;
  /** Half of the sleeve's width across its axis (90th percentile, px). */
  halfWidth: number;
  /** Its outline across the axis, per px along it from the root: [min, max] of the signed distance (n = axis turned +90°). */
  profile: Float32Array;
  armpitY: number;
};

export type GarmentShape = {
  width: number;
  height: number;
  /** Torso columns [left, right] and their centre. */
  band: [number, number];
  centre: number;
  /** First opaque row at the band's edges (the shoulder points) and the front neckline's depth at the centre. */
  shoulderY: number;
  neckY: number;
  /** Lowest opaque row of the band (the hem). */
  hemY: number;
  /** Lowest armpit (rows below it are torso only); = shoulderY without sleeves. */
  armpitY: number;
  sleeves: Sleeve[];
  /** Per pixel: 0 transparent, TORSO, LEFT_SLEEVE, RIGHT_SLEEVE. */
  label: Uint8Array;
  /** Columns the torso's pixels span (the sleeves left out). */
  torsoX: [number, number];
};

const OPAQUE = 128;

/** Analyse a cut-out (RGBA). `bodyRows`: the fraction of the height where the torso band is measured. */
export function garmentShape(rgba: Buffer, w: number, h: number, bodyRows: [number, number]): GarmentShape {
  const opaque = (x: number, y: number) => rgba[(y * w + x) * 4 + 3]! >= OPAQUE;
  // Centre: the opaque mass of the body rows.
  let sx = 0;
  let n = 0;
  const y0 = Math.floor(bodyRows[0] * (h - 1));
  const y1 = Math.ceil(bodyRows[1] * (h - 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = 0; x < w; x++) {
      if (!opaque(x, y)) continue;
      sx += x;
      n++;
    }
  }
  const mid = n ? Math.round(sx / n) : w >> 1;
  // The run of opaque pixels around the centre column on row y (bridging gaps of ≤ 2 % of the width, e.g. a placket line).
  const gap = Math.max(1, Math.round(w * 0.02));
  const run = (y: number, c = mid): [number, number] | undefined => {
    let x = c;
    if (!opaque(x, y)) {
      let k = 1;
      while (k < w * 0.15 && !(x - k >= 0 && opaque(x - k, y)) && !(x + k < w && opaque(x + k, y))) k++;
      if (x - k >= 0 && opaque(x - k, y)) x -= k;
      else if (x + k < w && opaque(x + k, y)) x += k;
      else return undefined;
    }
    let l = x;
    let r = x;
    for (let miss = 0, i = l - 1; i >= 0 && miss <= gap; i--) {
      if (!opaque(i, y)) miss++;
      else {
        l = i;
        miss = 0;
      }
    }
    for (let miss = 0, i = r + 1; i < w && miss <= gap; i++) {
      if (!opaque(i, y)) miss++;
      else {
        r = i;
        miss = 0;
      }
    }
    return [l, r];
  };
  const lefts: number[] = [];
  const rights: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const s = run(y);
    if (!s) continue;
    lefts.push(s[0]);
    rights.push(s[1]);
  }
  const gl = lefts.length ? median(lefts) : 0;
  const gr = rights.length ? median(rights) : w - 1;
  const centre = (gl + gr) / 2;
  const topAt = (x: number) => {
    const c = Math.max(0, Math.min(w - 1, Math.round(x)));
    for (let y = 0; y < h; y++) if (opaque(c, y)) return y;
    return 0;
  };
  const bandW = Math.max(1, gr - gl);
  const shoulderY = (topAt(gl + bandW * 0.03) + topAt(gr - bandW * 0.03)) / 2;
  let neckY = 0;
  for (let x = centre - bandW * 0.12; x <= centre + bandW * 0.12; x++) neckY = Math.max(neckY, topAt(x));
  let hemY = 0;
  for (let y = h - 1; y >= 0 && !hemY; y--) if (opaque(Math.round(centre), y) || run(y)) hemY = y;

  // Armpits: from the body rows upward, the first row that sticks out of the band by > 4 % of the width.
  const margin = Math.max(2, w * 0.04);
  const armpit = (side: -1 | 1): number | undefined => {
    for (let y = y0; y >= 0; y--) {
      const s = run(y);
      if (!s) continue;
      if (side < 0 ? s[0] < gl - margin : s[1] > gr + margin) return y;
    }
    return undefined;
  };

  const label = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) if (rgba[p * 4 + 3]! >= 16) label[p] = TORSO;
  const sleeves: Sleeve[] = [];
  for (const side of [-1, 1] as const) {
    const ay = armpit(side);
    if (ay === undefined) continue;
    // Pixels outside the band connected to those above the armpit: the sleeve (a flared skirt below is not).
    const edge = side < 0 ? gl : gr;
    // Clear of the band's own outline (a seam or stroke a pixel or two wide).
    const clear = Math.max(2, Math.round(w * 0.01));
    const outside = (x: number) => (side < 0 ? x < edge - clear : x > edge + clear);
    const solid = (p: number) => rgba[p * 4 + 3]! >= OPAQUE;
    const mark = new Uint8Array(w * h);
    const stack: number[] = [];
    for (let y = 0; y <= ay; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        if (!outside(x) || !solid(p) || mark[p]) continue;
        mark[p] = 1;
        stack.push(p);
      }
    }
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w;
      for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, p - w, p + w]) {
        if (q < 0 || q >= w * h || mark[q] || !solid(q) || !outside(q % w)) continue;
        mark[q] = 1;
        stack.push(q);
      }
    }
    // The sleeve's soft outline (a few pixels of partial alpha) goes with it.
    for (let pass = 0; pass < 4; pass++) {
      for (let p = 0; p < w * h; p++) {
        if (mark[p] || !label[p] || !outside(p % w)) continue;
        const x = p % w;
        if ((x > 0 && mark[p - 1]) || (x < w - 1 && mark[p + 1]) || (p >= w && mark[p - w]) || (p < w * (h - 1) && mark[p + w])) mark[p] = 2;
      }
    }
    const top = topAt(edge);
    const root = { x: edge, y: (top + ay) / 2 };
    let cx = 0;
    let cy = 0;
    let m = 0;
    for (let p = 0; p < w * h; p++) {
      if (mark[p] !== 1) continue;
      cx += p % w;
      cy += Math.floor(p / w);
      m++;
    }
    if (m < w * h * 0.002) continue;
    // The axis: from the root to the cuff (the centroid of the sleeve's far end along the first guess).
    let axis = unit(cx / m - root.x, cy / m - root.y);
    const along = (p: number, a: P) => ((p % w) - root.x) * a.x + (Math.floor(p / w) - root.y) * a.y;
    let reach = 0;
    for (let p = 0; p < w * h; p++) if (mark[p] === 1) reach = Math.max(reach, along(p, axis));
    let fx = 0;
    let fy = 0;
    let fn = 0;
    for (let p = 0; p < w * h; p++) {
      if (mark[p] !== 1 || along(p, axis) < reach * 0.8) continue;
      fx += p % w;
      fy += Math.floor(p / w);
      fn++;
    }
    if (fn) axis = unit(fx / fn - root.x, fy / fn - root.y);
    let length = 0;
    const across: number[] = [];
    const pts: [number, number][] = [];
    for (let p = 0; p < w * h; p++) {
      if (!mark[p]) continue;
      label[p] = side < 0 ? LEFT_SLEEVE : RIGHT_SLEEVE;
      if (mark[p] === 2) continue;
      const vx = (p % w) - root.x;
      const vy = Math.floor(p / w) - root.y;
      const t = vx * axis.x + vy * axis.y;
      const s = -vx * axis.y + vy * axis.x;
      length = Math.max(length, t);
      across.push(Math.abs(s));
      pts.push([t, s]);
    }
    const steps = Math.max(1, Math.ceil(length)) + 1;
    const profile = new Float32Array(steps * 2).fill(NaN);
    for (const [t, s] of pts) {
      const i = Math.max(0, Math.min(steps - 1, Math.round(t)));
      if (!(profile[i * 2]! <= s)) profile[i * 2] = s;
      if (!(profile[i * 2 + 1]! >= s)) profile[i * 2 + 1] = s;
    }
    // Fill the gaps (rows no pixel fell on) from the nearest known row.
    let last = -1;
    for (let i = 0; i < steps; i++) {
      if (!Number.isNaN(profile[i * 2]!)) last = i;
      else if (last >= 0) {
        profile[i * 2] = profile[last * 2]!;
        profile[i * 2 + 1] = profile[last * 2 + 1]!;
      }
    }
    for (let i = steps - 1; i >= 0; i--) {
      if (!Number.isNaN(profile[i * 2]!)) last = i;
      else {
        profile[i * 2] = profile[last * 2] ?? 0;
        profile[i * 2 + 1] = profile[last * 2 + 1] ?? 0;
      }
    }
    sleeves.push({ side, root, axis, length, halfWidth: percentile(across, 0.9), profile, armpitY: ay });
  }
  // Sleeveless (a tank top, a dress on straps): it hangs from its top, the straps on the shoulders.
  const armpitY = sleeves.length ? Math.max(...sleeves.map((s) => s.armpitY)) : shoulderY;
  let top = 0;
  while (top < h - 1 && !rowOpaque(rgba, w, top)) top++;
  let tx0 = w - 1;
  let tx1 = 0;
  for (let p = 0; p < w * h; p++) {
    if (label[p] !== TORSO) continue;
    const x = p % w;
    if (x < tx0) tx0 = x;
    if (x > tx1) tx1 = x;
  }
  return { width: w, height: h, band: [gl, gr], centre, shoulderY: sleeves.length ? shoulderY : top, neckY, hemY, armpitY, sleeves, label, torsoX: [Math.min(tx0, tx1), tx1] };
}

function unit(x: number, y: number): P {
  const l = Math.hypot(x, y) || 1;
  return { x: x / l, y: y / l };
}

function rowOpaque(rgba: Buffer, w: number, y: number): boolean {
  for (let x = 0; x < w; x++) if (rgba[(y * w + x) * 4 + 3]! >= OPAQUE) return true;
  return false;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1] ?? 0;
}

function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}
