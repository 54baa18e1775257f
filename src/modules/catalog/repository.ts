/** Drizzle queries for a tenant's products. Tenant id first, always. */
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { products, type ProductCategory, type ProductImage, type ProductRow } from './tables.js';

export type ProductValues = Omit<typeof products.$inferInsert, 'tenantId' | 'productId' | 'createdAt'>;
export type Page<T> = { data: T[]; hasMore: boolean };

export async function findProduct(db: Db, tenantId: string, productId: string): Promise<ProductRow | undefined> {
  const [p] = await db
    .select()
    .from(products)
    .where(and(eq(products.tenantId, tenantId), eq(products.productId, productId)));
  return p;
}

/** Several products in one statement (a try-on's garments). */
export async function findProducts(db: Db, tenantId: string, productIds: string[]): Promise<ProductRow[]> {
  if (productIds.length === 0) return [];
  return db
    .select()
    .from(products)
    .where(and(eq(products.tenantId, tenantId), inArray(products.productId, productIds)));
}

/**
 * Create or replace. Returns the row, whether it was created, and the image it had before (to
 * release). Two PUTs of one product serialise on its row lock, so each replaced image is
 * reported to exactly one of them.
 */
export async function putProduct(
  db: Db,
  tenantId: string,
  productId: string,
  values: ProductValues & { createdAt: Date },
): Promise<{ row: ProductRow; created: boolean; previousImage: ProductImage | undefined }> {
  return db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(products)
      .values({ ...values, tenantId, productId })
      .onConflictDoNothing()
      .returning();
    if (inserted) return { row: inserted, created: true, previousImage: undefined };
    const [old] = await tx
      .select({ image: products.image })
      .from(products)
      .where(and(eq(products.tenantId, tenantId), eq(products.productId, productId)))
      .for('update');
    const { createdAt: _createdAt, ...replace } = values;
    const [row] = await tx
      .update(products)
      .set(replace)
      .where(and(eq(products.tenantId, tenantId), eq(products.productId, productId)))
      .returning();
    return { row: row!, created: false, previousImage: old?.image };
  });
}

/** In product_id order; `startingAfter` is the last product_id of the previous page. */
export async function listProducts(
  db: Db,
  tenantId: string,
  opts: { limit: number; startingAfter?: string | undefined; active?: boolean | undefined; category?: ProductCategory | undefined },
): Promise<Page<ProductRow>> {
  const conds = [eq(products.tenantId, tenantId)];
  if (opts.startingAfter) conds.push(gt(products.productId, opts.startingAfter));
  if (opts.active !== undefined) conds.push(eq(products.active, opts.active));
  if (opts.category) conds.push(eq(products.category, opts.category));
  const rows = await db
    .select()
    .from(products)
    .where(and(...conds))
    .orderBy(asc(products.productId))
    .limit(opts.limit + 1);
  return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

/** Returns the deleted row's image (to release), or undefined when there was no such product. */
export async function deleteProduct(db: Db, tenantId: string, productId: string): Promise<ProductImage | undefined> {
  const [row] = await db
    .delete(products)
    .where(and(eq(products.tenantId, tenantId), eq(products.productId, productId)))
    .returning({ image: products.image });
  return row?.image;
}
