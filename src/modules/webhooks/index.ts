/**
 * Outgoing webhooks (Standard Webhooks): tenants register endpoints; other modules call
 * `emit(tenantId, 'tryon.succeeded', data)`; the `webhooks.deliver` job signs, sends, records and
 * retries over about a day. Other modules use only what this file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { WebhookDelivery, WebhookEndpoint, type WebhookEventType } from '../../../contracts/webhooks.js';
import { createDeliverer } from './deliver.js';
import { endpointCache } from './endpoint-cache.js';
import * as repo from './repository.js';
import { createWebhooksService, type EmitResult } from './service.js';
import { resolveOptions, type WebhooksOptions } from './options.js';
import { webhookRoutes } from './routes.js';

export function createWebhooksModule(deps: Pick<Deps, 'db' | 'jobs' | 'clock' | 'log'> & Partial<Pick<Deps, 'pubsub'>>, options: WebhooksOptions = {}) {
  const opts = resolveOptions(options);
  const log = deps.log.child({ module: 'webhooks' });
  const endpoints = endpointCache((tenantId) => repo.enabledEndpoints(deps.db, tenantId), deps.pubsub);
  const deliverer = createDeliverer({ db: deps.db, clock: deps.clock, jobs: deps.jobs, log, opts, onEndpointChanged: (tenantId) => endpoints.invalidate(tenantId) });
  const service = createWebhooksService({ db: deps.db, clock: deps.clock, log, opts, deliverer, endpoints });
  return {
    service,
    /** Send `type` to every enabled endpoint of the tenant subscribed to it. Payload ≤ 20 KB: links, not images. */
    emit: (tenantId: string, type: WebhookEventType, data: Record<string, unknown>): Promise<EmitResult> => service.emit(tenantId, type, data),
    /** Re-enqueue deliveries whose job was lost (call from periodic maintenance, e.g. every 5 minutes). */
    recoverOverdue: (overdueMs?: number) => service.recoverOverdue(overdueMs),
    /** Delivery-log retention: delete finished deliveries older than `olderThanMs` (default 30 days). */
    purgeDeliveries: (olderThanMs?: number) => service.purgeDeliveries(olderThanMs),
    registerRoutes(app: App) {
      for (const s of [WebhookEndpoint, WebhookDelivery]) app.addSchema(s);
      webhookRoutes(app, { webhooks: service, clock: deps.clock });
    },
    /** Register the `webhooks.deliver` job (before the queue's worker starts). */
    registerJobs() {
      deps.jobs.register(deliverer.job as never);
    },
    async close() {
      // The queue (deps.jobs) stops running deliveries when it closes; the cache drops its subscription.
      await endpoints.close();
    },
  };
}

export type WebhooksModule = ReturnType<typeof createWebhooksModule>;
export type { WebhooksOptions } from './options.js';
export type { EmitResult } from './service.js';
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../../contracts/webhooks.js';
