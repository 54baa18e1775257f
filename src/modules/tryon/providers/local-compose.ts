/**
 * The local engine's pixel work (see local.ts): cut-out, parts, placement, warp, shading, what
 * stays in front (forearms, hands, face), a light contact shadow, layering, JPEG. Pure and
 * deterministic; runs inline or in a worker thread (local-worker.ts).
 */
import sharp from 'sharp';
import { createHash } from 'node:crypto';
import type { GarmentCategory } from './types.js';
import { cutOutGarment, type Cutout } from './local-cutout.js';
import { garmentShape, type GarmentShape } from './local-shape.js';
import { bodyFrame, type Frame, type Pose, type Rgb } from './local-body.js';
import { clothingModel, type Clothing } from './local-clothing.js';
import { armsMask, keepMask, type Mask } from './local-masks.js';
import { bottomPlacement, regionPlacement, topPlacement, type Mapped, type Placement } from './local-placement.js';
import { BAD_INPUT } from './local-errors.js';

type Garment = { cut: Cutout; shape: GarmentShape };
/** Cut-outs and parts of recent garment images (a store's products come back again and again); deterministic, so safe to reuse. */
const garmentsCache = new Map<string, Garment>();
async function prepareGarment(bytes: Buffer, category: Exclude<GarmentCategory, 'auto'>): Promise<Garment> {
  const key = `${createHash('sha256').update(bytes).digest('base64url')}:${category}`;
  const hit = garmentsCache.get(key);
  if (hit) return hit;
  const cut = await cutOutGarment(bytes);
  const rows: [number, number] = category === 'tops' ? [0.55, 0.92] : category === 'one-pieces' ? [0.2, 0.4] : [0.02, 0.06];
  const shape = garmentShape(cut.data, cut.width, cut.height, rows);
  if (category === 'bottoms') shape.sleeves = [];
  const g = { cut, shape };
  if (garmentsCache.size >= 16) garmentsCache.delete(garmentsCache.keys().next().value!);
  garmentsCache.set(key, g);
  return g;
}

const LAYER: Record<Exclude<GarmentCategory, 'auto'>, number> = { 'one-pieces': 0, bottoms: 1, tops: 2 };
/** How strongly the scene's broad light (0 = flat, 1 = full) and its folds modulate the garment. */
const SHADING = 0.65;
const FOLDS = 0.35;

export type ComposeRequest = { person: Uint8Array; garments: { bytes: Uint8Array; category: GarmentCategory }[]; pose: Pose | undefined; quality: number };
export type ComposeResult = { image: Uint8Array; placements: Record<string, unknown>[]; armsKept: number };

/** Bilinear sample of an RGBA cut-out, only from pixels whose label is allowed; writes premultiplied [r, g, b, a] into out. */
function sample(cut: Cutout, label: Uint8Array, allowed: Uint8Array, x: number, y: number, out: Float64Array) {
  out[0] = out[1] = out[2] = out[3] = 0;
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
      const p = yy * cut.width + xx;
      if (!allowed[label[p]!]) continue;
      const k = p * 4;
      const a = (cut.data[k + 3]! / 255) * wy * (i ? fx : 1 - fx);
      out[0]! += cut.data[k]! * a;
      out[1]! += cut.data[k + 1]! * a;
      out[2]! += cut.data[k + 2]! * a;
      out[3]! += a;
    }
  }
}

/**
 * The person's luminance blurred at two scales: broad light (2 % of the photo) and folds (0.3 %).
 * Pixels of another hue than the clothing's (a patch, a logo, a strap; skin and backdrop) take the
 * clothing's own lightness first, so a print does not show through the new garment as a ghost and
 * the backdrop does not darken its edges; the clothing's folds keep their lightness.
 */
async function shadingMaps(person: Rgb, clothing: Clothing | undefined): Promise<{ broad: Uint8Array; fine: Uint8Array }> {
  const { width: W, height: H, data } = person;
  const side = Math.max(W, H);
  const grey = Buffer.alloc(W * H);
  for (let P = 0; P < W * H; P++) grey[P] = Math.round(0.299 * data[P * 3]! + 0.587 * data[P * 3 + 1]! + 0.114 * data[P * 3 + 2]!);
  if (clothing) {
    // Hue from the chroma (Cb, Cr) relative to the luma: a fold keeps it, a print changes it.
    const [r0, g0, b0] = clothing.mainRgb;
    const y0 = 0.299 * r0 + 0.587 * g0 + 0.114 * b0;
    const cb0 = b0 - y0;
    const cr0 = r0 - y0;
    const c0 = Math.hypot(cb0, cr0);
    const fill = Math.round(y0);
    for (let P = 0; P < W * H; P++) {
      const r = data[P * 3]!;
      const b = data[P * 3 + 2]!;
      const y = grey[P]!;
      const cb = b - y;
      const cr = r - y;
      const c2 = cb * cb + cr * cr;
      // Near-neutral clothing: any neutral pixel is a fold; coloured: same hue (cos ≥ 0.9) and some of
      // its saturation (a black or grey part of coloured clothing is not a fold of it); and not far
      // darker or lighter than it (a deep shadow or a highlight of something else). Squared, no roots.
      const lit = y > 0.45 * y0 && y < 1.6 * y0 + 20;
      let same = lit;
      if (same && c0 < 12) same = c2 < 324;
      else if (same) {
        const min = Math.max(10, 0.25 * c0 * (y / Math.max(8, y0)));
        const dot = cb * cb0 + cr * cr0;
        same = c2 > min * min && dot > 0 && dot * dot > 0.81 * c2 * c0 * c0;
      }
      if (!same) grey[P] = fill;
    }
  }
  const img = sharp(grey, { raw: { width: W, height: H, channels: 1 } });
  // The broad light is smooth: blurred at a quarter of the size and scaled back (a wide kernel at full size costs ~20× more).
  const q = side >= 256 ? 4 : 1;
  const broadSmall = q > 1 ? await img.clone().resize(Math.max(1, Math.round(W / q)), Math.max(1, Math.round(H / q)), { fit: 'fill' }).blur(Math.max(0.8, side / 50 / q)).extractChannel(0).raw().toBuffer({ resolveWithObject: true }) : undefined;
  const [broad, fine] = await Promise.all([
    broadSmall
      ? sharp(broadSmall.data, { raw: { width: broadSmall.info.width, height: broadSmall.info.height, channels: 1 } }).resize(W, H, { fit: 'fill', kernel: 'linear' }).extractChannel(0).raw().toBuffer()
      : img.clone().blur(Math.max(2, side / 50)).extractChannel(0).raw().toBuffer(),
    img.clone().blur(Math.max(0.8, side / 330)).extractChannel(0).raw().toBuffer(),
  ]);
  return { broad: new Uint8Array(broad!.buffer, broad!.byteOffset, broad!.length), fine: new Uint8Array(fine!.buffer, fine!.byteOffset, fine!.length) };
}

export async function composeTryon(req: ComposeRequest, signal?: AbortSignal): Promise<ComposeResult> {
  const { quality } = req;
  let person: Rgb;
  try {
    const { data, info } = await sharp(req.person).flatten({ background: '#ffffff' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    person = { data, width: info.width, height: info.height };
  } catch (e) {
    throw new Error(`${BAD_INPUT}the person image could not be decoded`, { cause: e });
  }
  const { width: W, height: H } = person;
  const out = Buffer.from(person.data);
  const frame = bodyFrame(req.pose);
  const clothing = frame ? clothingModel(person, frame) : undefined;
  const shade = await shadingMaps(person, clothing);
  const order = req.garments
    .map((g, i) => ({ bytes: Buffer.from(g.bytes.buffer, g.bytes.byteOffset, g.bytes.length), category: g.category === 'auto' ? 'tops' : g.category, i }))
    .sort((a, b) => LAYER[a.category] - LAYER[b.category] || a.i - b.i);
  const placements: Record<string, unknown>[] = [];
  const coverage = new Float32Array(W * H);
  const px = new Float64Array(4);
  const m: Mapped = { gx: 0, gy: 0, across: 0, fade: 1 };
  let arms: Mask | null | undefined;
  let armsKept = 0;
  const allowed = new Uint8Array(4);
  for (const g of order) {
    if (signal?.aborted) throw signal.reason;
    let garment: Garment;
    try {
      garment = await prepareGarment(g.bytes, g.category);
    } catch (e) {
      throw new Error(`${BAD_INPUT}a garment image could not be decoded`, { cause: e });
    }
    const { cut, shape } = garment;
    const gw1 = cut.width + 1;
    const gh1 = cut.height + 1;
    const place = placeOn(g.category, garment, frame, clothing, W, H) ?? regionPlacement(g.category, W, H, cut.width, cut.height);
    // The scene's mean broad light under the garment: the reference its shading is relative to.
    let lumSum = 0;
    let lumN = 0;
    for (const piece of place.pieces) {
      allowed.fill(0);
      for (const l of piece.labels) allowed[l] = 1;
      for (let y = piece.top; y <= piece.bottom; y += 3) {
        for (let x = piece.left; x <= piece.right; x += 3) {
          if (!piece.map(x + 0.5, y + 0.5, m) || m.gx < -1 || m.gy < -1 || m.gx > gw1 || m.gy > gh1) continue;
          sample(cut, shape.label, allowed, m.gx, m.gy, px);
          if (px[3]! > 0.5) {
            lumSum += shade.broad[y * W + x]!;
            lumN++;
          }
        }
      }
    }
    const ref = lumN ? Math.max(16, lumSum / lumN) : 128;
    let covered = 0;
    let minX = W;
    let minY = H;
    let maxX = -1;
    let maxY = -1;
    for (const piece of place.pieces) {
      allowed.fill(0);
      for (const l of piece.labels) allowed[l] = 1;
      for (let y = piece.top; y <= piece.bottom; y++) {
        for (let x = piece.left; x <= piece.right; x++) {
          if (!piece.map(x + 0.5, y + 0.5, m) || m.gx < -1 || m.gy < -1 || m.gx > gw1 || m.gy > gh1) continue;
          sample(cut, shape.label, allowed, m.gx, m.gy, px);
          const a = Math.min(1, px[3]!) * m.fade;
          if (a <= 0.004) continue;
          const P = y * W + x;
          const broad = Math.max(0.55, Math.min(1.3, shade.broad[P]! / ref));
          const fold = Math.max(0.8, Math.min(1.2, (shade.fine[P]! + 4) / (shade.broad[P]! + 4)));
          // Roundness: the body turns away towards the sides of each piece.
          const side = Math.max(0, Math.abs(m.across) - 0.55) / 0.45;
          const f = (1 + SHADING * (broad - 1)) * (1 + FOLDS * (fold - 1)) * (1 - 0.16 * Math.min(1, side) ** 2);
          for (let c = 0; c < 3; c++) {
            const v = Math.min(255, (px[c]! / px[3]!) * f);
            out[P * 3 + c] = Math.round(out[P * 3 + c]! * (1 - a) + v * a);
          }
          coverage[P] = 1 - (1 - coverage[P]!) * (1 - a);
          if (a > 0.5) {
            covered++;
            if (x < minX) minX = x;
            if (x > maxX) maxX = x;
            if (y < minY) minY = y;
            if (y > maxY) maxY = y;
          }
        }
      }
      // The arms are in front of a top's torso (its sleeves, drawn next, go over them again).
      if (piece.name === 'torso' && frame) {
        arms ??= armsMask(frame, clothing, W, H) ?? null;
        if (arms) armsKept += restore(out, person.data, coverage, arms, piece, W);
      }
    }
    placements.push({
      category: g.category,
      placement: place.kind,
      left: maxX < 0 ? 0 : minX,
      top: maxY < 0 ? 0 : minY,
      width: maxX < 0 ? 0 : maxX - minX + 1,
      height: maxY < 0 ? 0 : maxY - minY + 1,
      pixels: covered,
      backgroundRemoved: cut.backgroundRemoved,
      cutout: cut.method,
      pieces: place.pieces.map((p) => p.name),
      ...place.info,
    });
  }

  // What stays in front of any garment: the hands and the face.
  if (frame) {
    const keep = keepMask(frame, W, H);
    if (keep) restore(out, person.data, coverage, keep, { left: 0, top: 0, right: W - 1, bottom: H - 1 }, W);
  }
  if (frame && clothing) await contactShadow(out, coverage, W, H, (x, y) => inMask(arms, x, y) || onClothing(clothing, x, y));
  if (signal?.aborted) throw signal.reason;
  const image = await sharp(out, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false }).toBuffer();
  return { image, placements, armsKept };
}

function placeOn(category: Exclude<GarmentCategory, 'auto'>, g: Garment, frame: Frame | undefined, clothing: Clothing | undefined, W: number, H: number): Placement | undefined {
  if (!frame) return undefined;
  if (category === 'bottoms') return bottomPlacement(g.cut.data, g.cut.width, g.cut.height, frame, W, H);
  return topPlacement(category, g.shape, frame, W, H, clothing);
}

/** Put the person's own pixels back where the mask says (soft) and a garment covered them, inside a box; returns the pixels touched. */
function restore(out: Buffer, person: Buffer, coverage: Float32Array, mask: Mask, box: { left: number; top: number; right: number; bottom: number }, W: number): number {
  let n = 0;
  const y0 = Math.max(box.top, mask.top);
  const y1 = Math.min(box.bottom, mask.top + mask.height - 1);
  const x0 = Math.max(box.left, mask.left);
  const x1 = Math.min(box.right, mask.left + mask.width - 1);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const P = y * W + x;
      const k = mask.data[(y - mask.top) * mask.width + (x - mask.left)]!;
      if (!k || !coverage[P]) continue;
      for (let c = 0; c < 3; c++) out[P * 3 + c] = Math.round(out[P * 3 + c]! * (1 - k) + person[P * 3 + c]! * k);
      coverage[P] = coverage[P]! * (1 - k);
      n++;
    }
  }
  return n;
}

function inMask(m: Mask | null | undefined, x: number, y: number): boolean {
  if (!m || x < m.left || y < m.top || x >= m.left + m.width || y >= m.top + m.height) return false;
  return m.data[(y - m.top) * m.width + (x - m.left)]! > 0.5;
}

/** Whether a photo pixel shows the person's clothing (its colours). */
function onClothing(clothing: Clothing, x: number, y: number): boolean {
  return clothing.likeAt(x, y) === true;
}

/**
 * A light shadow the garments cast just below and beside their edges, onto the person only (their
 * clothing and arms; `onBody`): the backdrop stays as it was.
 */
async function contactShadow(out: Buffer, coverage: Float32Array, W: number, H: number, onBody: (x: number, y: number) => boolean) {
  let any = false;
  const cov8 = Buffer.alloc(W * H);
  for (let P = 0; P < W * H; P++) {
    cov8[P] = Math.round(coverage[P]! * 255);
    if (cov8[P]) any = true;
  }
  if (!any) return;
  const side = Math.max(W, H);
  const dy = Math.max(1, Math.round(side * 0.004));
  const blurred = await sharp(cov8, { raw: { width: W, height: H, channels: 1 } }).blur(Math.max(1, side * 0.006)).extractChannel(0).raw().toBuffer();
  for (let y = dy; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const P = y * W + x;
      const s = (blurred[P - dy * W]! / 255) * (1 - coverage[P]!);
      if (s < 0.01 || !onBody(x, y)) continue;
      const k = 1 - 0.3 * s;
      for (let c = 0; c < 3; c++) out[P * 3 + c] = Math.round(out[P * 3 + c]! * k);
    }
  }
}
