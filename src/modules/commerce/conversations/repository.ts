/** Drizzle queries for contacts' conversations and messages. Tenant id first, always. */
import { and, asc, desc, eq, gt, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import { contactIdentities, contacts, conversations, messages, type ContactRow, type ConversationRow, type ConversationStatus, type MessageRow } from '../tables.js';

export type Page<T> = { data: T[]; hasMore: boolean };
export type NewMessage = Omit<typeof messages.$inferInsert, 'tenantId'>;

/** The open conversation of a contact with a bot, created (status `bot`) when there is none. Race-safe: one open per pair. */
export async function openConversation(db: Db, tenantId: string, botId: string, contactId: string, make: () => { id: string; now: Date }): Promise<{ row: ConversationRow; created: boolean }> {
  const existing = await findOpenConversation(db, tenantId, botId, contactId);
  if (existing) return { row: existing, created: false };
  const { id, now } = make();
  const [row] = await db
    .insert(conversations)
    .values({ id, tenantId, botId, contactId, status: 'bot', createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (row) return { row, created: true };
  return { row: (await findOpenConversation(db, tenantId, botId, contactId))!, created: false };
}

export async function findOpenConversation(db: Db, tenantId: string, botId: string, contactId: string): Promise<ConversationRow | undefined> {
  const [c] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.botId, botId), eq(conversations.contactId, contactId), ne(conversations.status, 'closed')));
  return c;
}

export async function findConversation(db: Db, tenantId: string, id: string): Promise<ConversationRow | undefined> {
  const [c] = await db.select().from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id)));
  return c;
}

export async function listConversations(
  db: Db,
  tenantId: string,
  q: { limit: number; startingAfter?: string | undefined; botId?: string | undefined; status?: ConversationStatus | undefined; assignedSellerId?: string | undefined; unread?: boolean | undefined },
): Promise<Page<ConversationRow>> {
  const conds = [eq(conversations.tenantId, tenantId)];
  if (q.startingAfter) conds.push(lt(conversations.id, q.startingAfter));
  if (q.botId) conds.push(eq(conversations.botId, q.botId));
  if (q.status) conds.push(eq(conversations.status, q.status));
  if (q.assignedSellerId) conds.push(eq(conversations.assignedSellerId, q.assignedSellerId));
  if (q.unread === true) conds.push(gt(conversations.unreadCount, 0));
  if (q.unread === false) conds.push(eq(conversations.unreadCount, 0));
  const rows = await db.select().from(conversations).where(and(...conds)).orderBy(desc(conversations.id)).limit(q.limit + 1);
  return { data: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

export async function updateConversation(db: Db, tenantId: string, id: string, values: Partial<typeof conversations.$inferInsert>): Promise<ConversationRow | undefined> {
  const [c] = await db.update(conversations).set(values).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id))).returning();
  return c;
}

/** Change the status only from one of `from` (a compare-and-set: concurrent handovers do not cross). */
export async function moveConversation(db: Db, tenantId: string, id: string, from: ConversationStatus[], values: Partial<typeof conversations.$inferInsert>): Promise<ConversationRow | undefined> {
  const [c] = await db
    .update(conversations)
    .set(values)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id), sql`${conversations.status} in (${sql.join(from.map((f) => sql`${f}`), sql`, `)})`))
    .returning();
  return c;
}

/** Insert a message unless its id exists (deterministic ids make jobs idempotent); true when inserted. */
export async function insertMessage(db: Db, tenantId: string, m: NewMessage): Promise<boolean> {
  const r = await db.insert(messages).values({ ...m, tenantId }).onConflictDoNothing().returning({ id: messages.id });
  return r.length > 0;
}

/** The row when inserted; undefined when a message with that id was there already. */
export async function insertMessageReturning(db: Db, tenantId: string, m: NewMessage): Promise<MessageRow | undefined> {
  const [r] = await db.insert(messages).values({ ...m, tenantId }).onConflictDoNothing().returning();
  return r;
}

export async function findMessage(db: Db, tenantId: string, id: string): Promise<MessageRow | undefined> {
  const [m] = await db.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, id)));
  return m;
}

export async function findMessageByProviderId(db: Db, tenantId: string, connectionId: string, providerMessageId: string): Promise<MessageRow | undefined> {
  const [m] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.connectionId, connectionId), eq(messages.providerMessageId, providerMessageId)))
    .limit(1);
  return m;
}

export async function updateMessage(db: Db, tenantId: string, id: string, values: Partial<NewMessage>, onlyIfStatus?: MessageRow['status'][]): Promise<MessageRow | undefined> {
  const conds = [eq(messages.tenantId, tenantId), eq(messages.id, id)];
  if (onlyIfStatus) conds.push(sql`${messages.status} in (${sql.join(onlyIfStatus.map((s) => sql`${s}`), sql`, `)})`);
  const [m] = await db.update(messages).set(values).where(and(...conds)).returning();
  return m;
}

/** Newest first. */
export async function listMessages(db: Db, tenantId: string, conversationId: string, q: { limit: number; startingAfter?: string | undefined }): Promise<Page<MessageRow>> {
  const conds = [eq(messages.tenantId, tenantId), eq(messages.conversationId, conversationId)];
  if (q.startingAfter) conds.push(lt(messages.id, q.startingAfter));
  const rows = await db.select().from(messages).where(and(...conds)).orderBy(desc(messages.id)).limit(q.limit + 1);
  return { data: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

export async function findContact(db: Db, tenantId: string, id: string): Promise<ContactRow | undefined> {
  const [c] = await db.select().from(contacts).where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, id)));
  return c;
}

/** A contact's identities (`phone:+E164`, `lid:…@lid`, `pid:…`), oldest first. */
export async function identitiesOfContact(db: Db, tenantId: string, contactId: string): Promise<string[]> {
  const rows = await db
    .select({ identity: contactIdentities.identity })
    .from(contactIdentities)
    .where(and(eq(contactIdentities.tenantId, tenantId), eq(contactIdentities.contactId, contactId)))
    .orderBy(asc(contactIdentities.createdAt), asc(contactIdentities.identity));
  return rows.map((r) => r.identity);
}

export async function findContacts(db: Db, tenantId: string, ids: string[]): Promise<ContactRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(contacts).where(and(eq(contacts.tenantId, tenantId), sql`${contacts.id} in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`));
}

/** Sends (ok and failed) of a connection since a moment: its health from real traffic. */
export async function trafficOf(db: Db, tenantId: string, connectionId: string, since: Date): Promise<{ sent: number; failed: number }> {
  const [r] = await db
    .select({
      sent: sql<number>`count(*) filter (where ${messages.status} in ('sent', 'delivered', 'read'))`,
      failed: sql<number>`count(*) filter (where ${messages.status} = 'failed')`,
    })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.connectionId, connectionId), eq(messages.direction, 'out'), gt(messages.createdAt, since)));
  return { sent: Number(r?.sent ?? 0), failed: Number(r?.failed ?? 0) };
}

/** Open (not closed) conversations assigned to each of these sellers: `{ sel_…: n }` (sellers without any are absent). */
export async function openCountsBySeller(db: Db, tenantId: string, sellerIds: string[]): Promise<Record<string, number>> {
  if (sellerIds.length === 0) return {};
  const rows = await db
    .select({ seller: conversations.assignedSellerId, n: sql<number>`count(*)::int` })
    .from(conversations)
    .where(and(eq(conversations.tenantId, tenantId), inArray(conversations.assignedSellerId, sellerIds), ne(conversations.status, 'closed')))
    .groupBy(conversations.assignedSellerId);
  return Object.fromEntries(rows.map((r) => [r.seller!, Number(r.n)]));
}
