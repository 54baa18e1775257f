/**
 * The webhook route's connection lookup, cached: a provider calls in for the same few connections
 * all day, and reading the row (a statement) and opening its sealed credentials (AES-GCM) for each
 * request was a large share of a webhook's cost (bench/RESULTS.md, commerce). Entries are the row
 * and its driver context, per connection id, for at most a minute, dropped on every node through
 * `deps.pubsub` when the connection changes or is deleted (bots service `onConnectionsChanged`), so
 * a changed app secret takes effect at once. What the route reads of the row never changes behind
 * the bots service: provider, credentials, tenant, bot, account; the state and last-error columns
 * a cached row may hold stale are not read on this path.
 *
 * Unknown ids are not cached (a miss throws inside the loader, and failed lookups are not kept),
 * so probing random ids cannot crowd real connections out. Without a pub/sub bus nothing is cached.
 */
import { invalidatedCache } from '../../../platform/cache/invalidated-cache.js';
import type { PubSub } from '../../../platform/cache/pubsub.js';
import type { ConnectionContext } from '../channels/index.js';
import type { CommerceCore } from '../core.js';
import { botsRepo } from '../bots/index.js';
import type { ConnectionRow } from '../tables.js';

export const CONNECTIONS_CHANNEL = 'commerce.connections';

export type WebhookConnection = { row: ConnectionRow; ctx: ConnectionContext };

class NoSuchConnection extends Error {}

export function webhookConnections(core: Pick<CommerceCore, 'db' | 'bots'>, pubsub: PubSub | undefined, opts: { ttlMs?: number; max?: number } = {}) {
  const cache = invalidatedCache<WebhookConnection>(
    CONNECTIONS_CHANNEL,
    async (id) => {
      const row = await botsRepo.findConnectionForWebhook(core.db, id);
      if (!row) throw new NoSuchConnection(id);
      return { row, ctx: core.bots.contextOf(row) };
    },
    pubsub,
    { ttlMs: opts.ttlMs ?? 60_000, max: opts.max ?? 5_000 },
  );
  return {
    /** The connection and its context, or undefined when there is no such connection. */
    async get(id: string): Promise<WebhookConnection | undefined> {
      try {
        return await cache.get(id);
      } catch (e) {
        if (e instanceof NoSuchConnection) return undefined;
        throw e;
      }
    },
    /** These connections changed or are gone: forget them on every node. */
    async invalidate(ids: string[]) {
      for (const id of ids) await cache.invalidate(id);
    },
    start: () => cache.start(),
    close: () => cache.close(),
  };
}

export type WebhookConnections = ReturnType<typeof webhookConnections>;
