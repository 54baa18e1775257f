/**
 * Orders and sellers. The conversation, contact and bot an order came from are plain text ids
 * (the commerce core owns those tables); products are the catalog's, copied into each item.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { OrderSource, OrderStatus } from '../../../../contracts/orders.js';

/** An order line as priced when the order was made; `reserved` says whose stock it took (to give back on cancel). */
export type StoredOrderItem = {
  product_id: string;
  variant_id: string | null;
  name: string;
  variant_name: string | null;
  quantity: number;
  unit_amount: number;
  total_amount: number;
  currency: string;
  reserved: 'product' | 'variant' | null;
  cart_price: { value: number; currency: string } | null;
};

export type StatusChange = { status: OrderStatus; at: string; note: string | null };

export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    status: text('status').$type<OrderStatus>().notNull(),
    source: text('source').$type<OrderSource>().notNull(),
    /** What made it, for idempotency: the inbound WhatsApp message id of a cart. Unique per tenant. */
    sourceRef: text('source_ref'),
    currency: text('currency').notNull(),
    items: jsonb('items').$type<StoredOrderItem[]>().notNull(),
    subtotalAmount: bigint('subtotal_amount', { mode: 'number' }).notNull(),
    shippingAmount: bigint('shipping_amount', { mode: 'number' }).notNull().default(0),
    totalAmount: bigint('total_amount', { mode: 'number' }).notNull(),
    paymentLink: text('payment_link'),
    notes: text('notes'),
    customerName: text('customer_name'),
    customerPhone: text('customer_phone'),
    sellerId: text('seller_id'),
    conversationId: text('conversation_id'),
    contactId: text('contact_id'),
    botId: text('bot_id'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** Every status it has had, oldest first. */
    history: jsonb('history').$type<StatusChange[]>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('orders_tenant_idx').on(t.tenantId, t.id),
    index('orders_status_idx').on(t.tenantId, t.status, t.id),
    index('orders_seller_idx').on(t.tenantId, t.sellerId, t.status).where(sql`${t.sellerId} is not null`),
    index('orders_conversation_idx').on(t.tenantId, t.conversationId).where(sql`${t.conversationId} is not null`),
    index('orders_contact_idx').on(t.tenantId, t.contactId).where(sql`${t.contactId} is not null`),
    uniqueIndex('orders_source_ref_idx').on(t.tenantId, t.sourceRef).where(sql`${t.sourceRef} is not null`),
  ],
);
export type OrderRow = typeof orders.$inferSelect;

export const sellers = pgTable(
  'sellers',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    /** E.164, unique per tenant. */
    phone: text('phone').notNull(),
    email: text('email'),
    active: boolean('active').notNull().default(true),
    maxOpenConversations: integer('max_open_conversations'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sellers_tenant_idx').on(t.tenantId, t.id), uniqueIndex('sellers_phone_idx').on(t.tenantId, t.phone)],
);
export type SellerRow = typeof sellers.$inferSelect;
