/**
 * Queue an outgoing message: the `msg_` row (status queued) and a `commerce.send` job with its id.
 * Inserting on the message id (on conflict do nothing) and enqueueing with it as the dedupe key
 * make this safe to repeat: a job that runs twice queues one message and one send.
 */
import type { CommerceCore } from '../core.js';
import { convRepo } from '../conversations/index.js';
import { presentMessage } from '../conversations/index.js';
import type { OutboundContent } from '../channels/index.js';
import type { ConversationRow, MessageRow } from '../tables.js';

export const SEND_JOB = 'commerce.send';
/**
 * `deferrals`: how many times it waited for a rate limit already; `reconciled`: it waited once for
 * the provider's word on an earlier attempt whose answer was lost (outbound/in-flight.ts).
 */
export type SendJobPayload = {
  tenant_id: string;
  message_id: string;
  deferrals?: number;
  reconciled?: boolean;
  /** Messages of the same conversation to send after this one, in order (a flow's replies): the next one's job is queued when this one is settled. */
  then?: string[];
};

/** Content as stored: JSON without media bytes. */
export const storableContent = (c: OutboundContent): Record<string, unknown> => (c.type === 'media' ? { type: 'media', media: { ...c.media, bytes: undefined } } : { ...c });

export async function queueOutbound(
  core: CommerceCore,
  conv: ConversationRow,
  m: { id: string; content: OutboundContent; category: NonNullable<MessageRow['category']>; source: MessageRow['source'] },
  opts: { enqueue?: boolean } = {},
): Promise<MessageRow> {
  const now = core.now();
  const inserted = await convRepo.insertMessageReturning(core.db, conv.tenantId, {
    id: m.id,
    conversationId: conv.id,
    botId: conv.botId,
    contactId: conv.contactId,
    direction: 'out',
    content: storableContent(m.content),
    category: m.category,
    source: m.source,
    status: 'queued',
    createdAt: now,
  });
  const row = inserted ?? (await convRepo.findMessage(core.db, conv.tenantId, m.id))!;
  if (row.status === 'queued' && opts.enqueue !== false) await core.jobs.enqueue<SendJobPayload>(SEND_JOB, { tenant_id: conv.tenantId, message_id: m.id }, { dedupeKey: `${SEND_JOB}:${m.id}` });
  if (inserted) {
    await convRepo.updateConversation(core.db, conv.tenantId, conv.id, { lastMessageAt: now, updatedAt: now });
    await core.publish(conv.tenantId, 'message.created', presentMessage(row) as unknown as Record<string, unknown>);
  }
  return row;
}

/**
 * Send messages queued with `enqueue: false` one after the other, in this order (a flow's replies
 * arrive as the flow said them): the first's job carries the rest. Safe to repeat (dedupe keys).
 */
export async function sendInOrder(core: CommerceCore, tenantId: string, ids: string[]): Promise<void> {
  const [first, ...rest] = ids;
  if (!first) return;
  await core.jobs.enqueue<SendJobPayload>(SEND_JOB, { tenant_id: tenantId, message_id: first, ...(rest.length > 0 ? { then: rest } : {}) }, { dedupeKey: `${SEND_JOB}:${first}` });
}
