import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp } from 'drizzle-orm/pg-core';

/** A variant as stored: its own price (same currency as the product's) and stock, or null to use the product's. */
export type StoredVariant = {
  variant_id: string;
  name: string;
  attributes: Record<string, string>;
  price: { amount: number; currency: string } | null;
  stock: number | null;
};

export type ProductCategory = 'tops' | 'bottoms' | 'one-pieces' | 'auto';

/** The product's garment image: an upload of the tenant (kind garment, no expiry) owned by the product. */
export type ProductImage = { upload_id: string; key: string; content_type: string; width: number; height: number; bytes: number; sha256: string };

/**
 * A store's products, keyed by the store's own id. Try-ons by `product_id` use the image and the
 * category; the commerce module (WhatsApp bots, orders) reuses the same rows: their price, stock and variants.
 */
export const products = pgTable(
  'products',
  {
    tenantId: text('tenant_id').notNull(),
    /** The store's own id (1–128 characters), unique per tenant. */
    productId: text('product_id').notNull(),
    name: text('name').notNull(),
    url: text('url'),
    /** Integer minor units of `price_currency` (cents, or yen for JPY); both null without a price. */
    priceAmount: bigint('price_amount', { mode: 'number' }),
    priceCurrency: text('price_currency'),
    category: text('category').$type<ProductCategory>().notNull().default('auto'),
    image: jsonb('image').$type<ProductImage>().notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    active: boolean('active').notNull().default(true),
    /** Units in stock, null when not tracked. Orders reserve from it (or from a variant's own stock) and give back on cancel. */
    stock: integer('stock'),
    /** Up to 100 variants (sizes, colours…); a variant's price and stock override the product's. */
    variants: jsonb('variants').$type<StoredVariant[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    /**
     * The garment's dominant colour (read from the image once, when it is saved; the background is
     * not the garment's): sRGB hex and CIELAB (D65). Null when none was found or not read yet.
     */
    colorHex: text('color_hex'),
    colorL: real('color_l'),
    colorA: real('color_a'),
    colorB: real('color_b'),
    /** When the colour was read (null: not yet, e.g. a product saved before colours were read; the backfill job reads it). */
    colorReadAt: timestamp('color_read_at', { withTimezone: true }),
    /**
     * The colour scored against each of the style palettes when it was stored (the style module's
     * layout, opaque here: a few numbers per palette, the first its score), and the scoring's
     * version: a catalog is ranked for a palette by one query that orders by the stored score.
     */
    colorFit: real('color_fit').array(),
    colorFitVersion: text('color_fit_version'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.productId] }),
    // Ranking a catalog's active, coloured products by a palette's stored score.
    index('products_color_idx').on(t.tenantId, t.colorFitVersion).where(sql`${t.colorL} is not null and ${t.active}`),
    // The backfill finds products whose colour was never read.
    index('products_color_unread_idx').on(t.tenantId, t.productId).where(sql`${t.colorReadAt} is null`),
  ],
);

export type ProductRow = typeof products.$inferSelect;
