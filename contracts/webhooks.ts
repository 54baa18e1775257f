/**
 * Outgoing webhooks (Standard Webhooks): endpoints a tenant registers, the events they can
 * subscribe to, and the delivery log. Pure TypeBox, no server imports.
 */
import Type, { type Static } from 'typebox';
import { ListQuery, NullableTimestamp, Timestamp } from './common.js';

/** Events an endpoint can subscribe to. Add new types here (and emit them from their module). */
export const WEBHOOK_EVENT_TYPES = [
  'tryon.succeeded',
  'tryon.failed',
  'tryon.canceled',
  'generation.succeeded',
  'generation.failed',
  'generation.canceled',
  'style.analysis.succeeded',
  'style.analysis.failed',
  'message.received',
  'message.status',
  'conversation.status_changed',
  'conversation.assigned',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent only by `POST /v1/webhook-endpoints/:id/test`, to that endpoint, whatever it subscribes to. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
/** Every type that can appear in a delivery. */
export type AnyWebhookEventType = WebhookEventType | typeof WEBHOOK_TEST_EVENT;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'retrying'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const WEBHOOK_DISABLED_REASONS = ['manual', 'failing', 'gone'] as const;
export type WebhookDisabledReason = (typeof WEBHOOK_DISABLED_REASONS)[number];

const Subscription = Type.Union([Type.Literal('*'), ...WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t))]);
const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('retrying')]);
const EventTypes = Type.Array(Subscription, {
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
  description: `Event types to receive: \`*\` for all, or some of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
});
const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'Where events are POSTed. Must be https and reach a public address.',
});
const Description = Type.String({ maxLength: 500 });

export const WebhookEndpoint = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('webhook_endpoint'),
    url: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    event_types: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    disabled_reason: Type.Union([Type.Literal('manual'), Type.Literal('failing'), Type.Literal('gone'), Type.Null()], {
      description: 'manual (PATCH enabled=false), failing (deliveries failed for 5 days), gone (the endpoint answered 410)',
    }),
    failing_since: Type.Union([Timestamp, Type.Null()], { description: 'Start of the current run of failed attempts' }),
    previous_secret_expires_at: Type.Union([Timestamp, Type.Null()], {
      description: 'After a rotation, deliveries are also signed with the previous secret until then',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'WebhookEndpoint' },
);
export type TWebhookEndpoint = Static<typeof WebhookEndpoint>;

export const WebhookEndpointWithSecret = Type.Object({
  ...WebhookEndpoint.properties,
  secret: Type.String({ description: 'whsec_… signing secret. Shown only in this response.' }),
});
export type TWebhookEndpointWithSecret = TWebhookEndpoint & { secret: string };

export const CreateWebhookEndpointBody = Type.Object(
  { url: Url, event_types: EventTypes, description: Type.Optional(Description) },
  { additionalProperties: false },
);
export type TCreateWebhookEndpointBody = Static<typeof CreateWebhookEndpointBody>;

export const UpdateWebhookEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    event_types: Type.Optional(EventTypes),
    // Null first: with Ajv's coerceTypes, a string branch tried first would turn null into "".
    description: Type.Optional(Type.Union([Type.Null(), Description])),
    enabled: Type.Optional(Type.Boolean({ description: 'false disables; true re-enables and clears the failing state' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TUpdateWebhookEndpointBody = Static<typeof UpdateWebhookEndpointBody>;

export const RotateWebhookSecretBody = Type.Object(
  {
    previous_secret_valid_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 7 * 24 * 3600,
        description: 'How long deliveries are also signed with the old secret (default 86400; 0 = stop at once)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TRotateWebhookSecretBody = Static<typeof RotateWebhookSecretBody>;

export const DeletedWebhookEndpoint = Type.Object({ id: Type.String(), object: Type.Literal('webhook_endpoint'), deleted: Type.Literal(true) });

export const WebhookDeliveryAttempt = Type.Object({
  attempt: Type.Integer({ description: '1 for the first attempt' }),
  trigger: Type.Union([Type.Literal('automatic'), Type.Literal('manual')]),
  succeeded: Type.Boolean(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  response_excerpt: Type.Union([Type.String(), Type.Null()]),
  duration_ms: Type.Integer(),
  created_at: Timestamp,
});

export const WebhookDelivery = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('webhook_delivery'),
    endpoint_id: Type.String(),
    event_id: Type.String({ description: 'The webhook-id header: the same across retries and redeliveries' }),
    event_type: Type.String(),
    status: DeliveryStatus,
    attempts: Type.Integer(),
    next_attempt_at: NullableTimestamp,
    last_attempt_at: NullableTimestamp,
    last_status_code: Type.Union([Type.Integer(), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    last_response_excerpt: Type.Union([Type.String(), Type.Null()], { description: 'The start of the last response body (≤ 500 characters)' }),
    duration_ms: Type.Union([Type.Integer(), Type.Null()]),
    payload: Type.Unknown({ description: 'The event exactly as sent' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'WebhookDelivery' },
);
export type TWebhookDelivery = Static<typeof WebhookDelivery>;

export const WebhookDeliveryWithAttempts = Type.Object({
  ...WebhookDelivery.properties,
  attempt_history: Type.Array(WebhookDeliveryAttempt, { description: 'Every attempt, oldest first' }),
});

export const DeliveryListQuery = Type.Object({
  ...ListQuery.properties,
  status: Type.Optional(DeliveryStatus),
});

/** The JSON body of every webhook request. */
export type WebhookEventBody = { id: string; type: AnyWebhookEventType; created_at: string; data: Record<string, unknown> };
