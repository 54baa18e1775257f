/**
 * The commerce core's tables: bots and their channel connections (credentials sealed), contacts
 * and every id form they are known by, conversations, messages, the inbound ledger (each provider
 * event stored once), the opt-out ledger, and the simulator's shopper-side phone.
 */
import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ChannelProvider } from './channels/types.js';

export type BusinessHours = { timezone: string; intervals: { day: number; start: string; end: string }[] };
export type BotTemplate = { name: string; language: string; category: 'utility' | 'marketing' | 'authentication'; body: string; twilio_content_sid?: string | undefined };

export const bots = pgTable(
  'commerce_bots',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    /** The business number, E.164. */
    phone: text('phone'),
    businessHours: jsonb('business_hours').$type<BusinessHours>(),
    awayMessage: text('away_message'),
    /** The away message goes to a contact at most once per this many hours. */
    awayEveryHours: integer('away_every_hours').notNull().default(12),
    templates: jsonb('templates').$type<BotTemplate[]>().notNull().default(sql`'[]'::jsonb`),
    /** A template (by name) an outside-window text is turned into; its {{1}} gets the text. */
    windowTemplate: text('window_template'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('commerce_bots_tenant_idx').on(t.tenantId, t.id)],
);
export type BotRow = typeof bots.$inferSelect;

export type ConnectionStateName = 'unknown' | 'connecting' | 'qr' | 'open' | 'closed' | 'logged_out';

export const connections = pgTable(
  'commerce_connections',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    botId: text('bot_id')
      .notNull()
      .references(() => bots.id, { onDelete: 'cascade' }),
    provider: text('provider').$type<ChannelProvider>().notNull(),
    /** The credentials as one sealed JSON object (platform/crypto/secret-box.ts); never returned. */
    credentialsSealed: text('credentials_sealed'),
    /** The names of the credential fields that are set (what the API shows). */
    credentialFields: jsonb('credential_fields').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    enabled: boolean('enabled').notNull().default(true),
    /** Lower first. */
    priority: integer('priority').notNull(),
    /** The provider's id of our number (Meta phone_number_id, Twilio sender, Evolution instance): inbound routing. */
    accountRef: text('account_ref'),
    state: text('state').$type<ConnectionStateName>().notNull().default('unknown'),
    stateDetail: text('state_detail'),
    lastError: text('last_error'),
    lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('commerce_connections_bot_idx').on(t.botId, t.priority), index('commerce_connections_account_idx').on(t.tenantId, t.provider, t.accountRef)],
);
export type ConnectionRow = typeof connections.$inferSelect;

export const contacts = pgTable(
  'commerce_contacts',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    phone: text('phone'),
    name: text('name'),
    /** Set when this contact turned out to be another one (an @lid linked to a phone later). */
    /** The store's labels for this person (a flow's `tag` action, the inbox). */
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    mergedInto: text('merged_into'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('commerce_contacts_tenant_idx').on(t.tenantId, t.id)],
);
export type ContactRow = typeof contacts.$inferSelect;

/** Every form a contact is known by, normalised: `phone:+E164` (wa_id, whatsapp:+…, …@s.whatsapp.net) or `lid:…@lid`. */
export const contactIdentities = pgTable(
  'commerce_contact_identities',
  {
    tenantId: text('tenant_id').notNull(),
    identity: text('identity').notNull(),
    contactId: text('contact_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.identity] }), index('commerce_contact_identities_contact_idx').on(t.contactId)],
);

export type ConversationStatus = 'bot' | 'waiting_agent' | 'agent' | 'closed';

export const conversations = pgTable(
  'commerce_conversations',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    botId: text('bot_id').notNull(),
    contactId: text('contact_id').notNull(),
    status: text('status').$type<ConversationStatus>().notNull(),
    /** A seller (sel_…) of the orders part; validated through a port. */
    assignedSellerId: text('assigned_seller_id'),
    /** The customer-service window is open for 24 h after this. */
    lastInboundAt: timestamp('last_inbound_at', { withTimezone: true }),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true }),
    lastAwayAt: timestamp('last_away_at', { withTimezone: true }),
    unreadCount: integer('unread_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('commerce_conversations_open_idx').on(t.botId, t.contactId).where(sql`${t.status} <> 'closed'`),
    index('commerce_conversations_tenant_idx').on(t.tenantId, t.id),
    // Bot analytics (conversations started per 5 minutes).
    index('commerce_conversations_tenant_created_idx').on(t.tenantId, t.createdAt),
  ],
);
export type ConversationRow = typeof conversations.$inferSelect;

export type MessageStatus = 'received' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed';
export type StoredMedia = { key: string; content_type: string; bytes: number; expires_at: string | null };

export const messages = pgTable(
  'commerce_messages',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    botId: text('bot_id').notNull(),
    contactId: text('contact_id').notNull(),
    direction: text('direction').$type<'in' | 'out'>().notNull(),
    /** The provider-neutral content (channels/types.ts), without media bytes. */
    content: jsonb('content').$type<Record<string, unknown>>().notNull(),
    category: text('category').$type<'service' | 'utility' | 'marketing' | 'authentication'>(),
    /** Who wrote it: the shopper, the API, an automatic reply (away, opt-out acknowledgement), an agent. */
    source: text('source').$type<'shopper' | 'api' | 'auto' | 'flow'>().notNull(),
    provider: text('provider').$type<ChannelProvider>(),
    connectionId: text('connection_id'),
    providerMessageId: text('provider_message_id'),
    replyToProviderMessageId: text('reply_to_provider_message_id'),
    status: text('status').$type<MessageStatus>().notNull(),
    errorCode: text('error_code'),
    errorReason: text('error_reason'),
    media: jsonb('media').$type<StoredMedia>(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    readAt: timestamp('read_at', { withTimezone: true }),
    failedAt: timestamp('failed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('commerce_messages_conversation_idx').on(t.conversationId, t.id),
    index('commerce_messages_provider_idx').on(t.connectionId, t.providerMessageId),
    index('commerce_messages_health_idx').on(t.connectionId, t.createdAt).where(sql`${t.direction} = 'out'`),
    // Bot analytics (rollup by time, log cleanup by store and age).
    index('commerce_messages_tenant_created_idx').on(t.tenantId, t.createdAt),
  ],
);
export type MessageRow = typeof messages.$inferSelect;

/** Every provider event, stored once (Meta retries webhooks): the job processes it by id. */
export const inboundEvents = pgTable(
  'commerce_inbound_events',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    botId: text('bot_id').notNull(),
    connectionId: text('connection_id').notNull(),
    /** `m:<provider message id>`, `s:<provider message id>:<status>`, or a fresh id for connection events. */
    dedupeKey: text('dedupe_key').notNull(),
    kind: text('kind').$type<'message' | 'status' | 'connection'>().notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('commerce_inbound_events_dedupe_idx').on(t.connectionId, t.dedupeKey), index('commerce_inbound_events_received_idx').on(t.receivedAt)],
);
export type InboundEventRow = typeof inboundEvents.$inferSelect;

export type OptOutCategory = 'marketing' | 'utility' | 'all';

export const optOuts = pgTable(
  'commerce_opt_outs',
  {
    tenantId: text('tenant_id').notNull(),
    contactId: text('contact_id').notNull(),
    category: text('category').$type<OptOutCategory>().notNull(),
    /** keyword (the shopper wrote STOP…), provider (an opted-out error), api. */
    source: text('source').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.contactId, t.category] })],
);

/** The simulator's WhatsApp: what each shopper phone sent and received, per connection. */
export const simulatorMessages = pgTable(
  'commerce_simulator_messages',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    connectionId: text('connection_id').notNull(),
    phone: text('phone').notNull(),
    direction: text('direction').$type<'to_shopper' | 'from_shopper'>().notNull(),
    content: jsonb('content').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<'sent' | 'delivered' | 'read'>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** The order things happened on the phone (timestamps tie within a millisecond). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
  },
  (t) => [index('commerce_simulator_messages_phone_idx').on(t.connectionId, t.phone, t.seq)],
);
