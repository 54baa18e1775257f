/**
 * The tenant view (retention, settings) read on every try-on, kept in-process. Entries are dropped
 * when the tenants module announces a change on `tenants.invalidate` (every node gets it through
 * the pub/sub bus) and after `ttlMs` at most. The lookup's promise is what is cached, so an
 * invalidation that arrives while a lookup is in flight also drops that lookup's (possibly stale)
 * answer. Nothing is cached until the subscription is up.
 */
import type { PubSub, Unsubscribe } from '../../platform/cache/pubsub.js';
import type { TenantView } from './ports.js';

/** Published by the tenants module (its INVALIDATE_CHANNEL) with `{ tenantId, keyHash? }`. */
export const TENANTS_INVALIDATE_CHANNEL = 'tenants.invalidate';

export function tenantCache(load: (tenantId: string) => Promise<TenantView>, pubsub: PubSub, opts: { ttlMs?: number; max?: number } = {}) {
  const ttlMs = opts.ttlMs ?? 60_000;
  const max = opts.max ?? 10_000;
  const entries = new Map<string, { at: number; value: Promise<TenantView> }>();
  let unsubscribe: Unsubscribe | undefined;

  return {
    get(tenantId: string): Promise<TenantView> {
      if (!unsubscribe) return load(tenantId);
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
    async start() {
      unsubscribe ??= await pubsub.subscribe(TENANTS_INVALIDATE_CHANNEL, (raw) => {
        try {
          const { tenantId } = JSON.parse(raw) as { tenantId?: string };
          if (tenantId) entries.delete(tenantId);
          else entries.clear();
        } catch {
          entries.clear();
        }
      });
    },
    async close() {
      const u = unsubscribe;
      unsubscribe = undefined;
      entries.clear();
      await u?.();
    },
  };
}
