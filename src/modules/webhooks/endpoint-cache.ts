/**
 * Which endpoints of a tenant are enabled and what they subscribe to, kept in-process: `emit` runs
 * for every try-on event and most tenants have no endpoint, so the lookup is worth caching.
 * Every change to an endpoint (create, update, delete, auto-disable) drops the tenant's entry on
 * this node at once and on every other node through the pub/sub bus; entries also expire after
 * `ttlMs`. The lookup's promise is cached, so an invalidation during a lookup drops its answer too.
 * Without a bus (or before the subscription is up) nothing is cached.
 */
import type { PubSub, Unsubscribe } from '../../platform/cache/pubsub.js';

export const WEBHOOKS_INVALIDATE_CHANNEL = 'webhooks.invalidate';

export type CachedEndpoint = { id: string; eventTypes: string[] };

export function endpointCache(load: (tenantId: string) => Promise<CachedEndpoint[]>, pubsub: PubSub | undefined, opts: { ttlMs?: number; max?: number } = {}) {
  const ttlMs = opts.ttlMs ?? 60_000;
  const max = opts.max ?? 10_000;
  const entries = new Map<string, { at: number; value: Promise<CachedEndpoint[]> }>();
  let subscribed: Promise<Unsubscribe | undefined> | undefined;
  let live = false;

  const subscribe = () =>
    (subscribed ??= pubsub
      ? pubsub
          .subscribe(WEBHOOKS_INVALIDATE_CHANNEL, (raw) => {
            try {
              const { tenantId } = JSON.parse(raw) as { tenantId?: string };
              if (tenantId) entries.delete(tenantId);
              else entries.clear();
            } catch {
              entries.clear();
            }
          })
          .then((u) => {
            live = true;
            return u;
          })
          .catch(() => {
            subscribed = undefined; // try again next time; meanwhile no caching
            return undefined;
          })
      : Promise.resolve(undefined));

  return {
    async get(tenantId: string): Promise<CachedEndpoint[]> {
      if (!live) await subscribe();
      if (!live) return load(tenantId);
      const now = Date.now();
      const hit = entries.get(tenantId);
      if (hit && now - hit.at < ttlMs) return hit.value;
      const value = load(tenantId);
      const entry = { at: now, value };
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(tenantId, entry);
      value.catch(() => {
        if (entries.get(tenantId) === entry) entries.delete(tenantId);
      });
      return value;
    },
    /** An endpoint of the tenant changed: forget it here and on every other node. */
    async invalidate(tenantId: string) {
      entries.delete(tenantId);
      await pubsub?.publish(WEBHOOKS_INVALIDATE_CHANNEL, JSON.stringify({ tenantId }));
    },
    async close() {
      const u = await subscribed;
      subscribed = undefined;
      live = false;
      entries.clear();
      await u?.();
    },
  };
}

export type EndpointCache = ReturnType<typeof endpointCache>;
