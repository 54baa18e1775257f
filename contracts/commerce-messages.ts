/**
 * Conversations and messages of the commerce module, and the simulator's shopper side. Content is
 * the provider-neutral shape of src/modules/commerce/channels/types.ts as JSON. Pure TypeBox.
 */
import Type, { type Static } from 'typebox';
import { NullableTimestamp, StringEnum, Timestamp } from './common.js';

const E164 = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' });
const Str = (max: number, min = 0) => Type.String({ minLength: min, maxLength: max });
// The limits proper (≤ 3 buttons, titles ≤ 20…) are checked by channels/limits.ts with the field path; these bounds only keep bodies sane.
const Button = Type.Object({ id: Str(256, 1), title: Str(256) }, { additionalProperties: false });
const Row = Type.Object({ id: Str(256, 1), title: Str(256), description: Type.Optional(Str(1024)) }, { additionalProperties: false });
const Section = Type.Object({ title: Type.Optional(Str(256)), rows: Type.Array(Row, { maxItems: 100 }) }, { additionalProperties: false });
const MediaKind = StringEnum(['image', 'video', 'audio', 'document', 'sticker'] as const);

export const OutboundContent = Type.Union([
  Type.Object({ type: Type.Literal('text'), text: Str(65536), previewUrl: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('media'),
      media: Type.Object({ kind: MediaKind, url: Type.String({ pattern: '^https?://', maxLength: 2048 }), contentType: Type.Optional(Str(100)), filename: Type.Optional(Str(240)), caption: Type.Optional(Str(65536)) }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('buttons'), body: Str(65536), header: Type.Optional(Str(1024)), footer: Type.Optional(Str(1024)), buttons: Type.Array(Button, { maxItems: 100 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('list'), body: Str(65536), button: Str(256), header: Type.Optional(Str(1024)), footer: Type.Optional(Str(1024)), sections: Type.Array(Section, { maxItems: 100 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('product'), body: Type.Optional(Str(65536)), footer: Type.Optional(Str(1024)), catalogId: Str(200, 1), productRetailerId: Str(200, 1) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('product_list'),
      header: Str(1024),
      body: Str(65536),
      footer: Type.Optional(Str(1024)),
      catalogId: Str(200, 1),
      sections: Type.Array(Type.Object({ title: Str(256), productRetailerIds: Type.Array(Str(200, 1), { maxItems: 200 }) }, { additionalProperties: false }), { maxItems: 100 }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('cta_url'), body: Str(65536), displayText: Str(256), url: Str(2048, 1), header: Type.Optional(Str(1024)), footer: Type.Optional(Str(1024)) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('template'),
      template: Type.Object(
        { name: Str(512, 1), language: Str(20, 2), params: Type.Optional(Type.Array(Str(1024), { maxItems: 50 })) },
        { additionalProperties: false, description: 'A template the bot has (by name and language); its category, body and Twilio content SID come from the bot' },
      ),
    },
    { additionalProperties: false },
  ),
]);
export type TOutboundContent = Static<typeof OutboundContent>;

export const MESSAGE_CATEGORIES = ['service', 'utility', 'marketing', 'authentication'] as const;
export type MessageCategory = (typeof MESSAGE_CATEGORIES)[number];

export const SendMessageBody = Type.Object(
  {
    conversation_id: Type.Optional(Type.String({ pattern: '^cnv_[0-9A-Za-z]{1,64}$' })),
    bot_id: Type.Optional(Type.String({ pattern: '^bot_[0-9A-Za-z]{1,64}$' })),
    to: Type.Optional(E164),
    content: OutboundContent,
    category: Type.Optional(StringEnum(MESSAGE_CATEGORIES, { description: 'service (a reply within the window, default), utility, marketing, authentication' })),
  },
  { additionalProperties: false, description: 'Either conversation_id, or bot_id and to' },
);
export type TSendMessageBody = Static<typeof SendMessageBody>;

export const Message = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('message'),
    conversation_id: Type.String(),
    bot_id: Type.String(),
    contact_id: Type.String(),
    direction: StringEnum(['in', 'out'] as const),
    source: Type.String({ description: 'shopper, api, auto (away message, opt-out acknowledgement) or flow (the bot\'s flow)' }),
    content: Type.Record(Type.String(), Type.Unknown()),
    category: Type.Union([Type.String(), Type.Null()]),
    status: StringEnum(['received', 'queued', 'sent', 'delivered', 'read', 'failed'] as const),
    error: Type.Union([Type.Object({ code: Type.String(), reason: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
    provider: Type.Union([Type.String(), Type.Null()]),
    connection_id: Type.Union([Type.String(), Type.Null()]),
    provider_message_id: Type.Union([Type.String(), Type.Null()]),
    media: Type.Union([Type.Object({ url: Type.String(), content_type: Type.String(), bytes: Type.Integer() }), Type.Null()]),
    created_at: Timestamp,
    sent_at: NullableTimestamp,
    delivered_at: NullableTimestamp,
    read_at: NullableTimestamp,
    failed_at: NullableTimestamp,
  },
  { $id: 'CommerceMessage' },
);
export type TMessage = Static<typeof Message>;

export const CONVERSATION_STATUSES = ['bot', 'waiting_agent', 'agent', 'closed'] as const;

export const Conversation = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('conversation'),
    bot_id: Type.String(),
    contact: Type.Object({ id: Type.String(), phone: Type.Union([Type.String(), Type.Null()]), name: Type.Union([Type.String(), Type.Null()]) }),
    status: StringEnum(CONVERSATION_STATUSES),
    assigned_seller_id: Type.Union([Type.String(), Type.Null()]),
    window: Type.Object({ open: Type.Boolean(), expires_at: NullableTimestamp }, { description: 'WhatsApp’s 24-hour customer-service window' }),
    unread_count: Type.Integer(),
    last_message_at: NullableTimestamp,
    last_inbound_at: NullableTimestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Conversation' },
);
export type TConversation = Static<typeof Conversation>;

export const ListConversationsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  starting_after: Type.Optional(Type.String({ pattern: '^cnv_[0-9A-Za-z]{1,64}$' })),
  bot_id: Type.Optional(Type.String({ pattern: '^bot_[0-9A-Za-z]{1,64}$' })),
  status: Type.Optional(StringEnum(CONVERSATION_STATUSES)),
  assigned_seller_id: Type.Optional(Type.String({ maxLength: 80 })),
  unread: Type.Optional(Type.Boolean()),
});
export const ListMessagesQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  starting_after: Type.Optional(Type.String({ pattern: '^msg_[0-9A-Za-z]{1,64}$', description: 'Messages are listed newest first' })),
});

export const HandoverBody = Type.Object(
  { to: StringEnum(['agent', 'bot', 'waiting_agent', 'closed'] as const), seller_id: Type.Optional(Type.Union([Type.String({ pattern: '^sel_[0-9A-Za-z]{1,64}$' }), Type.Null()])) },
  { additionalProperties: false },
);

export const SimulatorMessageBody = Type.Object(
  {
    phone: E164,
    name: Type.Optional(Str(200)),
    text: Type.Optional(Str(4096, 1)),
    button_reply: Type.Optional(Type.Object({ id: Str(256, 1), title: Str(100) }, { additionalProperties: false })),
    list_reply: Type.Optional(Type.Object({ id: Str(256, 1), title: Str(100), description: Type.Optional(Str(100)) }, { additionalProperties: false })),
    order: Type.Optional(
      Type.Object(
        { catalog_id: Type.Optional(Str(200)), text: Type.Optional(Str(1024)), items: Type.Array(Type.Object({ product_retailer_id: Str(200, 1), quantity: Type.Integer({ minimum: 1, maximum: 1000 }), item_price: Type.Optional(Type.Integer({ minimum: 0 })), currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })) }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }) },
        { additionalProperties: false },
      ),
    ),
    media: Type.Optional(Type.Object({ kind: MediaKind, url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })), caption: Type.Optional(Str(1024)) }, { additionalProperties: false })),
  },
  { additionalProperties: false, description: 'The shopper’s phone and exactly one of text, button_reply, list_reply, order, media' },
);
export type TSimulatorMessageBody = Static<typeof SimulatorMessageBody>;

export const SimulatorThread = Type.Object({
  phone: Type.String(),
  messages: Type.Array(Type.Object({ id: Type.String(), direction: StringEnum(['to_shopper', 'from_shopper'] as const), content: Type.Record(Type.String(), Type.Unknown()), status: Type.String(), created_at: Timestamp })),
});
