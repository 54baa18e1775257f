/**
 * The local engine's pixel work (see local.ts): cut-out, placement, warp, shading, forearms,
 * layering, JPEG. Pure and deterministic; runs inline or in a worker thread (local-worker.ts).
 */
import sharp from 'sharp';
import type { GarmentCategory } from './types.js';
import { createHash } from 'node:crypto';
import { cutOutGarment, type Cutout } from './local-cutout.js';
import { posePlacement, regionPlacement, type Placement, type Pose } from './local-placement.js';
import { BAD_INPUT } from './local-errors.js';

/** Cut-outs of recent garment images (a store's products come back again and again); deterministic, so safe to reuse. */
const cutouts = new Map<string, Cutout>();
async function cutOutCached(bytes: Buffer): Promise<Cutout> {
  const key = createHash('sha256').update(bytes).digest('base64url');
  const hit = cutouts.get(key);
  if (hit) return hit;
  const cut = await cutOutGarment(bytes);
  if (cutouts.size >= 16) cutouts.delete(cutouts.keys().next().value!);
  cutouts.set(key, cut);
  return cut;
}

const LAYER: Record<Exclude<GarmentCategory, 'auto'>, number> = { 'one-pieces': 0, bottoms: 1, tops: 2 };
/** How strongly the scene's shading modulates the garment (0 = flat, 1 = full). */
const SHADING = 0.6;

export type ComposeRequest = { person: Uint8Array; garments: { bytes: Uint8Array; category: GarmentCategory }[]; pose: Pose | undefined; quality: number };
export type ComposeResult = { image: Uint8Array; placements: Record<string, unknown>[]; armsKept: number };

type Rgb = { data: Buffer; width: number; height: number };

/** Bilinear sample of an RGBA cut-out; alpha outside is 0. Writes [r, g, b, a] (premultiplied sums) into out. */
function sample(cut: { data: Buffer; width: number; height: number }, x: number, y: number, out: Float64Array) {
  out.fill(0);
  const x0 = Math.floor(x - 0.5);
  const y0 = Math.floor(y - 0.5);
  const fx = x - 0.5 - x0;
  const fy = y - 0.5 - y0;
  for (let j = 0; j < 2; j++) {
    const yy = y0 + j;
    if (yy < 0 || yy >= cut.height) continue;
    const wy = j ? fy : 1 - fy;
    for (let i = 0; i < 2; i++) {
      const xx = x0 + i;
      if (xx < 0 || xx >= cut.width) continue;
      const w = wy * (i ? fx : 1 - fx);
      const k = (yy * cut.width + xx) * 4;
      const a = (cut.data[k + 3]! / 255) * w;
      out[0]! += cut.data[k]! * a;
      out[1]! += cut.data[k + 1]! * a;
      out[2]! += cut.data[k + 2]! * a;
      out[3]! += a;
    }
  }
}

/** Blurred luminance of the person photo, for shading. */
async function shadingMap(person: Rgb): Promise<Uint8Array> {
  // Broad light only (about 2 % of the photo): folds and fall-off, not the print on what the person wears.
  const sigma = Math.max(2, Math.max(person.width, person.height) / 50);
  const { data } = await sharp(person.data, { raw: { width: person.width, height: person.height, channels: 3 } })
    .greyscale()
    .blur(sigma)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** Distance from p to the segment a–b. */
function segDist(px: number, py: number, a: { x: number; y: number }, b: { x: number; y: number }) {
  const vx = b.x - a.x;
  const vy = b.y - a.y;
  const len2 = vx * vx + vy * vy || 1;
  const t = Math.max(0, Math.min(1, ((px - a.x) * vx + (py - a.y) * vy) / len2));
  return Math.hypot(px - (a.x + t * vx), py - (a.y + t * vy));
}

export async function composeTryon(req: ComposeRequest, signal?: AbortSignal): Promise<ComposeResult> {
  const { pose, quality } = req;
  let person: Rgb;
  try {
    const { data, info } = await sharp(req.person).flatten({ background: '#ffffff' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    person = { data, width: info.width, height: info.height };
  } catch (e) {
    throw new Error(`${BAD_INPUT}the person image could not be decoded`, { cause: e });
  }
  const input = { garments: req.garments.map((g) => ({ ...g, bytes: Buffer.from(g.bytes.buffer, g.bytes.byteOffset, g.bytes.length) })) };
  const { width: W, height: H } = person;
  const out = Buffer.from(person.data);
  const shade = await shadingMap(person);
  const garments = input.garments
    .map((g, i) => ({ g, i, layer: LAYER[g.category === 'auto' ? 'tops' : g.category] }))
    .sort((a, b) => a.layer - b.layer || a.i - b.i);
  const placements: Record<string, unknown>[] = [];
  const tops: Placement[] = [];
  const px = new Float64Array(4);
  for (const { g } of garments) {
    if (signal?.aborted) throw signal.reason;
    let cut;
    try {
      cut = await cutOutCached(g.bytes);
    } catch (e) {
      throw new Error(`${BAD_INPUT}a garment image could not be decoded`, { cause: e });
    }
    const place = posePlacement(g.category, pose, W, H, cut.data, cut.width, cut.height) ?? regionPlacement(g.category, W, H, cut.width, cut.height);
    if (g.category !== 'bottoms') tops.push(place);
    // Mean scene luminance under the garment, the reference for its shading.
    let lumSum = 0;
    let lumN = 0;
    const alpha = new Float32Array(place.width * place.height);
    const rgb = new Float32Array(place.width * place.height * 3);
    for (let y = 0; y < place.height; y++) {
      for (let x = 0; x < place.width; x++) {
        const X = place.left + x;
        const Y = place.top + y;
        const q = place.toGarment(X + 0.5, Y + 0.5);
        sample(cut, q.x, q.y, px);
        const a = px[3]!;
        if (a <= 0.004) continue;
        const k = y * place.width + x;
        alpha[k] = Math.min(1, a);
        rgb[k * 3] = px[0]! / a;
        rgb[k * 3 + 1] = px[1]! / a;
        rgb[k * 3 + 2] = px[2]! / a;
        if (a > 0.5) {
          lumSum += shade[Y * W + X]!;
          lumN++;
        }
      }
    }
    const ref = lumN ? Math.max(16, lumSum / lumN) : 128;
    let covered = 0;
    for (let y = 0; y < place.height; y++) {
      for (let x = 0; x < place.width; x++) {
        const k = y * place.width + x;
        const a = alpha[k]!;
        if (!a) continue;
        const P = ((place.top + y) * W + place.left + x);
        const f = 1 + SHADING * (Math.max(0.6, Math.min(1.25, shade[P]! / ref)) - 1);
        for (let c = 0; c < 3; c++) {
          const v = Math.min(255, rgb[k * 3 + c]! * f);
          out[P * 3 + c] = Math.round(out[P * 3 + c]! * (1 - a) + v * a);
        }
        if (a > 0.5) covered++;
      }
    }
    placements.push({ category: g.category, placement: place.kind, left: place.left, top: place.top, width: place.width, height: place.height, pixels: covered, backgroundRemoved: cut.backgroundRemoved });
  }

  // Forearms in front of the torso: draw the person's own pixels back over the garment.
  let armsKept = 0;
  if (pose && tops.some((p) => p.torsoSpan)) {
    const k = (part: string) => pose.keypoints.find((q) => q.part === part && q.score >= 0.3);
    const ls = k('leftShoulder');
    const rs = k('rightShoulder');
    const radius = ls && rs ? Math.hypot(ls.x - rs.x, ls.y - rs.y) * 0.09 : 0;
    for (const side of ['left', 'right'] as const) {
      const e = k(`${side}Elbow`);
      const w = k(`${side}Wrist`);
      if (!e || !w || radius < 2) continue;
      const x0 = Math.max(0, Math.floor(Math.min(e.x, w.x) - radius * 2));
      const x1 = Math.min(W - 1, Math.ceil(Math.max(e.x, w.x) + radius * 2));
      const y0 = Math.max(0, Math.floor(Math.min(e.y, w.y) - radius * 2));
      const y1 = Math.min(H - 1, Math.ceil(Math.max(e.y, w.y) + radius * 2));
      for (let y = y0; y <= y1; y++) {
        const spans = tops.filter((p) => p.torsoSpan && y >= p.top && y < p.top + p.height).map((p) => p.torsoSpan!(y));
        if (!spans.length) continue;
        for (let x = x0; x <= x1; x++) {
          if (!spans.some(([l, r]) => x >= l && x <= r)) continue;
          const d = segDist(x + 0.5, y + 0.5, e, w);
          if (d > radius * 1.5) continue;
          const a = d <= radius ? 1 : 1 - (d - radius) / (radius * 0.5);
          const P = y * W + x;
          for (let c = 0; c < 3; c++) out[P * 3 + c] = Math.round(out[P * 3 + c]! * (1 - a) + person.data[P * 3 + c]! * a);
          armsKept++;
        }
      }
    }
  }
  if (signal?.aborted) throw signal.reason;
  const image = await sharp(out, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false }).toBuffer();
  return { image, placements, armsKept };
}
