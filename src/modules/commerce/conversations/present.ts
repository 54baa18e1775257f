/** Conversations and messages as the API (and webhooks, and realtime events) show them. */
import type { TConversation, TMessage } from '../../../../contracts/commerce.js';
import { WINDOW_MS, windowOpen } from '../core.js';
import type { ContactRow, ConversationRow, MessageRow } from '../tables.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function presentMessage(m: MessageRow, mediaUrl?: string): TMessage {
  return {
    id: m.id,
    object: 'message',
    conversation_id: m.conversationId,
    bot_id: m.botId,
    contact_id: m.contactId,
    direction: m.direction,
    source: m.source,
    content: m.content,
    category: m.category,
    status: m.status,
    error: m.errorCode ? { code: m.errorCode, reason: m.errorReason } : null,
    provider: m.provider,
    connection_id: m.connectionId,
    provider_message_id: m.providerMessageId,
    media: m.media && mediaUrl ? { url: mediaUrl, content_type: m.media.content_type, bytes: m.media.bytes } : null,
    created_at: m.createdAt.toISOString(),
    sent_at: iso(m.sentAt),
    delivered_at: iso(m.deliveredAt),
    read_at: iso(m.readAt),
    failed_at: iso(m.failedAt),
  };
}

export function presentConversation(c: ConversationRow, contact: ContactRow | undefined, now: Date): TConversation {
  const open = windowOpen(c.lastInboundAt, now);
  return {
    id: c.id,
    object: 'conversation',
    bot_id: c.botId,
    contact: { id: c.contactId, phone: contact?.phone ?? null, name: contact?.name ?? null },
    status: c.status,
    assigned_seller_id: c.assignedSellerId,
    window: { open, expires_at: open && c.lastInboundAt ? new Date(c.lastInboundAt.getTime() + WINDOW_MS).toISOString() : null },
    unread_count: c.unreadCount,
    last_message_at: iso(c.lastMessageAt),
    last_inbound_at: iso(c.lastInboundAt),
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}
