/**
 * Which endpoints of a tenant are enabled and what they subscribe to, kept in-process: `emit` runs
 * for every try-on event and most tenants have no endpoint, so the lookup is worth caching.
 * Every change to an endpoint (create, update, delete, auto-disable) drops the tenant's entry on
 * this node at once and on every other node through the pub/sub bus; entries also expire after
 * `ttlMs`. The lookup's promise is cached, so an invalidation during a lookup drops its answer too.
 * Without a bus (or before the subscription is up) nothing is cached (platform/cache/invalidated-cache.ts).
 */
import type { PubSub } from '../../platform/cache/pubsub.js';
import { invalidatedCache, type InvalidatedCacheOptions } from '../../platform/cache/invalidated-cache.js';

export const WEBHOOKS_INVALIDATE_CHANNEL = 'webhooks.invalidate';

export type CachedEndpoint = { id: string; eventTypes: string[] };

export function endpointCache(load: (tenantId: string) => Promise<CachedEndpoint[]>, pubsub: PubSub | undefined, opts: InvalidatedCacheOptions = {}) {
  return invalidatedCache(WEBHOOKS_INVALIDATE_CHANNEL, load, pubsub, opts);
}

export type EndpointCache = ReturnType<typeof endpointCache>;
