/** Rows → API objects. The signing secret is never part of them (only create/rotate add it). */
import type { TWebhookDelivery, TWebhookEndpoint } from '../../../contracts/webhooks.js';
import type { WebhookDeliveryAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from './tables.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentEndpoint(e: WebhookEndpointRow, now: number): TWebhookEndpoint {
  const previousValid = e.previousSecret !== null && e.previousSecretExpiresAt !== null && e.previousSecretExpiresAt.getTime() > now;
  return {
    id: e.id,
    object: 'webhook_endpoint',
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    failing_since: iso(e.failingSince),
    previous_secret_expires_at: previousValid ? iso(e.previousSecretExpiresAt) : null,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function presentDelivery(d: WebhookDeliveryRow): TWebhookDelivery {
  return {
    id: d.id,
    object: 'webhook_delivery',
    endpoint_id: d.endpointId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: iso(d.nextAttemptAt),
    last_attempt_at: iso(d.lastAttemptAt),
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    last_response_excerpt: d.lastResponseExcerpt,
    duration_ms: d.durationMs,
    payload: parsePayload(d.payload),
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}

export function presentAttempt(a: WebhookDeliveryAttemptRow) {
  return {
    attempt: a.attempt,
    trigger: a.trigger,
    succeeded: a.succeeded,
    status_code: a.statusCode,
    error: a.error,
    response_excerpt: a.responseExcerpt,
    duration_ms: a.durationMs,
    created_at: a.createdAt.toISOString(),
  };
}
