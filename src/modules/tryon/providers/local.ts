/**
 * The `local` provider: an offline, deterministic compositor (sharp) — the default when no
 * provider key is set and the last resort otherwise. It is a preview, not a try-on model: the
 * garment is cut out of a plain light background (local-cutout.ts), scaled into a fixed body
 * region of the person photo, and composited over it. Regions, as fractions of the photo:
 *   tops        y 22–55 %, ≤ 45 % of the width      bottoms  y 50–90 %, ≤ 40 %
 *   one-pieces  y 22–90 %, ≤ 48 %                    auto     treated as tops
 * Layering: one-pieces, then bottoms, then tops (a top over trousers). Output: JPEG at the
 * person's size, `meta.preview: true`. Same inputs → same bytes. A later issue replaces this with
 * a pose-aware engine.
 */
import sharp from 'sharp';
import { ProviderError, type GarmentCategory, type GenerateOptions, type TryonInput, type TryonOutput, type TryonProvider } from './types.js';
import { abortError } from './http.js';
import { cutOutGarment } from './local-cutout.js';

export type LocalOptions = { jpegQuality?: number | undefined };

type Region = { top: number; bottom: number; width: number };

export const LOCAL_REGIONS: Record<Exclude<GarmentCategory, 'auto'>, Region> = {
  tops: { top: 0.22, bottom: 0.55, width: 0.45 },
  bottoms: { top: 0.5, bottom: 0.9, width: 0.4 },
  'one-pieces': { top: 0.22, bottom: 0.9, width: 0.48 },
};
const LAYER: Record<Exclude<GarmentCategory, 'auto'>, number> = { 'one-pieces': 0, bottoms: 1, tops: 2 };
const MODEL = 'local-compositor-v1';

/** Where a garment of size gw×gh lands on a W×H photo: fitted into its region, centred, top-aligned. */
export function placeGarment(category: GarmentCategory, W: number, H: number, gw: number, gh: number) {
  const region = LOCAL_REGIONS[category === 'auto' ? 'tops' : category];
  const boxW = W * region.width;
  const boxH = H * (region.bottom - region.top);
  const scale = Math.min(boxW / gw, boxH / gh);
  const width = Math.max(1, Math.min(W, Math.round(gw * scale)));
  const height = Math.max(1, Math.min(H, Math.round(gh * scale)));
  return { left: Math.round((W - width) / 2), top: Math.min(H - height, Math.round(H * region.top)), width, height };
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
    try {
      const meta = await sharp(input.person.bytes).metadata();
      const W = meta.width ?? 0;
      const H = meta.height ?? 0;
      if (!W || !H) throw new Error('no dimensions');
      const garments = input.garments
        .map((g, i) => ({ g, i, layer: LAYER[g.category === 'auto' ? 'tops' : g.category] }))
        .sort((a, b) => a.layer - b.layer || a.i - b.i);
      const layers: sharp.OverlayOptions[] = [];
      const placements: Record<string, unknown>[] = [];
      for (const { g } of garments) {
        check(signal);
        const cut = await cutOutGarment(g.bytes);
        const place = placeGarment(g.category, W, H, cut.width, cut.height);
        const png = await sharp(cut.data, { raw: { width: cut.width, height: cut.height, channels: 4 } })
          .resize(place.width, place.height, { fit: 'fill', kernel: 'lanczos3' })
          .png()
          .toBuffer();
        layers.push({ input: png, left: place.left, top: place.top });
        placements.push({ category: g.category, ...place, backgroundRemoved: cut.backgroundRemoved });
      }
      check(signal);
      const image = await sharp(input.person.bytes)
        .flatten({ background: '#ffffff' })
        .composite(layers)
        .jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false })
        .toBuffer();
      check(signal);
      return { image, contentType: 'image/jpeg', model: MODEL, costUsd: 0, meta: { preview: true, engine: 'local-compositor', placements } };
    } catch (e) {
      if (e instanceof ProviderError) throw e;
      throw new ProviderError('local', 'bad_input', 'local: an input image could not be decoded', { cause: e });
    }
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
