/**
 * Drizzle queries for webhook endpoints, deliveries and attempts. Tenant id first, always.
 */
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import type { WebhookDeliveryStatus } from '../../../contracts/webhooks.js';
import {
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhookEndpoints,
  type WebhookDeliveryAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from './tables.js';

export type NewEndpoint = typeof webhookEndpoints.$inferInsert;
export type NewDelivery = typeof webhookDeliveries.$inferInsert;
export type NewAttempt = typeof webhookDeliveryAttempts.$inferInsert;
export type Page<T> = { data: T[]; hasMore: boolean };

export async function insertEndpoint(db: Db, tenantId: string, row: Omit<NewEndpoint, 'tenantId'>): Promise<WebhookEndpointRow> {
  const [e] = await db
    .insert(webhookEndpoints)
    .values({ ...row, tenantId })
    .returning();
  return e!;
}

export async function countEndpoints(db: Db, tenantId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, tenantId));
  return row?.n ?? 0;
}

export async function findEndpoint(db: Db, tenantId: string, endpointId: string): Promise<WebhookEndpointRow | undefined> {
  const [e] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, endpointId)));
  return e;
}

/** Newest first. */
export async function listEndpoints(db: Db, tenantId: string, opts: { limit: number; startingAfter?: string | undefined }): Promise<Page<WebhookEndpointRow>> {
  const conds = [eq(webhookEndpoints.tenantId, tenantId)];
  if (opts.startingAfter) conds.push(lt(webhookEndpoints.id, opts.startingAfter));
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(and(...conds))
    .orderBy(desc(webhookEndpoints.id))
    .limit(opts.limit + 1);
  return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

/** Enabled endpoints subscribed to `type` (explicitly or with `*`). */
export async function subscribedEndpoints(db: Db, tenantId: string, type: string): Promise<WebhookEndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.tenantId, tenantId),
        eq(webhookEndpoints.enabled, true),
        sql`(${webhookEndpoints.eventTypes} @> '["*"]'::jsonb or ${webhookEndpoints.eventTypes} @> ${JSON.stringify([type])}::jsonb)`,
      ),
    );
}

export async function updateEndpoint(db: Db, tenantId: string, endpointId: string, patch: Partial<NewEndpoint>): Promise<WebhookEndpointRow | undefined> {
  const [e] = await db
    .update(webhookEndpoints)
    .set(patch)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, endpointId)))
    .returning();
  return e;
}

export async function deleteEndpoint(db: Db, tenantId: string, endpointId: string): Promise<boolean> {
  const rows = await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, endpointId)))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** A failed attempt: start the failing run if none is going on. Returns the endpoint as it is now. */
export async function markEndpointFailing(db: Db, tenantId: string, endpointId: string, at: Date): Promise<WebhookEndpointRow | undefined> {
  const [e] = await db
    .update(webhookEndpoints)
    .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${at})` })
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, endpointId)))
    .returning();
  return e;
}

/** A successful attempt ends the failing run. */
export async function markEndpointHealthy(db: Db, tenantId: string, endpointId: string): Promise<void> {
  await db
    .update(webhookEndpoints)
    .set({ failingSince: null })
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, endpointId), sql`${webhookEndpoints.failingSince} is not null`));
}

export async function insertDeliveries(db: Db, rows: NewDelivery[]): Promise<WebhookDeliveryRow[]> {
  if (rows.length === 0) return [];
  return db.insert(webhookDeliveries).values(rows).returning();
}

export async function findDelivery(db: Db, tenantId: string, deliveryId: string, endpointId?: string): Promise<WebhookDeliveryRow | undefined> {
  const conds = [eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.id, deliveryId)];
  if (endpointId) conds.push(eq(webhookDeliveries.endpointId, endpointId));
  const [d] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(...conds));
  return d;
}

/** Newest first, optionally of one status. */
export async function listDeliveries(
  db: Db,
  tenantId: string,
  endpointId: string,
  opts: { limit: number; startingAfter?: string | undefined; status?: WebhookDeliveryStatus | undefined },
): Promise<Page<WebhookDeliveryRow>> {
  const conds = [eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.endpointId, endpointId)];
  if (opts.startingAfter) conds.push(lt(webhookDeliveries.id, opts.startingAfter));
  if (opts.status) conds.push(eq(webhookDeliveries.status, opts.status));
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(...conds))
    .orderBy(desc(webhookDeliveries.id))
    .limit(opts.limit + 1);
  return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

export async function updateDelivery(db: Db, tenantId: string, deliveryId: string, patch: Partial<NewDelivery>): Promise<WebhookDeliveryRow | undefined> {
  const [d] = await db
    .update(webhookDeliveries)
    .set(patch)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.id, deliveryId)))
    .returning();
  return d;
}

/**
 * Record an attempt's outcome only if no other run recorded attempt `seq + 1` first (two runs of
 * one job, or a redelivery racing a scheduled retry): the first to finish wins, the other is dropped.
 */
export async function recordAttempt(
  db: Db,
  tenantId: string,
  deliveryId: string,
  seq: number,
  patch: Partial<NewDelivery>,
  attempt: Omit<NewAttempt, 'tenantId' | 'deliveryId'>,
): Promise<WebhookDeliveryRow | undefined> {
  return db.transaction(async (tx) => {
    const [d] = await tx
      .update(webhookDeliveries)
      .set({ ...patch, attempts: seq + 1 })
      .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.attempts, seq)))
      .returning();
    if (!d) return undefined;
    await tx.insert(webhookDeliveryAttempts).values({ ...attempt, tenantId, deliveryId });
    return d;
  });
}

export async function listAttempts(db: Db, tenantId: string, deliveryId: string): Promise<WebhookDeliveryAttemptRow[]> {
  return db
    .select()
    .from(webhookDeliveryAttempts)
    .where(and(eq(webhookDeliveryAttempts.tenantId, tenantId), eq(webhookDeliveryAttempts.deliveryId, deliveryId)))
    .orderBy(asc(webhookDeliveryAttempts.attempt), asc(webhookDeliveryAttempts.createdAt));
}

/** Deliveries whose next attempt is long overdue (their job was lost): for the recovery sweep. Not tenant-scoped. */
export async function overdueDeliveries(db: Db, before: Date, limit: number): Promise<Pick<WebhookDeliveryRow, 'id' | 'tenantId' | 'attempts'>[]> {
  return db
    .select({ id: webhookDeliveries.id, tenantId: webhookDeliveries.tenantId, attempts: webhookDeliveries.attempts })
    .from(webhookDeliveries)
    .where(and(inArray(webhookDeliveries.status, ['pending', 'retrying']), lt(webhookDeliveries.nextAttemptAt, before)))
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(limit);
}

/** Delete finished deliveries (and their attempts) created before `before`. Not tenant-scoped: retention. */
export async function purgeDeliveries(db: Db, before: Date): Promise<number> {
  const rows = await db
    .delete(webhookDeliveries)
    .where(and(inArray(webhookDeliveries.status, ['succeeded', 'failed']), lt(webhookDeliveries.createdAt, before)))
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}

/** Every enabled endpoint of the tenant with its event types (what `emit` needs; cached per tenant). */
export async function enabledEndpoints(db: Db, tenantId: string): Promise<{ id: string; eventTypes: string[] }[]> {
  return db
    .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.enabled, true)))
    .orderBy(asc(webhookEndpoints.id));
}
