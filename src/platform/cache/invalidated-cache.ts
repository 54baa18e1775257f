/**
 * An in-process cache of per-id lookups (a tenant's settings, its webhook endpoints …) kept true
 * across nodes by a pub/sub channel: a message `{ tenantId }` on `channel` drops that entry on every
 * node (any other message drops everything), and entries also expire after `ttlMs`.
 * The lookup's promise is what is cached, so an invalidation that arrives while a lookup is in
 * flight drops its (possibly stale) answer too, and a failed lookup is not kept.
 * Nothing is cached until the subscription is up (or without a bus): every get then loads.
 */
import type { PubSub, Unsubscribe } from './pubsub.js';

export type InvalidatedCacheOptions = { ttlMs?: number; max?: number };

export function invalidatedCache<V>(channel: string, load: (id: string) => Promise<V>, pubsub: PubSub | undefined, opts: InvalidatedCacheOptions = {}) {
  const ttlMs = opts.ttlMs ?? 60_000;
  const max = opts.max ?? 10_000;
  const entries = new Map<string, { at: number; value: Promise<V> }>();
  let subscribed: Promise<Unsubscribe | undefined> | undefined;
  let live = false;

  const onMessage = (raw: string) => {
    try {
      const { tenantId } = JSON.parse(raw) as { tenantId?: string };
      if (tenantId) entries.delete(tenantId);
      else entries.clear();
    } catch {
      entries.clear();
    }
  };

  const subscribe = () =>
    (subscribed ??= pubsub
      ? pubsub
          .subscribe(channel, onMessage)
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
    async get(id: string): Promise<V> {
      if (!live) await subscribe();
      if (!live) return load(id);
      const now = Date.now();
      const hit = entries.get(id);
      if (hit && now - hit.at < ttlMs) return hit.value;
      const value = load(id);
      const entry = { at: now, value };
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(id, entry);
      value.catch(() => {
        if (entries.get(id) === entry) entries.delete(id);
      });
      return value;
    },
    /** Subscribe now rather than on the first get; unlike a get, a failure here is thrown. */
    async start() {
      if (!pubsub || live) return;
      const attempt = pubsub.subscribe(channel, onMessage);
      subscribed = attempt.then((u) => ((live = true), u)).catch(() => undefined);
      await attempt;
    },
    /** `id` changed: forget it here and, through the channel, on every other node. */
    async invalidate(id: string) {
      entries.delete(id);
      await pubsub?.publish(channel, JSON.stringify({ tenantId: id }));
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

export type InvalidatedCache<V> = ReturnType<typeof invalidatedCache<V>>;
