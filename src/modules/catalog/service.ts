/**
 * Catalog use-cases: create or replace a product (its garment image stored through the try-on
 * module's intake), read, list, delete, and the products a try-on names by id.
 */
import { AppError } from '../../platform/errors.js';
import type { Deps } from '../../deps.js';
import type { TListProductsQuery, TProduct, TPutProductBody } from '../../../contracts/catalog.js';
import type { CatalogImages, ProductGarment } from '../tryon/index.js';
import * as repo from './repository.js';
import type { ProductRow } from './tables.js';

/** Metadata is returned as given; keep it small (it is not a place for images or descriptions). */
const MAX_METADATA_BYTES = 8 * 1024;

export function createCatalogService(deps: Pick<Deps, 'db' | 'clock'>, images: CatalogImages) {
  const { db, clock } = deps;

  async function present(p: ProductRow, baseUrl: string): Promise<TProduct> {
    const link = await images.signedUrl(p.image.key, p.image.content_type, baseUrl);
    return {
      object: 'product',
      product_id: p.productId,
      name: p.name,
      url: p.url,
      price: p.priceAmount !== null && p.priceCurrency !== null ? { amount: p.priceAmount, currency: p.priceCurrency } : null,
      category: p.category,
      image: {
        upload_id: p.image.upload_id,
        url: link.url,
        url_expires_at: link.expiresAt.toISOString(),
        content_type: p.image.content_type,
        width: p.image.width,
        height: p.image.height,
        bytes: p.image.bytes,
      },
      metadata: p.metadata,
      active: p.active,
      created_at: p.createdAt.toISOString(),
      updated_at: p.updatedAt.toISOString(),
    };
  }

  async function getProduct(tenantId: string, productId: string): Promise<ProductRow> {
    const p = await repo.findProduct(db, tenantId, productId);
    if (!p) throw new AppError('PRODUCT_NOT_FOUND', `Product ${productId} not found.`);
    return p;
  }

  return {
    present,
    getProduct,

    /** PUT: the whole product. The image is stored anew each time; the one it replaces is released. */
    async putProduct(tenantId: string, productId: string, body: TPutProductBody): Promise<{ row: ProductRow; created: boolean }> {
      const metadata = body.metadata ?? {};
      if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
        throw new AppError('VALIDATION_FAILED', `metadata is larger than ${MAX_METADATA_BYTES} bytes as JSON.`);
      }
      const image = await images.store(tenantId, body.image);
      const now = new Date(clock.now());
      let result: Awaited<ReturnType<typeof repo.putProduct>>;
      try {
        result = await repo.putProduct(db, tenantId, productId, {
          name: body.name,
          url: body.url ?? null,
          priceAmount: body.price ? body.price.amount : null,
          priceCurrency: body.price ? body.price.currency : null,
          category: body.category ?? 'auto',
          image,
          metadata,
          active: body.active ?? true,
          createdAt: now,
          updatedAt: now,
        });
      } catch (e) {
        await images.release(tenantId, image.upload_id);
        throw e;
      }
      if (result.previousImage && result.previousImage.upload_id !== image.upload_id) await images.release(tenantId, result.previousImage.upload_id);
      return { row: result.row, created: result.created };
    },

    listProducts: (tenantId: string, q: TListProductsQuery) =>
      repo.listProducts(db, tenantId, { limit: q.limit, startingAfter: q.starting_after, active: q.active, category: q.category }),

    async deleteProduct(tenantId: string, productId: string): Promise<void> {
      const image = await repo.deleteProduct(db, tenantId, productId);
      if (!image) throw new AppError('PRODUCT_NOT_FOUND', `Product ${productId} not found.`);
      await images.release(tenantId, image.upload_id);
    },

    /** For the try-on module (its getProducts port): the tenant's products with these ids. */
    async productGarments(tenantId: string, productIds: string[]): Promise<ProductGarment[]> {
      const rows = await repo.findProducts(db, tenantId, productIds);
      return rows.map((p) => ({ product_id: p.productId, active: p.active, category: p.category, image_upload_id: p.image.upload_id }));
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
