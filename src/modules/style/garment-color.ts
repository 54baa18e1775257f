/**
 * A garment's dominant colour, read once when a catalog product is saved (the catalog calls it
 * through a port wired in app.ts):
 * 1. the try-on engine's cut-out removes the packshot's background (modelled from the border, so
 *    a white tee on white or a black coat on charcoal is kept), at ≤ 256 px, which is plenty for
 *    a colour;
 * 2. the garment's opaque pixels (alpha ≥ 0.9; the soft edge mixes in background) go to CIELAB
 *    (culori, memoised per sRGB value), at most MAX_POINTS of them on an even grid;
 * 3. k-means (k = 5) in Lab; clusters nearer than MERGE_DE2000 (ΔE2000) are one colour in light and
 *    shade and are merged; clusters under MIN_SHARE of the garment (a highlight, a seam's shadow,
 *    a button) are ignored; the largest cluster is the garment's colour.
 * When the cut-out cannot find a background (a busy photo), the middle of the picture stands in
 * for the garment and `method` says so.
 */
import { converter, differenceCiede2000, formatHex } from 'culori';
import { garmentCutout } from '../tryon/index.js';
import { kMeans } from '../../platform/images/kmeans.js';
import type { TLab } from './palettes.js';

export const CUTOUT_SIDE = 256;
const MAX_POINTS = 12_000;
const K = 5;
export const MERGE_DE2000 = 10;
export const MIN_SHARE = 0.04;

export type GarmentColor = {
  hex: string;
  lab: TLab;
  /** Share of the garment's pixels in the chosen colour (after merging light and shade). */
  share: number;
  /** How the garment was separated: the cut-out's method, or `center` when it found no background. */
  method: 'alpha' | 'plain' | 'clusters' | 'center';
};

const toLab = converter('lab65');
const de2000 = differenceCiede2000();

/** The garment's dominant colour, or null when the image has no usable pixels. */
export async function dominantGarmentColor(bytes: Buffer): Promise<GarmentColor | null> {
  const cut = await garmentCutout(bytes, CUTOUT_SIDE);
  const { data, width: w, height: h } = cut;
  const inside = cut.backgroundRemoved
    ? (x: number, y: number) => data[(y * w + x) * 4 + 3]! >= 230
    : // No background found: the middle half of the picture, where a packshot puts the garment.
      (x: number, y: number) => x >= w / 4 && x < (3 * w) / 4 && y >= h / 4 && y < (3 * h) / 4 && data[(y * w + x) * 4 + 3]! >= 230;
  let count = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x, y)) count++;
  if (count === 0) return null;
  const step = Math.max(1, Math.ceil(Math.sqrt(count / MAX_POINTS)));
  const memo = new Map<number, [number, number, number]>();
  const pts: [number, number, number][] = [];
  for (let y = 0; y < h; y += step) {
    for (let x = 0; x < w; x += step) {
      if (!inside(x, y)) continue;
      const i = (y * w + x) * 4;
      const key = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
      let lab = memo.get(key);
      if (!lab) {
        const c = toLab({ mode: 'rgb', r: data[i]! / 255, g: data[i + 1]! / 255, b: data[i + 2]! / 255 });
        lab = [c.l, c.a, c.b];
        memo.set(key, lab);
      }
      pts.push(lab);
    }
  }
  if (pts.length === 0) return null;
  const clusters = mergeNear(kMeans(pts, K, 4));
  const main = clusters.filter((c) => c.share >= MIN_SHARE).sort((a, b) => b.share - a.share)[0] ?? clusters.sort((a, b) => b.share - a.share)[0]!;
  const lab = { l: main.lab[0], a: main.lab[1], b: main.lab[2] };
  return {
    hex: formatHex({ mode: 'lab65', ...lab }).toLowerCase(),
    lab: { l: round2(lab.l), a: round2(lab.a), b: round2(lab.b) },
    share: round2(main.share),
    method: cut.backgroundRemoved ? (cut.method as GarmentColor['method']) : 'center',
  };
}

type Cluster = { lab: [number, number, number]; share: number };

/** Clusters nearer than MERGE_DE2000 become one (share-weighted centre), largest first. */
function mergeNear(clusters: Cluster[]): Cluster[] {
  const out: Cluster[] = [];
  for (const c of [...clusters].filter((x) => x.share > 0).sort((a, b) => b.share - a.share)) {
    const near = out.find((o) => de2000({ mode: 'lab65', l: o.lab[0], a: o.lab[1], b: o.lab[2] }, { mode: 'lab65', l: c.lab[0], a: c.lab[1], b: c.lab[2] }) < MERGE_DE2000);
    if (!near) {
      out.push({ lab: [...c.lab], share: c.share });
      continue;
    }
    const total = near.share + c.share;
    for (let j = 0; j < 3; j++) near.lab[j] = (near.lab[j]! * near.share + c.lab[j]! * c.share) / total;
    near.share = total;
  }
  return out;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
