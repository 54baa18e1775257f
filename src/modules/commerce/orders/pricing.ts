/**
 * An order's lines priced from the catalog as it is now (the products locked in the order's
 * transaction): name, unit price and line total copied into each item, one currency per order,
 * whose stock each line takes, and what cannot be ordered (unknown, inactive, no price…) or is
 * short of stock. Pure: no database.
 */
import type { OrderableProduct, StockChange } from '../../catalog/index.js';
import type { StoredOrderItem } from './tables.js';

export type OrderLine = {
  productId: string;
  variantId: string | null;
  quantity: number;
  /** A WhatsApp cart's price, kept for reference only (never used to price). */
  cartPrice?: { value: number; currency: string } | null | undefined;
  /** How the caller named the line (a cart's retailer id), echoed in problems. */
  ref?: string | undefined;
};

export type ItemProblemReason = 'unknown_product' | 'product_inactive' | 'unknown_variant' | 'variant_required' | 'no_price' | 'currency_mismatch';
export type ItemProblem = { product_id: string; variant_id: string | null; ref: string | null; reason: ItemProblemReason };
export type Shortage = { product_id: string; variant_id: string | null; requested: number; available: number };

export type Priced = { items: StoredOrderItem[]; currency: string | null; subtotal: number; problems: ItemProblem[]; shortages: Shortage[]; reserve: StockChange[] };

/** The same product and variant named twice are one line (quantities added, the first cart price kept). */
export function mergeLines(lines: OrderLine[]): OrderLine[] {
  const byKey = new Map<string, OrderLine>();
  for (const l of lines) {
    const key = `${l.productId}\u0000${l.variantId ?? ''}`;
    const seen = byKey.get(key);
    if (seen) seen.quantity += l.quantity;
    else byKey.set(key, { ...l });
  }
  return [...byKey.values()];
}

export function priceLines(products: OrderableProduct[], lines: OrderLine[]): Priced {
  const byId = new Map(products.map((p) => [p.productId, p]));
  const items: StoredOrderItem[] = [];
  const problems: ItemProblem[] = [];
  // Demand per stock pool: a variant's own stock, or the product's (shared by its variants without one).
  const demand = new Map<string, { product_id: string; variant_id: string | null; requested: number; available: number }>();
  let currency: string | null = null;
  for (const l of lines) {
    const problem = (reason: ItemProblemReason) => problems.push({ product_id: l.productId, variant_id: l.variantId, ref: l.ref ?? null, reason });
    const p = byId.get(l.productId);
    if (!p) {
      problem('unknown_product');
      continue;
    }
    if (!p.active) {
      problem('product_inactive');
      continue;
    }
    const v = l.variantId === null ? undefined : p.variants.find((x) => x.variant_id === l.variantId);
    if (l.variantId !== null && !v) {
      problem('unknown_variant');
      continue;
    }
    if (l.variantId === null && p.variants.length > 0) {
      problem('variant_required');
      continue;
    }
    const price = v?.price ?? p.price;
    if (!price) {
      problem('no_price');
      continue;
    }
    if (currency !== null && price.currency !== currency) {
      problem('currency_mismatch');
      continue;
    }
    currency = price.currency;
    const reserved = v && v.stock !== null ? 'variant' : p.stock !== null ? 'product' : null;
    if (reserved) {
      const key = reserved === 'variant' ? `${p.productId}\u0000${v!.variant_id}` : p.productId;
      const d = demand.get(key) ?? { product_id: p.productId, variant_id: reserved === 'variant' ? v!.variant_id : null, requested: 0, available: (reserved === 'variant' ? v!.stock : p.stock) ?? 0 };
      d.requested += l.quantity;
      demand.set(key, d);
    }
    items.push({
      product_id: p.productId,
      variant_id: v?.variant_id ?? null,
      name: v ? `${p.name} (${v.name})` : p.name,
      variant_name: v?.name ?? null,
      quantity: l.quantity,
      unit_amount: price.amount,
      total_amount: price.amount * l.quantity,
      currency: price.currency,
      reserved,
      cart_price: l.cartPrice ?? null,
    });
  }
  const shortages = [...demand.values()].filter((d) => d.requested > d.available);
  const reserve: StockChange[] = [...demand.values()].map((d) => ({ productId: d.product_id, variantId: d.variant_id, delta: -d.requested }));
  return { items, currency, subtotal: items.reduce((s, i) => s + i.total_amount, 0), problems, shortages, reserve };
}

/** What a canceled order gives back: each reserved line's quantity to the pool it took from. */
export function releaseOf(items: StoredOrderItem[]): StockChange[] {
  return items.filter((i) => i.reserved !== null).map((i) => ({ productId: i.product_id, variantId: i.reserved === 'variant' ? i.variant_id : null, delta: i.quantity }));
}
