/**
 * Catalog: a store's products (its own ids, name, page, price, category, garment image,
 * metadata, active flag, garment colour). Try-ons name a product by id (through the try-on
 * module's getProducts port, wired in app.ts); colour matching reads the garment colours; the
 * commerce module's orders read their price, stock and variants (stock.ts). Other modules use only what this file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { defineJob } from '../../platform/jobs/types.js';
import { Product } from '../../../contracts/catalog.js';
import type { CatalogImages } from '../tryon/index.js';
import { createCatalogService, type ColorReader } from './service.js';
import { catalogRoutes } from './routes.js';
import * as repo from './repository.js';

/** Reads the colours of products saved before colours were read, a batch per run. */
export const BACKFILL_COLORS_JOB = 'catalog.backfill-colors';
const BACKFILL_BATCH = 25;

export function createCatalogModule(
  deps: Pick<Deps, 'db' | 'clock' | 'config' | 'log' | 'jobs'>,
  ports: {
    images: CatalogImages;
    /** Reads a garment's dominant colour and scores it (the style module's, wired in app.ts); without it no colour is read. */
    colors?: ColorReader;
  },
) {
  const service = createCatalogService(deps, ports.images, ports.colors);
  const enqueueBackfill = () => deps.jobs.enqueue(BACKFILL_COLORS_JOB, {}, { dedupeKey: BACKFILL_COLORS_JOB });
  return {
    service,
    /** The tenant's products with these ids, as try-on garments (missing ids are left out). */
    productGarments: (tenantId: string, productIds: string[]) => service.productGarments(tenantId, productIds),
    /** Garment colours of some products (a few never-read ones are read now; the rest go to the backfill job). */
    async productColors(tenantId: string, productIds: string[]) {
      const colors = await service.productColors(tenantId, productIds);
      if (colors.some((c) => !c.read)) await enqueueBackfill().catch((err: unknown) => deps.log.warn({ err }, 'colour backfill not queued'));
      return colors;
    },
    /** The active products ranked by one number of their stored colour fit (one query), for scoring a whole catalog. */
    rankByColorFit: (tenantId: string, q: Parameters<typeof service.rankByColorFit>[1]) => service.rankByColorFit(tenantId, q),
    registerJobs() {
      if (!ports.colors) return;
      deps.jobs.register(
        defineJob<Record<string, never>>({
          name: BACKFILL_COLORS_JOB,
          attempts: 3,
          timeoutMs: 120_000,
          concurrency: 1,
          handler: async () => {
            const n = await service.backfillColors(BACKFILL_BATCH);
            // A full batch: there may be more. A new run (the dedupe key frees when this one ends).
            if (n === BACKFILL_BATCH) await deps.jobs.enqueue(BACKFILL_COLORS_JOB, {}, { delayMs: 100 });
          },
        }) as never,
      );
    },
    /** Queue the backfill when some product's colour was never read (saved before colours were read) or was scored by another version. */
    async start() {
      if (!ports.colors) return;
      if ((await repo.staleColors(deps.db, ports.colors.fitVersion, 1)).length > 0) await enqueueBackfill();
    },
    registerRoutes(app: App) {
      app.addSchema(Product);
      catalogRoutes(app, { svc: service, config: deps.config });
    },
  };
}

export type CatalogModule = ReturnType<typeof createCatalogModule>;
export type { CatalogService, ColorReader, ProductColor } from './service.js';
export type { RankedColor } from './repository.js';
export type { ProductRow, StoredVariant } from './tables.js';
/** For orders (modules/commerce/orders): the products an order names, locked in its transaction, and their stock changes. */
export { lockOrderableProducts, adjustStock, type OrderableProduct, type StockChange } from './stock.js';
