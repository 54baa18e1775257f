/**
 * Stock for orders: the products an order names, read under a row lock inside the order's
 * transaction, and the stock changes applied to them (reserve on create, give back on cancel).
 * Tenant id first. Callers pass their transaction as `db`; the locks last until it ends, so two
 * orders for the last unit serialise and only one gets it.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { products, type StoredVariant } from './tables.js';

/** What an order reads of a product: its name, price, active flag, stock and variants. */
export type OrderableProduct = {
  productId: string;
  name: string;
  active: boolean;
  price: { amount: number; currency: string } | null;
  stock: number | null;
  variants: StoredVariant[];
};

/** A change of stock: a variant's own stock (variantId) or the product's (variantId null). */
export type StockChange = { productId: string; variantId: string | null; delta: number };

/** The largest stock a column holds (PostgreSQL integer). */
const MAX_STOCK = 2_147_483_647;

/** The tenant's products with these ids, locked FOR UPDATE in product_id order (the same order everywhere: no deadlocks). */
export async function lockOrderableProducts(db: Db, tenantId: string, productIds: string[]): Promise<OrderableProduct[]> {
  if (productIds.length === 0) return [];
  const rows = await db
    .select({
      productId: products.productId,
      name: products.name,
      active: products.active,
      priceAmount: products.priceAmount,
      priceCurrency: products.priceCurrency,
      stock: products.stock,
      variants: products.variants,
    })
    .from(products)
    .where(and(eq(products.tenantId, tenantId), inArray(products.productId, [...new Set(productIds)])))
    .orderBy(asc(products.productId))
    .for('update');
  return rows.map((r) => ({
    productId: r.productId,
    name: r.name,
    active: r.active,
    price: r.priceAmount !== null && r.priceCurrency !== null ? { amount: r.priceAmount, currency: r.priceCurrency } : null,
    stock: r.stock,
    variants: r.variants,
  }));
}

/**
 * Apply stock changes to products locked by `lockOrderableProducts` in the same transaction
 * (`locked`, as read there). A change whose product, variant or tracked stock no longer exists is
 * skipped (the store removed it or stopped tracking). A change that would go below zero throws:
 * callers check availability first.
 */
export async function adjustStock(db: Db, tenantId: string, locked: OrderableProduct[], changes: StockChange[]): Promise<void> {
  const byId = new Map(locked.map((p) => [p.productId, { stock: p.stock, variants: p.variants.map((v) => ({ ...v })), touched: false }]));
  for (const c of changes) {
    const p = byId.get(c.productId);
    if (!p) continue;
    if (c.variantId === null) {
      if (p.stock === null) continue;
      p.stock = next(p.stock, c.delta, c.productId);
    } else {
      const v = p.variants.find((x) => x.variant_id === c.variantId);
      if (!v || v.stock === null) continue;
      v.stock = next(v.stock, c.delta, `${c.productId}:${c.variantId}`);
    }
    p.touched = true;
  }
  for (const [productId, p] of byId) {
    if (!p.touched) continue;
    await db
      .update(products)
      .set({ stock: p.stock, variants: p.variants })
      .where(and(eq(products.tenantId, tenantId), eq(products.productId, productId)));
  }
}

function next(stock: number, delta: number, what: string): number {
  const n = stock + delta;
  if (n < 0) throw new Error(`stock of ${what} would go below zero`);
  return Math.min(n, MAX_STOCK);
}
