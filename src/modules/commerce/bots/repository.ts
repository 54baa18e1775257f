/** Drizzle queries for bots and their channel connections. Tenant id first, always (the webhook route's lookup by connection id is the one exception, named so). */
import { and, asc, eq, gt, inArray, max } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import { bots, connections, conversations, inboundEvents, messages, simulatorMessages, type BotRow, type ConnectionRow } from '../tables.js';

export type Page<T> = { data: T[]; hasMore: boolean };
export type NewBot = Omit<typeof bots.$inferInsert, 'tenantId'>;
export type NewConnection = Omit<typeof connections.$inferInsert, 'tenantId' | 'botId'>;

export async function insertBot(db: Db, tenantId: string, bot: NewBot, conns: NewConnection[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(bots).values({ ...bot, tenantId });
    if (conns.length > 0) await tx.insert(connections).values(conns.map((c) => ({ ...c, tenantId, botId: bot.id })));
  });
}

export async function findBot(db: Db, tenantId: string, id: string): Promise<BotRow | undefined> {
  const [b] = await db.select().from(bots).where(and(eq(bots.tenantId, tenantId), eq(bots.id, id)));
  return b;
}

export async function listBots(db: Db, tenantId: string, opts: { limit: number; startingAfter?: string | undefined }): Promise<Page<BotRow>> {
  const conds = [eq(bots.tenantId, tenantId)];
  if (opts.startingAfter) conds.push(gt(bots.id, opts.startingAfter));
  const rows = await db.select().from(bots).where(and(...conds)).orderBy(asc(bots.id)).limit(opts.limit + 1);
  return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

export async function updateBot(db: Db, tenantId: string, id: string, values: Partial<NewBot>): Promise<BotRow | undefined> {
  const [b] = await db.update(bots).set(values).where(and(eq(bots.tenantId, tenantId), eq(bots.id, id))).returning();
  return b;
}

/** The bot, its connections (cascade), its conversations, messages, inbound events and simulator phone. */
export async function deleteBot(db: Db, tenantId: string, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const conns = await tx.select({ id: connections.id }).from(connections).where(and(eq(connections.tenantId, tenantId), eq(connections.botId, id)));
    const [gone] = await tx.delete(bots).where(and(eq(bots.tenantId, tenantId), eq(bots.id, id))).returning({ id: bots.id });
    if (!gone) return false;
    await tx.delete(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.botId, id)));
    await tx.delete(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.botId, id)));
    await tx.delete(inboundEvents).where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.botId, id)));
    if (conns.length > 0) await tx.delete(simulatorMessages).where(and(eq(simulatorMessages.tenantId, tenantId), inArray(simulatorMessages.connectionId, conns.map((c) => c.id))));
    return true;
  });
}

/** The bots' connections in priority order. */
export async function connectionsOf(db: Db, tenantId: string, botIds: string[]): Promise<ConnectionRow[]> {
  if (botIds.length === 0) return [];
  return db
    .select()
    .from(connections)
    .where(and(eq(connections.tenantId, tenantId), inArray(connections.botId, botIds)))
    .orderBy(asc(connections.priority), asc(connections.id));
}

export async function findConnection(db: Db, tenantId: string, botId: string, id: string): Promise<ConnectionRow | undefined> {
  const [c] = await db.select().from(connections).where(and(eq(connections.tenantId, tenantId), eq(connections.botId, botId), eq(connections.id, id)));
  return c;
}

/** The webhook route knows only the connection id in its URL: the one lookup without a tenant. */
export async function findConnectionForWebhook(db: Db, id: string): Promise<ConnectionRow | undefined> {
  const [c] = await db.select().from(connections).where(eq(connections.id, id));
  return c;
}

/** The tenant's connection of this provider for this number (inbound routing by the number an event names). */
export async function findConnectionByAccount(db: Db, tenantId: string, provider: string, accountRef: string): Promise<ConnectionRow | undefined> {
  const [c] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.tenantId, tenantId), eq(connections.provider, provider as ConnectionRow['provider']), eq(connections.accountRef, accountRef)))
    .orderBy(asc(connections.id))
    .limit(1);
  return c;
}

export async function nextPriority(db: Db, tenantId: string, botId: string): Promise<number> {
  const [r] = await db
    .select({ p: max(connections.priority) })
    .from(connections)
    .where(and(eq(connections.tenantId, tenantId), eq(connections.botId, botId)));
  return r?.p === null || r?.p === undefined ? 0 : Number(r.p) + 10;
}

export async function insertConnection(db: Db, tenantId: string, botId: string, c: NewConnection): Promise<ConnectionRow> {
  const [row] = await db.insert(connections).values({ ...c, tenantId, botId }).returning();
  return row!;
}

export async function updateConnection(db: Db, tenantId: string, id: string, values: Partial<NewConnection>): Promise<ConnectionRow | undefined> {
  const [row] = await db.update(connections).set(values).where(and(eq(connections.tenantId, tenantId), eq(connections.id, id))).returning();
  return row;
}

export async function deleteConnection(db: Db, tenantId: string, botId: string, id: string): Promise<boolean> {
  const r = await db.delete(connections).where(and(eq(connections.tenantId, tenantId), eq(connections.botId, botId), eq(connections.id, id))).returning({ id: connections.id });
  return r.length > 0;
}

/** Priorities 0, 10, 20… in the given order. */
export async function reorderConnections(db: Db, tenantId: string, botId: string, order: string[], now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    for (const [i, id] of order.entries()) {
      await tx
        .update(connections)
        .set({ priority: i * 10, updatedAt: now })
        .where(and(eq(connections.tenantId, tenantId), eq(connections.botId, botId), eq(connections.id, id)));
    }
  });
}

/** A connection's state as its provider reports it (linked devices, instances). */
export async function setConnectionState(db: Db, tenantId: string, id: string, state: ConnectionRow['state'], detail: string | null, now: Date): Promise<void> {
  await db.update(connections).set({ state, stateDetail: detail, updatedAt: now }).where(and(eq(connections.tenantId, tenantId), eq(connections.id, id)));
}

export async function setConnectionError(db: Db, tenantId: string, id: string, error: string, now: Date): Promise<void> {
  await db.update(connections).set({ lastError: error, lastErrorAt: now }).where(and(eq(connections.tenantId, tenantId), eq(connections.id, id)));
}
