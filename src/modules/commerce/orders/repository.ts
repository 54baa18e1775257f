/** Drizzle queries for orders and sellers. Tenant id first, always; `db` may be a transaction. */
import { and, count, desc, eq, gte, inArray, isNotNull, lt } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import { OPEN_ORDER_STATUSES, type OrderStatus } from '../../../../contracts/orders.js';
import { orders, sellers, type OrderRow, type SellerRow } from './tables.js';

export type Page<T> = { data: T[]; hasMore: boolean };
export type OrderValues = Omit<typeof orders.$inferInsert, 'id' | 'tenantId'>;
export type SellerValues = Omit<typeof sellers.$inferInsert, 'id' | 'tenantId'>;

// ---------------------------------------------------------------- orders

/** Inserts the order, or nothing when another order already has its `sourceRef` (then undefined). */
export async function insertOrder(db: Db, tenantId: string, id: string, values: OrderValues): Promise<OrderRow | undefined> {
  const [row] = await db
    .insert(orders)
    .values({ ...values, id, tenantId })
    .onConflictDoNothing()
    .returning();
  return row;
}

export async function findOrder(db: Db, tenantId: string, id: string, opts: { lock?: boolean } = {}): Promise<OrderRow | undefined> {
  const q = db
    .select()
    .from(orders)
    .where(and(eq(orders.tenantId, tenantId), eq(orders.id, id)));
  const [row] = opts.lock ? await q.for('update') : await q;
  return row;
}

export async function findOrderBySourceRef(db: Db, tenantId: string, sourceRef: string): Promise<OrderRow | undefined> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.tenantId, tenantId), eq(orders.sourceRef, sourceRef)));
  return row;
}

export async function updateOrder(db: Db, tenantId: string, id: string, values: Partial<OrderValues>): Promise<OrderRow> {
  const [row] = await db
    .update(orders)
    .set(values)
    .where(and(eq(orders.tenantId, tenantId), eq(orders.id, id)))
    .returning();
  if (!row) throw new Error(`order ${id} vanished while locked`);
  return row;
}

export type OrderFilters = {
  limit: number;
  startingAfter?: string | undefined;
  status?: OrderStatus | undefined;
  sellerId?: string | undefined;
  conversationId?: string | undefined;
  contactId?: string | undefined;
  createdGte?: Date | undefined;
  createdLt?: Date | undefined;
};

/** Newest first (ids sort by creation time); `startingAfter` is the last id of the previous page. */
export async function listOrders(db: Db, tenantId: string, f: OrderFilters): Promise<Page<OrderRow>> {
  const conds = [eq(orders.tenantId, tenantId)];
  if (f.startingAfter) conds.push(lt(orders.id, f.startingAfter));
  if (f.status) conds.push(eq(orders.status, f.status));
  if (f.sellerId) conds.push(eq(orders.sellerId, f.sellerId));
  if (f.conversationId) conds.push(eq(orders.conversationId, f.conversationId));
  if (f.contactId) conds.push(eq(orders.contactId, f.contactId));
  if (f.createdGte) conds.push(gte(orders.createdAt, f.createdGte));
  if (f.createdLt) conds.push(lt(orders.createdAt, f.createdLt));
  const rows = await db
    .select()
    .from(orders)
    .where(and(...conds))
    .orderBy(desc(orders.id))
    .limit(f.limit + 1);
  return { data: rows.slice(0, f.limit), hasMore: rows.length > f.limit };
}

/** Open orders (not delivered or canceled) assigned to each of these sellers. */
export async function openOrderCounts(db: Db, tenantId: string, sellerIds: string[]): Promise<Map<string, number>> {
  if (sellerIds.length === 0) return new Map();
  const rows = await db
    .select({ sellerId: orders.sellerId, n: count() })
    .from(orders)
    .where(and(eq(orders.tenantId, tenantId), inArray(orders.sellerId, sellerIds), inArray(orders.status, [...OPEN_ORDER_STATUSES])))
    .groupBy(orders.sellerId);
  return new Map(rows.map((r) => [r.sellerId!, Number(r.n)]));
}

/** A deleted seller's open orders lose their seller (finished orders keep the id as history). */
export async function unassignOpenOrders(db: Db, tenantId: string, sellerId: string, now: Date): Promise<void> {
  await db
    .update(orders)
    .set({ sellerId: null, updatedAt: now })
    .where(and(eq(orders.tenantId, tenantId), eq(orders.sellerId, sellerId), isNotNull(orders.sellerId), inArray(orders.status, [...OPEN_ORDER_STATUSES])));
}

// ---------------------------------------------------------------- sellers

export async function insertSeller(db: Db, tenantId: string, id: string, values: SellerValues): Promise<SellerRow> {
  const [row] = await db
    .insert(sellers)
    .values({ ...values, id, tenantId })
    .returning();
  return row!;
}

export async function findSeller(db: Db, tenantId: string, id: string): Promise<SellerRow | undefined> {
  const [row] = await db
    .select()
    .from(sellers)
    .where(and(eq(sellers.tenantId, tenantId), eq(sellers.id, id)));
  return row;
}

/** Newest first. */
export async function listSellers(db: Db, tenantId: string, f: { limit: number; startingAfter?: string | undefined; active?: boolean | undefined }): Promise<Page<SellerRow>> {
  const conds = [eq(sellers.tenantId, tenantId)];
  if (f.startingAfter) conds.push(lt(sellers.id, f.startingAfter));
  if (f.active !== undefined) conds.push(eq(sellers.active, f.active));
  const rows = await db
    .select()
    .from(sellers)
    .where(and(...conds))
    .orderBy(desc(sellers.id))
    .limit(f.limit + 1);
  return { data: rows.slice(0, f.limit), hasMore: rows.length > f.limit };
}

export async function updateSeller(db: Db, tenantId: string, id: string, values: Partial<SellerValues>): Promise<SellerRow | undefined> {
  const [row] = await db
    .update(sellers)
    .set(values)
    .where(and(eq(sellers.tenantId, tenantId), eq(sellers.id, id)))
    .returning();
  return row;
}

export async function deleteSeller(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(sellers)
    .where(and(eq(sellers.tenantId, tenantId), eq(sellers.id, id)))
    .returning({ id: sellers.id });
  return rows.length > 0;
}

/** True for a unique-index violation (PostgreSQL 23505), as node-postgres or PGlite report it, wrapped or not. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (x: unknown) => (x && typeof x === 'object' && 'code' in x ? String((x as { code: unknown }).code) : undefined);
  return code(e) === '23505' || code((e as { cause?: unknown })?.cause) === '23505';
}
