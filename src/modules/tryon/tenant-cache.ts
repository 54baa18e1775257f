/**
 * The tenant view (retention, settings) read on every try-on, kept in-process and dropped when the
 * tenants module announces a change on `tenants.invalidate` (every node gets it through the pub/sub
 * bus), or after `ttlMs` at most. See platform/cache/invalidated-cache.ts.
 */
import type { PubSub } from '../../platform/cache/pubsub.js';
import { invalidatedCache, type InvalidatedCacheOptions } from '../../platform/cache/invalidated-cache.js';
import type { TenantView } from './ports.js';

/** Published by the tenants module (its INVALIDATE_CHANNEL) with `{ tenantId, keyHash? }`. */
export const TENANTS_INVALIDATE_CHANNEL = 'tenants.invalidate';

export function tenantCache(load: (tenantId: string) => Promise<TenantView>, pubsub: PubSub, opts: InvalidatedCacheOptions = {}) {
  return invalidatedCache(TENANTS_INVALIDATE_CHANNEL, load, pubsub, opts);
}
