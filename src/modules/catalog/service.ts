/**
 * Catalog use-cases: create or replace a product (its garment image stored through the try-on
 * module's intake, its garment colour read once), change some of its fields (PATCH), read, list, delete, the products a try-on names
 * by id, and the garment colours colour matching scores.
 */
import { AppError } from '../../platform/errors.js';
import type { Deps } from '../../deps.js';
import type { TListProductsQuery, TPatchProductBody, TProduct, TPutProductBody } from '../../../contracts/catalog.js';
import type { CatalogImages, ProductGarment } from '../tryon/index.js';
import * as repo from './repository.js';
import type { ProductImage, ProductRow } from './tables.js';
import { checkVariantCurrencies, storedVariants } from './variants.js';

/** Metadata is returned as given; keep it small (it is not a place for images or descriptions). */
const MAX_METADATA_BYTES = 8 * 1024;
/** Products without a colour yet that one colour-matching request reads itself; the rest wait for the backfill job. */
export const LAZY_COLOR_READS = 8;

type Lab = { l: number; a: number; b: number };
/**
 * What reads a garment's colour and scores it (the style module's, wired in app.ts): `read` finds
 * the dominant colour in the image, `fit` scores a colour against the palettes (opaque numbers
 * here), `fitVersion` names that scoring.
 */
export type ColorReader = {
  read: (bytes: Buffer) => Promise<{ hex: string; lab: Lab } | null>;
  fit: (lab: Lab) => number[];
  fitVersion: string;
};
export type ProductColor = { product_id: string; active: boolean; color: { hex: string; lab: Lab } | null; read: boolean; fit: number[] | null };

function checkMetadata(metadata: Record<string, unknown>): void {
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw new AppError('VALIDATION_FAILED', `metadata is larger than ${MAX_METADATA_BYTES} bytes as JSON.`);
  }
}

export function createCatalogService(deps: Pick<Deps, 'db' | 'clock' | 'log'>, images: CatalogImages, colors?: ColorReader) {
  const { db, clock } = deps;

  /** The garment colour of a stored image, scored; null when none was found or the read failed (logged, without the image). */
  async function colorOf(tenantId: string, image: ProductImage): Promise<repo.StoredColor | null> {
    if (!colors) return null;
    try {
      const bytes = await images.read(image.key);
      const c = bytes ? await colors.read(bytes) : null;
      return c ? { ...c, fit: colors.fit(c.lab), fitVersion: colors.fitVersion } : null;
    } catch (err) {
      deps.log.warn({ err: { message: (err as Error).message }, tenant_id: tenantId, upload_id: image.upload_id }, 'garment colour not read');
      return null;
    }
  }

  /** Read and store the colour of a product saved without one (older rows); returns it. */
  async function readAndStore(tenantId: string, row: Pick<ProductRow, 'productId' | 'image'>) {
    const color = await colorOf(tenantId, row.image);
    await repo.setProductColor(db, tenantId, row.productId, row.image.upload_id, color, new Date(clock.now()));
    return color;
  }

  const colorOfRow = (r: repo.ProductColorRow) =>
    r.colorHex !== null && r.colorL !== null && r.colorA !== null && r.colorB !== null ? { hex: r.colorHex, lab: { l: r.colorL, a: r.colorA, b: r.colorB } } : null;

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
      stock: p.stock,
      variants: p.variants,
      dominant_color: p.colorHex !== null && p.colorL !== null && p.colorA !== null && p.colorB !== null ? { hex: p.colorHex, lab: { l: p.colorL, a: p.colorA, b: p.colorB } } : null,
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
      checkMetadata(metadata);
      const variants = storedVariants(body.variants ?? [], body.price?.currency ?? null);
      const image = await images.store(tenantId, body.image);
      // Read once, here, from the garment (not the packshot's background); colour matching then only queries it.
      const color = await colorOf(tenantId, image);
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
          stock: body.stock ?? null,
          variants,
          createdAt: now,
          updatedAt: now,
          ...repo.colorValues(color),
          colorReadAt: colors ? now : null,
        });
      } catch (e) {
        await images.release(tenantId, image.upload_id);
        throw e;
      }
      if (result.previousImage && result.previousImage.upload_id !== image.upload_id) await images.release(tenantId, result.previousImage.upload_id);
      return { row: result.row, created: result.created };
    },

    /** PATCH: the fields given, checked as PUT checks them; the others keep their value. A new image replaces (and releases) the old one. */
    async patchProduct(tenantId: string, productId: string, body: TPatchProductBody): Promise<ProductRow> {
      if (body.metadata !== undefined) checkMetadata(body.metadata);
      await getProduct(tenantId, productId);
      const image = body.image === undefined ? undefined : await images.store(tenantId, body.image);
      const color = image ? await colorOf(tenantId, image) : null;
      const now = new Date(clock.now());
      let result: Awaited<ReturnType<typeof repo.patchProduct>>;
      try {
        result = await repo.patchProduct(db, tenantId, productId, (old) => {
          const price = body.price === undefined ? (old.priceAmount !== null && old.priceCurrency !== null ? { amount: old.priceAmount, currency: old.priceCurrency } : null) : body.price;
          const currency = price?.currency ?? null;
          let variants = old.variants;
          if (body.variants !== undefined) variants = storedVariants(body.variants, currency);
          else checkVariantCurrencies(variants, currency);
          return {
            ...(body.name !== undefined && { name: body.name }),
            ...(body.url !== undefined && { url: body.url }),
            ...(body.price !== undefined && { priceAmount: price?.amount ?? null, priceCurrency: currency }),
            ...(body.category !== undefined && { category: body.category }),
            ...(body.metadata !== undefined && { metadata: body.metadata }),
            ...(body.active !== undefined && { active: body.active }),
            ...(body.stock !== undefined && { stock: body.stock }),
            variants,
            ...(image && { image, ...repo.colorValues(color), colorReadAt: colors ? now : null }),
            updatedAt: now,
          };
        });
      } catch (e) {
        if (image) await images.release(tenantId, image.upload_id);
        throw e;
      }
      if (!result) {
        if (image) await images.release(tenantId, image.upload_id);
        throw new AppError('PRODUCT_NOT_FOUND', `Product ${productId} not found.`);
      }
      if (image && result.previousImage.upload_id !== image.upload_id) await images.release(tenantId, result.previousImage.upload_id);
      return result.row;
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

    /**
     * The garment colours of some of the tenant's products, for colour matching (missing ids are
     * left out), with their stored fit when it is of the current version. Up to LAZY_COLOR_READS
     * products never read (saved before colours were read) are read now; the others come back
     * with `read: false` for the backfill job.
     */
    async productColors(tenantId: string, productIds: string[]): Promise<ProductColor[]> {
      const rows = await repo.findProductColors(db, tenantId, productIds);
      let budget = colors ? LAZY_COLOR_READS : 0;
      const out: ProductColor[] = [];
      for (const r of rows) {
        if (r.colorReadAt === null && budget > 0) {
          budget--;
          const c = await readAndStore(tenantId, r);
          out.push({ product_id: r.productId, active: r.active, color: c && { hex: c.hex, lab: c.lab }, read: true, fit: c?.fit ?? null });
          continue;
        }
        const fit = r.colorFit && colors && r.colorFitVersion === colors.fitVersion ? r.colorFit : null;
        out.push({ product_id: r.productId, active: r.active, color: colorOfRow(r), read: r.colorReadAt !== null, fit });
      }
      return out;
    },

    /** The tenant's active products ranked by one number of their stored colour fit (see repository.rankByColorFit). */
    rankByColorFit(tenantId: string, q: Omit<Parameters<typeof repo.rankByColorFit>[2], 'version'>) {
      if (!colors) return Promise.resolve({ data: [], hasMore: false });
      return repo.rankByColorFit(db, tenantId, { ...q, version: colors.fitVersion });
    },

    /** Products never read, or scored with another version: read (or re-score) up to `limit`; returns how many were found. */
    async backfillColors(limit: number): Promise<number> {
      if (!colors) return 0;
      const todo = await repo.staleColors(db, colors.fitVersion, limit);
      for (const t of todo) {
        const row = await repo.findProduct(db, t.tenantId, t.productId);
        if (!row) continue;
        if (row.colorReadAt === null) await readAndStore(t.tenantId, row);
        else if (row.colorL !== null && row.colorA !== null && row.colorB !== null) {
          // Only the scoring changed: from the stored Lab, no image work.
          await repo.setProductColorFit(db, t.tenantId, t.productId, colors.fit({ l: row.colorL, a: row.colorA, b: row.colorB }), colors.fitVersion);
        }
      }
      return todo.length;
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
