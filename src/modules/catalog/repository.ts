/** Drizzle queries for a tenant's products. Tenant id first, always. */
import { and, asc, eq, gt, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
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

/**
 * Change some fields of a product: `build` gets the row as it is (locked until the change is
 * written) and returns the values to set; it may throw to refuse. Undefined when there is no such
 * product. Returns the image the row had before (to release when it was replaced).
 */
export async function patchProduct(
  db: Db,
  tenantId: string,
  productId: string,
  build: (old: ProductRow) => Partial<ProductValues>,
): Promise<{ row: ProductRow; previousImage: ProductImage } | undefined> {
  return db.transaction(async (tx) => {
    const where = and(eq(products.tenantId, tenantId), eq(products.productId, productId));
    const [old] = await tx.select().from(products).where(where).for('update');
    if (!old) return undefined;
    const [row] = await tx.update(products).set(build(old)).where(where).returning();
    return { row: row!, previousImage: old.image };
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

/** A product's garment colour as stored (null fields: none found, or not read yet when colorReadAt is null). */
export type ProductColorRow = Pick<ProductRow, 'productId' | 'active' | 'image' | 'colorHex' | 'colorL' | 'colorA' | 'colorB' | 'colorReadAt' | 'colorFit' | 'colorFitVersion'>;

const colorColumns = {
  productId: products.productId,
  active: products.active,
  image: products.image,
  colorHex: products.colorHex,
  colorL: products.colorL,
  colorA: products.colorA,
  colorB: products.colorB,
  colorReadAt: products.colorReadAt,
  colorFit: products.colorFit,
  colorFitVersion: products.colorFitVersion,
};

/** The colours of some of the tenant's products (missing ids are left out). */
export async function findProductColors(db: Db, tenantId: string, productIds: string[]): Promise<ProductColorRow[]> {
  if (productIds.length === 0) return [];
  return db
    .select(colorColumns)
    .from(products)
    .where(and(eq(products.tenantId, tenantId), inArray(products.productId, productIds)));
}

export type RankedColor = { productId: string; hex: string; l: number; a: number; b: number; fit: number[] };

/**
 * The tenant's active products with a colour, ranked by one number of their stored fit
 * (`color_fit[orderAt]`, 0-based, highest first; ties by product_id), optionally only those whose
 * `color_fit[whereAt]` equals `whereValue`; each with its fit's numbers [from, from + length).
 * Only fits of `version` count. One statement: the database orders and limits, `limit + 1` rows
 * come back.
 */
export async function rankByColorFit(
  db: Db,
  tenantId: string,
  q: { version: string; from: number; length: number; orderAt: number; whereAt?: number | undefined; whereValue?: number | undefined; limit: number },
): Promise<{ data: RankedColor[]; hasMore: boolean }> {
  // Postgres arrays are 1-based.
  const lo = q.from + 1;
  const hi = q.from + q.length;
  const filter = q.whereAt !== undefined && q.whereValue !== undefined ? sql` and color_fit[${q.whereAt + 1}::int] = ${q.whereValue}::real` : sql``;
  const res = (await db.execute(sql`
    select product_id, color_hex, color_l, color_a, color_b, color_fit[${lo}::int:${hi}::int] as fit
    from products
    where tenant_id = ${tenantId} and active and color_l is not null and color_fit_version = ${q.version}${filter}
    order by color_fit[${q.orderAt + 1}::int] desc, product_id
    limit ${q.limit + 1}`)) as unknown as { rows: { product_id: string; color_hex: string; color_l: number; color_a: number; color_b: number; fit: number[] | string }[] };
  const rows = res.rows.map((r) => ({
    productId: r.product_id,
    hex: r.color_hex,
    l: Number(r.color_l),
    a: Number(r.color_a),
    b: Number(r.color_b),
    fit: parseRealArray(r.fit),
  }));
  return { data: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

/** A real[] as the driver gives it: an array (node-postgres, PGlite) or its text form. */
function parseRealArray(v: number[] | string | null): number[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v.map(Number);
  return v.replace(/[{}]/g, '').split(',').filter(Boolean).map(Number);
}

/** Products (of any tenant) whose colour was never read, or whose fit is of another version: the backfill's work. */
export async function staleColors(db: Db, fitVersion: string, limit: number): Promise<{ tenantId: string; productId: string; read: boolean }[]> {
  const rows = await db
    .select({ tenantId: products.tenantId, productId: products.productId, colorReadAt: products.colorReadAt })
    .from(products)
    .where(or(isNull(products.colorReadAt), and(isNotNull(products.colorL), or(isNull(products.colorFitVersion), ne(products.colorFitVersion, fitVersion)))))
    .limit(limit);
  return rows.map((r) => ({ tenantId: r.tenantId, productId: r.productId, read: r.colorReadAt !== null }));
}

export type StoredColor = { hex: string; lab: { l: number; a: number; b: number }; fit: number[]; fitVersion: string };

/** Store a product's colour, only if its image is still the one it was read from (a PUT may have replaced it). */
export async function setProductColor(db: Db, tenantId: string, productId: string, imageUploadId: string, color: StoredColor | null, readAt: Date): Promise<void> {
  await db
    .update(products)
    .set({ ...colorValues(color), colorReadAt: readAt })
    .where(and(eq(products.tenantId, tenantId), eq(products.productId, productId), sql`${products.image}->>'upload_id' = ${imageUploadId}`));
}

/** Store a recomputed fit for the colour a product already has. */
export async function setProductColorFit(db: Db, tenantId: string, productId: string, fit: number[], fitVersion: string): Promise<void> {
  await db
    .update(products)
    .set({ colorFit: fit, colorFitVersion: fitVersion })
    .where(and(eq(products.tenantId, tenantId), eq(products.productId, productId)));
}

/** The columns of a stored colour (all null for none). */
export function colorValues(c: StoredColor | null) {
  return { colorHex: c?.hex ?? null, colorL: c?.lab.l ?? null, colorA: c?.lab.a ?? null, colorB: c?.lab.b ?? null, colorFit: c?.fit ?? null, colorFitVersion: c?.fitVersion ?? null };
}
