import { sql } from 'drizzle-orm';
import { bigint, boolean, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export type ProductCategory = 'tops' | 'bottoms' | 'one-pieces' | 'auto';

/** The product's garment image: an upload of the tenant (kind garment, no expiry) owned by the product. */
export type ProductImage = { upload_id: string; key: string; content_type: string; width: number; height: number; bytes: number; sha256: string };

/**
 * A store's products, keyed by the store's own id. Try-ons by `product_id` use the image and the
 * category; the commerce module (WhatsApp bots, orders) will reuse the same rows.
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
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.productId] })],
);

export type ProductRow = typeof products.$inferSelect;
