/**
 * Catalog: a store's products (its own ids, name, page, price, category, garment image,
 * metadata, active flag). Try-ons name a product by id (through the try-on module's getProducts
 * port, wired in app.ts); the commerce module will reuse the same products. Other modules use only
 * what this file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { Product } from '../../../contracts/catalog.js';
import type { CatalogImages } from '../tryon/index.js';
import { createCatalogService } from './service.js';
import { catalogRoutes } from './routes.js';

export function createCatalogModule(deps: Pick<Deps, 'db' | 'clock' | 'config'>, ports: { images: CatalogImages }) {
  const service = createCatalogService(deps, ports.images);
  return {
    service,
    /** The tenant's products with these ids, as try-on garments (missing ids are left out). */
    productGarments: (tenantId: string, productIds: string[]) => service.productGarments(tenantId, productIds),
    registerRoutes(app: App) {
      app.addSchema(Product);
      catalogRoutes(app, { svc: service, config: deps.config });
    },
  };
}

export type CatalogModule = ReturnType<typeof createCatalogModule>;
export type { CatalogService } from './service.js';
export type { ProductRow } from './tables.js';
