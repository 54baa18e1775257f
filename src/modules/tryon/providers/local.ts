/**
 * The `local` provider: an offline, deterministic try-on preview (sharp + pixel code) — the
 * default when no provider key is set and the last resort otherwise. Not a generative model:
 * 1. the garment is cut out of its background (local-cutout.ts: border-connected background in
 *    Lab, feathered alpha);
 * 2. it is placed from the person's body keypoints when a `perceive` function is given and finds
 *    shoulders and hips (local-placement.ts: scale from the shoulder/hip width, collar and hem
 *    from the torso, tilt from the shoulder line, a centre line that follows the torso); otherwise
 *    in fixed regions of the photo (tops y 22–55 %, bottoms 50–90 %, one-pieces 22–90 %);
 * 3. it is warped (inverse map, bilinear) and lit like the scene: the person's blurred luminance
 *    under the garment, relative to its mean there, modulates the garment's colour (folds, light
 *    falling off) — so a flat packshot takes the photo's shading;
 * 4. forearms (elbow → wrist keypoints) in front of the torso are drawn back over the garment;
 * 5. layers: one-pieces, then bottoms, then tops (a top over trousers).
 * Output: JPEG at the person's size, `meta.preview: true`, `meta.engine`. Same inputs → same bytes.
 */
import sharp from 'sharp';
import { ProviderError, type GarmentCategory, type GenerateOptions, type TryonInput, type TryonOutput, type TryonProvider } from './types.js';
import { abortError } from './http.js';
import { cutOutGarment } from './local-cutout.js';
import { posePlacement, regionPlacement, type Placement, type Pose } from './local-placement.js';

export { LOCAL_REGIONS, placeGarment } from './local-placement.js';

export type LocalOptions = {
  jpegQuality?: number | undefined;
  /** Body keypoints of the person photo (the perception module); without it, fixed regions. */
  perceive?: ((bytes: Buffer, signal?: AbortSignal) => Promise<Pose | undefined>) | undefined;
};

const LAYER: Record<Exclude<GarmentCategory, 'auto'>, number> = { 'one-pieces': 0, bottoms: 1, tops: 2 };
const MODEL = 'local-tryon-v2';
export const LOCAL_ENGINE = 'probador-local';
/** How strongly the scene's shading modulates the garment (0 = flat, 1 = full). */
const SHADING = 0.6;

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

export function createLocalProvider(opts: LocalOptions = {}): TryonProvider {
  const quality = opts.jpegQuality ?? 90;
  const check = (signal: AbortSignal) => {
    if (signal.aborted) throw abortError('local', signal);
  };

  async function generate(input: TryonInput, { signal, onProgress }: GenerateOptions): Promise<TryonOutput> {
    check(signal);
    if (input.garments.length < 1 || input.garments.length > 3) {
      throw new ProviderError('local', 'bad_input', `local: 1 to 3 garments per call (got ${input.garments.length})`);
    }
    onProgress?.({ stage: 'processing' });
    let person: Rgb;
    try {
      const { data, info } = await sharp(input.person.bytes).flatten({ background: '#ffffff' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      person = { data, width: info.width, height: info.height };
    } catch (e) {
      throw new ProviderError('local', 'bad_input', 'local: an input image could not be decoded', { cause: e });
    }
    // Perception failing (timeout, models off) only costs the pose: fall back to fixed regions.
    const pose = opts.perceive ? await opts.perceive(input.person.bytes, signal).catch(() => undefined) : undefined;
    check(signal);
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
      check(signal);
      let cut;
      try {
        cut = await cutOutGarment(g.bytes);
      } catch (e) {
        throw new ProviderError('local', 'bad_input', 'local: an input image could not be decoded', { cause: e });
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
    check(signal);
    const image = await sharp(out, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false }).toBuffer();
    check(signal);
    return {
      image,
      contentType: 'image/jpeg',
      model: MODEL,
      costUsd: 0,
      meta: { preview: true, engine: LOCAL_ENGINE, placement: placements.every((p) => p.placement === 'pose') ? 'pose' : 'regions', placements, arms_kept_px: armsKept },
    };
  }

  return {
    name: 'local',
    models: [MODEL],
    maxGarmentsPerCall: 3,
    categories: ['tops', 'bottoms', 'one-pieces', 'auto'],
    generate,
    health: async () => ({ ok: typeof sharp.versions.vips === 'string', latencyMs: 0, detail: `libvips ${sharp.versions.vips}` }),
    estimateCostUsd: () => 0,
  };
}
