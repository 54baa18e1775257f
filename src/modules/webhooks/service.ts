/** Webhook endpoints and deliveries: the use-cases behind the API, and `emit` for other modules. */
import type { Logger } from 'pino';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import { assertPublicUrl } from '../../platform/net/url-policy.js';
import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT,
  type AnyWebhookEventType,
  type TCreateWebhookEndpointBody,
  type TUpdateWebhookEndpointBody,
  type TWebhookEndpointWithSecret,
  type WebhookDeliveryStatus,
  type WebhookEventBody,
  type WebhookEventType,
} from '../../../contracts/webhooks.js';
import * as repo from './repository.js';
import { generateSecret } from './signing.js';
import { urlPolicyFor, type ResolvedOptions } from './options.js';
import { presentEndpoint } from './present.js';
import type { Deliverer, DeliverPayload } from './deliver.js';
import type { EndpointCache } from './endpoint-cache.js';
import type { WebhookDeliveryRow, WebhookEndpointRow } from './tables.js';

/** Payloads carry links, not images. */
export const MAX_EVENT_BYTES = 20 * 1024;
const DEFAULT_PREVIOUS_SECRET_VALID_S = 86_400;

export type EmitResult = { eventId: string; deliveryIds: string[] };

export function createWebhooksService({
  db,
  clock,
  log,
  opts,
  deliverer,
  endpoints: endpointCache,
}: {
  db: Db;
  clock: Clock;
  log: Logger;
  opts: ResolvedOptions;
  deliverer: Deliverer;
  /** Enabled endpoints per tenant for `emit`, invalidated here on every change. */
  endpoints: EndpointCache;
}) {
  const now = () => new Date(clock.now());

  async function checkUrl(url: string): Promise<string> {
    const checked = await assertPublicUrl(url, { ...urlPolicyFor(url, opts.allowPrivateHosts), ...(opts.resolver ? { resolver: opts.resolver } : {}) });
    return checked.href;
  }

  async function getEndpoint(tenantId: string, endpointId: string): Promise<WebhookEndpointRow> {
    const e = await repo.findEndpoint(db, tenantId, endpointId);
    if (!e) throw new AppError('NOT_FOUND', `Webhook endpoint ${endpointId} not found.`);
    return e;
  }

  async function getDelivery(tenantId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryRow> {
    await getEndpoint(tenantId, endpointId);
    const d = await repo.findDelivery(db, tenantId, deliveryId, endpointId);
    if (!d) throw new AppError('NOT_FOUND', `Webhook delivery ${deliveryId} not found.`);
    return d;
  }

  function eventBody(eventId: string, type: AnyWebhookEventType, data: Record<string, unknown>, at: Date): string {
    const body: WebhookEventBody = { id: eventId, type, created_at: at.toISOString(), data };
    const text = JSON.stringify(body);
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_EVENT_BYTES) throw new Error(`webhook event ${type} is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES} (send links, not content)`);
    return text;
  }

  /** Create the delivery rows and enqueue their first attempt. A lost job is picked up by `recoverOverdue`. */
  async function createDeliveries(tenantId: string, endpoints: { id: string }[], eventId: string, type: string, body: string, single: boolean) {
    const at = now();
    const rows = await repo.insertDeliveries(
      db,
      endpoints.map((e) => ({
        id: newId('webhookDelivery'),
        tenantId,
        endpointId: e.id,
        eventId,
        eventType: type,
        payload: body,
        status: 'pending' as const,
        nextAttemptAt: at,
        createdAt: at,
        updatedAt: at,
      })),
    );
    for (const d of rows) {
      const p: DeliverPayload = { delivery_id: d.id, tenant_id: tenantId, seq: 0, trigger: single ? 'manual' : 'automatic', retries: !single };
      await deliverer.schedule(p).catch((err: unknown) => log.error({ err, delivery_id: d.id }, 'could not enqueue a webhook delivery; the recovery sweep will'));
    }
    return rows;
  }

  return {
    getEndpoint,
    getDelivery,

    async createEndpoint(tenantId: string, body: TCreateWebhookEndpointBody): Promise<TWebhookEndpointWithSecret> {
      const url = await checkUrl(body.url);
      if ((await repo.countEndpoints(db, tenantId)) >= opts.maxEndpointsPerTenant) {
        throw new AppError('CONFLICT', `A tenant can have at most ${opts.maxEndpointsPerTenant} webhook endpoints.`);
      }
      const at = now();
      const secret = generateSecret();
      const row = await repo.insertEndpoint(db, tenantId, {
        id: newId('webhookEndpoint'),
        url,
        description: body.description ?? null,
        eventTypes: body.event_types,
        secret,
        createdAt: at,
        updatedAt: at,
      });
      await endpointCache.invalidate(tenantId);
      return { ...presentEndpoint(row, clock.now()), secret };
    },

    listEndpoints: (tenantId: string, page: { limit: number; startingAfter?: string | undefined }) => repo.listEndpoints(db, tenantId, page),

    async updateEndpoint(tenantId: string, endpointId: string, body: TUpdateWebhookEndpointBody) {
      await getEndpoint(tenantId, endpointId);
      const patch: Partial<repo.NewEndpoint> = { updatedAt: now() };
      if (body.url !== undefined) patch.url = await checkUrl(body.url);
      if (body.event_types !== undefined) patch.eventTypes = body.event_types;
      if (body.description !== undefined) patch.description = body.description;
      if (body.enabled === true) Object.assign(patch, { enabled: true, disabledReason: null, failingSince: null });
      if (body.enabled === false) Object.assign(patch, { enabled: false, disabledReason: 'manual' });
      const row = (await repo.updateEndpoint(db, tenantId, endpointId, patch))!;
      await endpointCache.invalidate(tenantId);
      return row;
    },

    async deleteEndpoint(tenantId: string, endpointId: string) {
      if (!(await repo.deleteEndpoint(db, tenantId, endpointId))) throw new AppError('NOT_FOUND', `Webhook endpoint ${endpointId} not found.`);
      await endpointCache.invalidate(tenantId);
    },

    /** A new secret now; the old one keeps signing (a second signature) for `previousValidS`. */
    async rotateSecret(tenantId: string, endpointId: string, previousValidS = DEFAULT_PREVIOUS_SECRET_VALID_S): Promise<TWebhookEndpointWithSecret> {
      const old = await getEndpoint(tenantId, endpointId);
      const at = now();
      const secret = generateSecret();
      const row = await repo.updateEndpoint(db, tenantId, endpointId, {
        secret,
        previousSecret: previousValidS > 0 ? old.secret : null,
        previousSecretExpiresAt: previousValidS > 0 ? new Date(at.getTime() + previousValidS * 1000) : null,
        updatedAt: at,
      });
      return { ...presentEndpoint(row!, clock.now()), secret };
    },

    listDeliveries: async (tenantId: string, endpointId: string, page: { limit: number; startingAfter?: string | undefined; status?: WebhookDeliveryStatus | undefined }) => {
      await getEndpoint(tenantId, endpointId);
      return repo.listDeliveries(db, tenantId, endpointId, page);
    },

    async deliveryWithAttempts(tenantId: string, endpointId: string, deliveryId: string) {
      const d = await getDelivery(tenantId, endpointId, deliveryId);
      return { delivery: d, attempts: await repo.listAttempts(db, tenantId, d.id) };
    },

    /**
     * A new attempt now, with the same event id (webhook-id). A finished delivery (succeeded or
     * failed) gets one attempt; one still being retried gets its next retry now.
     */
    async redeliver(tenantId: string, endpointId: string, deliveryId: string) {
      const endpoint = await getEndpoint(tenantId, endpointId);
      if (!endpoint.enabled) throw new AppError('CONFLICT', 'The endpoint is disabled; enable it first.');
      const d = await getDelivery(tenantId, endpointId, deliveryId);
      const finished = d.status === 'succeeded' || d.status === 'failed';
      const at = now();
      const updated = await repo.updateDelivery(db, tenantId, d.id, { status: finished ? 'pending' : d.status, nextAttemptAt: at, updatedAt: at });
      await deliverer.schedule({ delivery_id: d.id, tenant_id: tenantId, seq: d.attempts, trigger: 'manual', retries: !finished });
      return updated!;
    },

    /** Send a `webhook.test` event to this endpoint only (one attempt, no retries). */
    async sendTest(tenantId: string, endpointId: string) {
      const endpoint = await getEndpoint(tenantId, endpointId);
      if (!endpoint.enabled) throw new AppError('CONFLICT', 'The endpoint is disabled; enable it first.');
      const at = now();
      const eventId = newId('event');
      const body = eventBody(eventId, WEBHOOK_TEST_EVENT, { endpoint_id: endpoint.id, message: 'A test event from Probador.' }, at);
      const [d] = await createDeliveries(tenantId, [endpoint], eventId, WEBHOOK_TEST_EVENT, body, true);
      return d!;
    },

    /**
     * One event for every enabled endpoint of the tenant subscribed to `type`: one event id,
     * one delivery each. Throws if the body would pass 20 KB (a programming error: send links).
     */
    async emit(tenantId: string, type: WebhookEventType, data: Record<string, unknown>): Promise<EmitResult> {
      if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)) throw new Error(`unknown webhook event type ${type}; add it to WEBHOOK_EVENT_TYPES`);
      const at = now();
      const eventId = newId('event');
      const endpoints = (await endpointCache.get(tenantId)).filter((e) => e.eventTypes.includes('*') || e.eventTypes.includes(type));
      // Nobody subscribed (the common case on a hot path: every inbound message emits): not serialised.
      if (endpoints.length === 0) return { eventId, deliveryIds: [] };
      const body = eventBody(eventId, type, data, at);
      const rows = await createDeliveries(tenantId, endpoints, eventId, type, body, false);
      return { eventId, deliveryIds: rows.map((r) => r.id) };
    },

    /** Forget finished deliveries older than `olderThanMs` (default 30 days). */
    purgeDeliveries: (olderThanMs = 30 * 24 * 3_600_000) => repo.purgeDeliveries(db, new Date(clock.now() - olderThanMs)),

    /** Re-enqueue deliveries whose attempt is long overdue (a job lost to a crash between steps). */
    async recoverOverdue(overdueMs = 10 * 60_000, limit = 500): Promise<number> {
      const rows = await repo.overdueDeliveries(db, new Date(clock.now() - overdueMs), limit);
      for (const r of rows) {
        await repo.updateDelivery(db, r.tenantId, r.id, { nextAttemptAt: now() });
        await deliverer.schedule({ delivery_id: r.id, tenant_id: r.tenantId, seq: r.attempts, trigger: 'automatic', retries: true });
      }
      if (rows.length > 0) log.warn({ count: rows.length }, 're-enqueued overdue webhook deliveries');
      return rows.length;
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
