/**
 * "Does this colour suit me" for a try-on: the try-on module asks, through a port wired in app.ts,
 * (1) whose colours a try-on's `style` names — a season, a photo analysis (`sta_…`) or a quiz
 * result (`qzr_…`) of the tenant, and for a publishable key only its own widget session's — and
 * (2) each garment's colour judged against that season's palette (color-match.ts):
 * - a catalog product tried on by id: its stored garment colour and palette fit (read when the
 *   product was saved; the catalog reads a product saved before that on the spot);
 * - a garment given as an image: its dominant colour (garment-color.ts, ~50 ms), read once per
 *   image and kept in the `style.garment-colors` cache by tenant and the image's sha256, so the
 *   same garment sent again (or every try-on of a store's own image) costs one cache read.
 * Both run before anything is queued: an unknown id is a 404, an analysis without a colour
 * answer a 422.
 */
import type { Deps } from '../../deps.js';
import type { Cache } from '../../platform/cache/cache.js';
import { AppError } from '../../platform/errors.js';
import type { TColorAnswer, TSeason12 } from '../../../contracts/style.js';
import type { TGarmentColorMatch } from '../../../contracts/tryons.js';
import { FIT_STRIDE, fitOffset, matchColor, matchFromFit, type Match } from './color-match.js';
import { dominantGarmentColor } from './garment-color.js';
import { paletteFor, type TLab } from './palettes.js';
import type { StyleMatchPorts } from './service-match.js';

export const GARMENT_COLORS_NAMESPACE = 'style.garment-colors';
/** A garment image's colour does not change; the entry only has to outlive its try-ons (7 d at most). */
const GARMENT_COLORS_TTL_MS = 7 * 24 * 3600_000;

/** What a try-on's `style` asks for: one of the two. */
export type TryonStyleSpec = { season?: TSeason12 | undefined; analysis_id?: string | undefined };
/** A garment of a try-on as the try-on module knows it. */
export type TryonGarment = { productId: string | null; fromCatalog: boolean; sha256: string; load: () => Promise<Buffer> };

type CachedColor = { hex: string; lab: TLab } | { none: true };

export type TryonColorsDeps = {
  /** A photo analysis's colour answer for the caller (tenant, widget session), or null: 404 when the row is not theirs. */
  analysisColor: (tenantId: string, id: string, widgetSession: string | null) => Promise<{ status: string; color: TColorAnswer | null }>;
  /** A quiz result's colour answer for the caller (404 when not theirs). */
  quizColor: (tenantId: string, id: string, widgetSession: string | null) => Promise<TColorAnswer>;
  productColors: StyleMatchPorts['productColors'];
};

export function createTryonColors(deps: Pick<Deps, 'caches'>, ports: TryonColorsDeps) {
  const cache = (): Cache<CachedColor> =>
    (deps.caches.get(GARMENT_COLORS_NAMESPACE) as Cache<CachedColor> | undefined) ??
    deps.caches.create<CachedColor>({ namespace: GARMENT_COLORS_NAMESPACE, ttlMs: GARMENT_COLORS_TTL_MS, maxEntries: 20_000 });
  // Created with the module, so operators see (and can invalidate) it before its first use.
  cache();

  /** A garment image's dominant colour, read once per tenant and image (null when the image has none). */
  async function imageColor(tenantId: string, sha256: string, load: () => Promise<Buffer>): Promise<{ hex: string; lab: TLab } | null> {
    const key = `${tenantId}:${sha256}`;
    const hit = await cache().get(key);
    if (hit) return 'none' in hit ? null : hit;
    const c = await dominantGarmentColor(await load());
    await cache().set(key, c ? { hex: c.hex, lab: c.lab } : { none: true });
    return c ? { hex: c.hex, lab: c.lab } : null;
  }

  const out = (season: TSeason12, hex: string, m: Match): TGarmentColorMatch => ({
    color: hex,
    verdict: m.verdict,
    score: m.score,
    delta_e: m.delta_e,
    nearest: m.nearest,
    season,
    season_name: paletteFor(season).name,
  });

  return {
    cache,
    /** The season a try-on's `style` names, checked before anything is stored or queued. */
    async seasonOf(tenantId: string, widgetSession: string | null, spec: TryonStyleSpec): Promise<TSeason12> {
      if ((spec.season === undefined) === (spec.analysis_id === undefined)) {
        throw new AppError('VALIDATION_FAILED', 'style: give either season or analysis_id (a style analysis sta_… or quiz result qzr_…), not both.');
      }
      if (spec.season) return spec.season;
      const id = spec.analysis_id!;
      if (id.startsWith('qzr_')) return (await ports.quizColor(tenantId, id, widgetSession)).season12.season;
      const a = await ports.analysisColor(tenantId, id, widgetSession);
      if (!a.color) {
        const why = a.status === 'succeeded' ? 'has no colour answer (it was made without `color` in kinds, or its photo asked for a retake)' : `is ${a.status}; wait until it has succeeded`;
        throw new AppError('STYLE_ANALYSIS_NO_COLOR', `Style analysis ${id} ${why}.`);
      }
      return a.color.season12.season;
    },
    /** Each garment's colour judged for the season, in order; null where no colour could be read. */
    async judge(tenantId: string, season: TSeason12, garments: TryonGarment[]): Promise<(TGarmentColorMatch | null)[]> {
      const ids = [...new Set(garments.filter((g) => g.fromCatalog && g.productId).map((g) => g.productId!))];
      const products = ids.length > 0 ? new Map((await ports.productColors(tenantId, ids)).map((p) => [p.product_id, p])) : new Map();
      const off = fitOffset(season);
      return Promise.all(
        garments.map(async (g) => {
          const p = g.fromCatalog && g.productId ? products.get(g.productId) : undefined;
          if (p?.read) {
            if (!p.color) return null;
            return out(season, p.color.hex, p.fit ? matchFromFit(season, p.fit.slice(off, off + FIT_STRIDE)) : matchColor(season, p.color.lab));
          }
          // An image garment, or a product whose colour the catalog has not read yet: read the image.
          const c = await imageColor(tenantId, g.sha256, g.load);
          return c ? out(season, c.hex, matchColor(season, c.lab)) : null;
        }),
      );
    },
  };
}

export type TryonColors = ReturnType<typeof createTryonColors>;
