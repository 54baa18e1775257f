/**
 * The `commerce.inbound` job: one stored provider event. A message → its contact (one per person),
 * the open conversation, the message row (its id derived from the event: a second run inserts
 * nothing), the window refreshed, media fetched into the blob store, then the automatic rules —
 * opt-out/opt-in keywords (ledger + acknowledgement), the away message outside business hours
 * (once per N hours), a cart handed to the orders part, then the bot's published flow (flows/:
 * the message becomes its input) or, with none, the conversation routed to the inbox (`waiting_agent`). Nothing automatic is said while an agent
 * has the conversation, except the opt-out acknowledgement the law asks for. A status → the
 * message row, never backwards (one naming our id but no known provider id adopts a send whose
 * answer was lost: outbound/in-flight.ts). Every reply's id is derived too: killed mid-way, it answers once.
 */
import { and, eq, ne, sql } from 'drizzle-orm';
import { PermanentJobError, type JobContext } from '../../../platform/jobs/types.js';
import { rawRows, rowFromJson } from '../../../platform/db/raw.js';
import type { CommerceCore } from '../core.js';
import { derivedId } from '../derived-ids.js';
import type { InboundEvent, InboundContent } from '../channels/index.js';
import { convRepo } from '../conversations/index.js';
import { presentConversation, presentMessage } from '../conversations/index.js';
import { adoptLostSend, queueOutbound } from '../outbound/index.js';
import { addOptOut, removeOptOuts } from '../opt-outs.js';
import { conversations, messages, type BotRow, type ConnectionRow, type ConversationRow, type InboundEventRow, type MessageRow } from '../tables.js';
import { botsRepo } from '../bots/index.js';
import { fromPayload, INBOUND_JOB, type InboundBatchPayload, type InboundJobPayload } from './ingest.js';
import { liveContactId, resolveContact } from './contacts.js';
import { isOptIn, OPT_IN_ACK, OPT_OUT_ACK, optOutOf, withinBusinessHours } from './rules.js';
import { storeInboundMedia } from './media.js';

const SELECT_EVENT = `select id, tenant_id as "tenantId", bot_id as "botId", connection_id as "connectionId", dedupe_key as "dedupeKey", kind, payload,
  received_at as "receivedAt", processed_at as "processedAt" from commerce_inbound_events where tenant_id = $1 and id = $2`;
const MARK_PROCESSED = 'update commerce_inbound_events set processed_at = $2::timestamptz where id = $1';
const SELECT_EVENTS = `select e.id, e.tenant_id as "tenantId", e.bot_id as "botId", e.connection_id as "connectionId", e.dedupe_key as "dedupeKey", e.kind, e.payload,
  e.received_at as "receivedAt", e.processed_at as "processedAt"
  from unnest($1::text[], $2::text[]) with ordinality as w(tenant_id, id, n) join commerce_inbound_events e on e.tenant_id = w.tenant_id and e.id = w.id
  where e.processed_at is null order by w.n`;
const MARK_PROCESSED_MANY = 'update commerce_inbound_events set processed_at = $2::timestamptz where id = any($1::text[])';

const WRITE_MESSAGE = `with c as (
  select merged_into from commerce_contacts where tenant_id = $1 and id = $2 for share
), ins as (
  insert into commerce_messages (id, tenant_id, conversation_id, bot_id, contact_id, direction, content, source, provider, connection_id, provider_message_id, reply_to_provider_message_id, status, created_at)
  select $3, $1, $4, $5, $2, 'in', $6::jsonb, 'shopper', $7, $8, $9, $10, 'received', $11::timestamptz
  where not exists (select 1 from c where merged_into is not null)
  on conflict do nothing
  returning *
), upd as (
  update commerce_conversations
  set last_inbound_at = greatest(last_inbound_at, $12::timestamptz), last_message_at = $11::timestamptz, unread_count = unread_count + 1, updated_at = $11::timestamptz
  where id = $4 and exists (select 1 from ins)
  returning *
)
select (select merged_into from c) as "mergedInto", (select row_to_json(ins) from ins) as msg, (select row_to_json(upd) from upd) as conv`;

const RANK: Record<MessageRow['status'], number> = { received: 0, queued: 0, sent: 1, delivered: 2, read: 3, failed: 1 };

/** The job's reads of its bot and connection (cached per process in index.ts; the database by default). */
export type InboundLookups = {
  bot: (tenantId: string, id: string) => Promise<BotRow | undefined>;
  connection: (tenantId: string, botId: string, id: string) => Promise<ConnectionRow | undefined>;
};

export function createInboundProcessor(core: CommerceCore, lookups?: InboundLookups) {
  const { db } = core;

  // The job's first and last statements as constant texts (platform/db/raw.ts): prepared once per
  // connection, not built by Drizzle for every message. The mark commits relaxed: if a database
  // crash loses it, the event runs again (maintenance re-queues it), which writes nothing twice.
  async function markProcessed(row: InboundEventRow) {
    await rawRows(db, MARK_PROCESSED, [row.id, core.now().toISOString()], { relaxed: true });
  }

  /**
   * The message row and its conversation's window refresh in one statement (one implicit
   * transaction, one round trip): the contact's row share-locked first, so a merge (which locks it
   * for update) either finished before — the contact reads as merged, nothing is written and the
   * message goes to the live contact — or waits until this commits and then moves the message with
   * the rest. A second run finds the message (same derived id) and changes nothing.
   */
  async function writeMessage(row: InboundEventRow, contactId: string, msgId: string, conversationId: string, botId: string, conn: ConnectionRow, e: Extract<InboundEvent, { kind: 'message' }>, at: Date) {
    const now = core.now().toISOString();
    const [r] = await rawRows<{ mergedInto: string | null; msg: Record<string, unknown> | null; conv: Record<string, unknown> | null }>(db, WRITE_MESSAGE, [
      row.tenantId,
      contactId,
      msgId,
      conversationId,
      botId,
      JSON.stringify(e.content),
      conn.provider,
      conn.id,
      e.providerMessageId,
      e.replyToProviderMessageId ?? null,
      now,
      at.toISOString(),
    ]);
    if (r?.mergedInto) return { mergedInto: r.mergedInto };
    if (!r?.msg) return { inserted: undefined };
    return { inserted: { msg: rowFromJson(messages, r.msg), conv: r.conv ? rowFromJson(conversations, r.conv) : undefined } };
  }

  async function processMessage(row: InboundEventRow, e: Extract<InboundEvent, { kind: 'message' }>, ctx: JobContext) {
    const bot = lookups ? await lookups.bot(row.tenantId, row.botId) : await core.bots.getBot(row.tenantId, row.botId).catch(() => undefined);
    const conn = lookups ? await lookups.connection(row.tenantId, row.botId, row.connectionId) : await botsRepo.findConnection(db, row.tenantId, row.botId, row.connectionId);
    if (!bot || !conn) return; // deleted since
    // The contact and, for a known one, its open conversation with the bot (one statement).
    const resolved = await resolveContact(db, row.tenantId, e.from, core.now(), bot.id, true);
    let contact = resolved.contact;
    const msgId = derivedId('message', row.id, 'message');
    const at = e.timestamp instanceof Date && !Number.isNaN(e.timestamp.getTime()) ? e.timestamp : core.now();
    let opened: ConversationRow;
    let inserted: { msg: MessageRow; conv: ConversationRow | undefined } | undefined;
    for (let round = 0; ; round++) {
      if (round === 0 && resolved.conversation) opened = resolved.conversation;
      else ({ row: opened } = await convRepo.openConversation(db, row.tenantId, bot.id, contact.id, () => ({ id: derivedId('conversation', row.id, round === 0 ? 'conversation' : `merged-${round}`), now: core.now() })));
      // The message and the window refresh together (writeMessage: the contact's row share-locked first).
      const step = await writeMessage(row, contact.id, msgId, opened.id, bot.id, conn, e, at);
      if ('inserted' in step) {
        inserted = step.inserted;
        break;
      }
      // Merged meanwhile (an @lid linked to its phone by another job): a conversation this job opened
      // for the merged-away contact after the merge is empty; it is closed, and the live contact's used.
      if (round >= 4) throw new Error('the contact kept being merged; again');
      await db
        .update(conversations)
        .set({ status: 'closed', contactId: step.mergedInto, unreadCount: 0, updatedAt: core.now() })
        .where(and(eq(conversations.tenantId, row.tenantId), eq(conversations.contactId, contact.id), ne(conversations.status, 'closed')));
      contact = (await convRepo.findContact(db, row.tenantId, await liveContactId(db, row.tenantId, step.mergedInto)))!;
    }
    // The rows as the transaction left them; on a second run, wherever a merge has put the message since.
    let msg = inserted?.msg ?? (await convRepo.findMessage(db, row.tenantId, msgId))!;
    let conv = (inserted?.conv ?? (await convRepo.findConversation(db, row.tenantId, msg.conversationId)))!;
    if (e.content.type === 'media' && !msg.media) msg = (await storeInboundMedia(core, conn, msg, e.content.media, ctx.signal)) ?? msg;
    if (inserted) {
      const data = presentMessage(msg) as unknown as Record<string, unknown>;
      await core.publish(row.tenantId, 'message.created', data);
      await core.emit(row.tenantId, 'message.received', data);
    }
    conv = await applyRules(row, bot, conv, e.content, msg);
    void conv;
  }

  async function applyRules(row: InboundEventRow, bot: BotRow, conv: ConversationRow, content: InboundContent, msg: MessageRow): Promise<ConversationRow> {
    const reply = (purpose: string, text: string) => queueOutbound(core, conv, { id: derivedId('message', row.id, purpose), content: { type: 'text', text }, category: 'service', source: 'auto' });
    if (content.type === 'text') {
      const out = optOutOf(content.text);
      if (out) {
        await addOptOut(db, row.tenantId, conv.contactId, out, 'keyword', core.now());
        await reply('opt-out-ack', OPT_OUT_ACK);
        return conv;
      }
      if (isOptIn(content.text)) {
        await removeOptOuts(db, row.tenantId, conv.contactId);
        await reply('opt-in-ack', OPT_IN_ACK);
        return conv;
      }
    }
    if (content.type === 'order' && core.ports.onCartOrder) {
      const contact = await convRepo.findContact(db, row.tenantId, conv.contactId);
      await core.ports.onCartOrder(row.tenantId, {
        botId: bot.id,
        conversationId: conv.id,
        contactId: conv.contactId,
        customer: { name: contact?.name ?? null, phone: contact?.phone ?? null },
        sourceRef: msg.id,
        catalogId: content.catalogId,
        text: content.text,
        items: content.items,
      });
    }
    // The bot is silent while an agent has the conversation.
    if (conv.status === 'agent') return conv;
    // A published flow drives the bot: the message is its input (the flow answers, at any hour).
    if (conv.status === 'bot' && content.type !== 'order' && core.flows && (await core.flows.accept(conv, msg))) return conv;
    const now = core.now();
    if (bot.awayMessage && !withinBusinessHours(bot.businessHours, now) && (!conv.lastAwayAt || now.getTime() - conv.lastAwayAt.getTime() >= bot.awayEveryHours * 3600_000)) {
      // Claim the away slot (compare-and-set) before queueing: concurrent messages send one.
      const [claimed] = await db
        .update(conversations)
        .set({ lastAwayAt: now })
        .where(and(eq(conversations.id, conv.id), sql`(${conversations.lastAwayAt} is null or ${conversations.lastAwayAt} < ${new Date(now.getTime() - bot.awayEveryHours * 3600_000).toISOString()}::timestamptz)`))
        .returning({ id: conversations.id });
      if (claimed) await reply('away', bot.awayMessage);
    }
    // No flow drives the bot: the conversation goes to the inbox.
    if (conv.status === 'bot') {
      const moved = await convRepo.moveConversation(db, row.tenantId, conv.id, ['bot'], { status: 'waiting_agent', updatedAt: now });
      if (moved) {
        const contact = await convRepo.findContact(db, row.tenantId, moved.contactId);
        const data = presentConversation(moved, contact, now) as unknown as Record<string, unknown>;
        await core.publish(row.tenantId, 'conversation.updated', data);
        await core.emit(row.tenantId, 'conversation.status_changed', { ...data, previous_status: 'bot' });
        return moved;
      }
    }
    return conv;
  }

  async function processStatus(row: InboundEventRow, e: Extract<InboundEvent, { kind: 'status' }>, ctx: JobContext) {
    const at = e.timestamp instanceof Date && !Number.isNaN(e.timestamp.getTime()) ? e.timestamp : core.now();
    // Not found under the provider's id but naming ours: a send whose answer was lost (in-flight.ts).
    const msg = (await convRepo.findMessageByProviderId(db, row.tenantId, row.connectionId, e.providerMessageId)) ?? (await adoptLostSend(core, row, e, at));
    if (!msg) {
      // The send job may not have written the provider's id yet: try again, then give up quietly.
      if (ctx.attempt < ctx.maxAttempts) throw new Error(`no message with provider id ${e.providerMessageId} yet`);
      return;
    }
    const values: Partial<convRepo.NewMessage> = {};
    if (e.status === 'failed') {
      if (msg.status === 'delivered' || msg.status === 'read' || msg.status === 'failed') return;
      Object.assign(values, { status: 'failed', failedAt: at, errorCode: (e.error?.reason ?? 'unknown').toUpperCase(), errorReason: e.error?.message.slice(0, 500) ?? null });
      if (e.error?.reason === 'opted_out') await addOptOut(db, row.tenantId, msg.contactId, msg.category === 'marketing' ? 'marketing' : 'all', 'provider', core.now());
    } else {
      if (msg.status === 'failed' || RANK[e.status] <= RANK[msg.status]) {
        // Out of order (read before delivered): fill the earlier timestamp only.
        if (e.status === 'delivered' && !msg.deliveredAt && msg.status === 'read') await convRepo.updateMessage(db, row.tenantId, msg.id, { deliveredAt: at });
        return;
      }
      values.status = e.status;
      if (e.status === 'sent') values.sentAt = msg.sentAt ?? at;
      if (e.status === 'delivered') values.deliveredAt = at;
      if (e.status === 'read') Object.assign(values, { readAt: at, deliveredAt: msg.deliveredAt ?? at });
    }
    const updated = await convRepo.updateMessage(db, row.tenantId, msg.id, values, [msg.status]);
    if (!updated) throw new Error('the message changed meanwhile; again');
    const data = presentMessage(updated) as unknown as Record<string, unknown>;
    await core.publish(row.tenantId, 'message.status', data);
    await core.emit(row.tenantId, 'message.status', data);
  }

  async function processConnection(row: InboundEventRow, e: Extract<InboundEvent, { kind: 'connection' }>) {
    await botsRepo.setConnectionState(db, row.tenantId, row.connectionId, e.state, e.detail?.slice(0, 500) ?? null, core.now());
    await core.publish(row.tenantId, 'connection.state', { bot_id: row.botId, connection_id: row.connectionId, state: e.state, qr: e.qr ?? null, pairing_code: e.pairingCode ?? null });
  }

  async function processEvent(row: InboundEventRow, ctx: JobContext) {
    const e = fromPayload(row.payload);
    if (e.kind === 'message') await processMessage(row, e, ctx);
    else if (e.kind === 'status') await processStatus(row, e, ctx);
    else await processConnection(row, e);
  }

  /** The `commerce.inbound` job: one event. */
  async function handle(p: InboundJobPayload, ctx: JobContext): Promise<void> {
    const [row] = await rawRows<InboundEventRow>(db, SELECT_EVENT, [p.tenant_id, p.event_id]);
    if (!row) throw new PermanentJobError(`inbound event ${p.event_id} not found`);
    if (row.processedAt) return;
    await processEvent(row, ctx);
    await markProcessed(row);
  }

  /**
   * The `commerce.inbound-batch` job: the events of webhooks acknowledged together, read in one
   * statement (those not processed yet, in their order), processed one after another, marked
   * processed in one statement. An event that fails goes on as its own `commerce.inbound` job (its
   * retries, its backoff; a status that came before its send waits there), the others are not held
   * back. Killed mid-way, the batch runs again: the events done are done once (derived ids), the
   * marked ones are skipped.
   */
  async function handleBatch(p: InboundBatchPayload, ctx: JobContext): Promise<void> {
    const rows = await rawRows<InboundEventRow>(db, SELECT_EVENTS, [p.events.map((e) => e.tenant_id), p.events.map((e) => e.event_id)]);
    const done: string[] = [];
    const failed: InboundJobPayload[] = [];
    for (const row of rows) {
      if (ctx.signal.aborted) break;
      try {
        await processEvent(row, { ...ctx, attempt: 1, maxAttempts: 2 });
        done.push(row.id);
      } catch (err) {
        ctx.log.warn({ err, eventId: row.id }, 'inbound event failed in its batch; it goes on as its own job');
        failed.push({ tenant_id: row.tenantId, event_id: row.id });
      }
    }
    if (done.length > 0) await rawRows(db, MARK_PROCESSED_MANY, [done, core.now().toISOString()], { relaxed: true });
    for (const f of failed) await core.jobs.enqueue(INBOUND_JOB, f, { dedupeKey: `${INBOUND_JOB}:${f.event_id}` });
    if (ctx.signal.aborted) throw new Error('inbound batch stopped before its end (timeout or shutdown); again');
  }

  return { handle, handleBatch };
}
