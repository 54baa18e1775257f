/**
 * Conversational commerce: bots, their channel connections, conversations and messages, the
 * simulator. Pure TypeBox, no server imports. Message content is the provider-neutral shape of
 * src/modules/commerce/channels/types.ts, as JSON (camelCase fields, as there).
 */
import Type, { type Static } from 'typebox';
import { NullableTimestamp, StringEnum, Timestamp } from './common.js';

export const CHANNEL_PROVIDERS = ['simulator', 'meta', 'twilio', 'evolution', 'baileys'] as const;
export const E164 = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164 with the plus, e.g. +5491122334455' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Metadata = Type.Record(Type.String({ minLength: 1, maxLength: 40 }), Type.Unknown(), { maxProperties: 50 });
const Hhmm = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });

export const BusinessHours = Type.Object(
  {
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. America/Argentina/Buenos_Aires' }),
    intervals: Type.Array(Type.Object({ day: Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday' }), start: Hhmm, end: Hhmm }, { additionalProperties: false }), { maxItems: 50 }),
  },
  { additionalProperties: false },
);

export const BotTemplate = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9_]{1,512}$', description: 'As approved at the provider' }),
    language: Type.String({ pattern: '^[a-z]{2,3}(_[A-Z]{2})?$', description: 'e.g. es_AR, en_US, pt_BR' }),
    category: StringEnum(['utility', 'marketing', 'authentication'] as const),
    body: Type.String({ minLength: 1, maxLength: 1024, description: 'The body with {{1}}, {{2}}… placeholders' }),
    twilio_content_sid: Type.Optional(Type.String({ pattern: '^HX[0-9a-fA-F]{32}$' })),
  },
  { additionalProperties: false },
);

const Credentials = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }), Type.String({ minLength: 1, maxLength: 4096 }), {
  maxProperties: 20,
  description: 'Write-only: stored encrypted, never returned (the connection shows `credentials_set`)',
});
const Settings = Type.Record(Type.String({ minLength: 1, maxLength: 40 }), Type.Unknown(), { maxProperties: 30 });

export const ConnectionInput = Type.Object(
  {
    provider: StringEnum(CHANNEL_PROVIDERS),
    credentials: Type.Optional(Credentials),
    settings: Type.Optional(Settings),
    enabled: Type.Optional(Type.Boolean()),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Lower is tried first; default: after the others' })),
  },
  { additionalProperties: false },
);
export type TConnectionInput = Static<typeof ConnectionInput>;

export const PatchConnectionBody = Type.Object(
  {
    credentials: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }), Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), Type.Null()]), { maxProperties: 20, description: 'Fields to set; null removes one' })),
    settings: Type.Optional(Settings),
    enabled: Type.Optional(Type.Boolean()),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type TPatchConnectionBody = Static<typeof PatchConnectionBody>;

export const ReorderConnectionsBody = Type.Object({ order: Type.Array(Type.String({ pattern: '^con_[0-9A-Za-z]{1,64}$' }), { minItems: 1, maxItems: 20, uniqueItems: true }) }, { additionalProperties: false });

const BotFields = {
  name: Name,
  phone: Type.Optional(Type.Union([E164, Type.Null()])),
  business_hours: Type.Optional(Type.Union([BusinessHours, Type.Null()])),
  away_message: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 1024 }), Type.Null()])),
  away_every_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
  templates: Type.Optional(Type.Array(BotTemplate, { maxItems: 100 })),
  window_template: Type.Optional(Type.Union([Type.String({ pattern: '^[a-z0-9_]{1,512}$', description: 'A template of the bot whose {{1}} takes an outside-window text' }), Type.Null()])),
  metadata: Type.Optional(Metadata),
};
export const CreateBotBody = Type.Object({ ...BotFields, connections: Type.Optional(Type.Array(ConnectionInput, { maxItems: 10 })) }, { additionalProperties: false });
export type TCreateBotBody = Static<typeof CreateBotBody>;
export const PatchBotBody = Type.Partial(Type.Object(BotFields, { additionalProperties: false }));
export type TPatchBotBody = Static<typeof PatchBotBody>;

export const Connection = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('connection'),
    provider: Type.String(),
    priority: Type.Integer(),
    enabled: Type.Boolean(),
    unofficial: Type.Boolean({ description: 'A linked device (Baileys) or other unofficial API: never used for marketing or business-initiated sends' }),
    credentials_set: Type.Array(Type.String()),
    settings: Type.Record(Type.String(), Type.Unknown()),
    state: Type.String(),
    webhook_url: Type.String({ description: 'Where the provider must send its webhooks' }),
    last_error: Type.Union([Type.String(), Type.Null()]),
    last_error_at: NullableTimestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'CommerceConnection' },
);
export type TConnection = Static<typeof Connection>;

export const Bot = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('bot'),
    name: Type.String(),
    phone: Type.Union([Type.String(), Type.Null()]),
    connections: Type.Array(Type.Ref('CommerceConnection')),
    business_hours: Type.Union([BusinessHours, Type.Null()]),
    away_message: Type.Union([Type.String(), Type.Null()]),
    away_every_hours: Type.Integer(),
    templates: Type.Array(BotTemplate),
    window_template: Type.Union([Type.String(), Type.Null()]),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Bot' },
);
export type TBot = Static<typeof Bot>;

export const BotStatus = Type.Object({
  bot_id: Type.String(),
  connections: Type.Array(
    Type.Object({
      id: Type.String(),
      provider: Type.String(),
      enabled: Type.Boolean(),
      unofficial: Type.Boolean(),
      state: Type.String(),
      breaker: StringEnum(['closed', 'open', 'half_open', 'isolated'] as const),
      traffic: Type.Object({ window_minutes: Type.Integer(), sent: Type.Integer(), failed: Type.Integer(), last_error: Type.Union([Type.String(), Type.Null()]), last_error_at: NullableTimestamp }),
      probe: Type.Union([Type.Object({ ok: Type.Boolean(), latency_ms: Type.Number(), detail: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
    }),
  ),
});
export const BotStatusQuery = Type.Object({ probe: Type.Optional(Type.Boolean({ description: 'Also call each enabled connection’s health check now' })), window_minutes: Type.Integer({ minimum: 1, maximum: 1440, default: 15 }) });
export const BotQrQuery = Type.Object({ connection_id: Type.Optional(Type.String({ pattern: '^con_[0-9A-Za-z]{1,64}$' })), phone: Type.Optional(E164) });
export const BotQr = Type.Object({
  connection_id: Type.String(),
  provider: Type.String(),
  unofficial: Type.Boolean(),
  state: Type.String(),
  qr: Type.Union([Type.String(), Type.Null()]),
  qr_png: Type.Union([Type.String({ description: 'data:image/png;base64,…' }), Type.Null()]),
  pairing_code: Type.Union([Type.String(), Type.Null()]),
});

export * from './commerce-messages.js';
