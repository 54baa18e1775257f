/**
 * The `commerce.inbound` job's bot lookup, cached per process: every message reads its bot (the
 * away message, business hours), and reading the row for each one was a statement per message
 * (bench/RESULTS.md, commerce goal 3). Entries are the row per tenant and bot id, for at most a
 * minute, dropped on every node through `deps.pubsub` when the bot is patched or deleted (bots
 * service `onBotChanged`), so a new away message or business hours apply to the next message.
 * Unknown bots are not cached (a deleted bot's events are dropped by the job). Without a pub/sub
 * bus nothing is cached.
 */
import { invalidatedCache } from '../../../platform/cache/invalidated-cache.js';
import type { PubSub } from '../../../platform/cache/pubsub.js';
import type { Db } from '../../../platform/db/client.js';
import { botsRepo } from '../bots/index.js';
import type { BotRow } from '../tables.js';

export const BOTS_CHANNEL = 'commerce.bots';

class NoSuchBot extends Error {}

const keyOf = (tenantId: string, id: string) => `${tenantId}/${id}`;

export function botCache(db: Db, pubsub: PubSub | undefined, opts: { ttlMs?: number; max?: number } = {}) {
  const cache = invalidatedCache<BotRow>(
    BOTS_CHANNEL,
    async (key) => {
      const [tenantId, id] = key.split('/') as [string, string];
      const row = await botsRepo.findBot(db, tenantId, id);
      if (!row) throw new NoSuchBot(key);
      return row;
    },
    pubsub,
    { ttlMs: opts.ttlMs ?? 60_000, max: opts.max ?? 5_000 },
  );
  return {
    /** The bot's row, or undefined when there is no such bot (in this tenant). */
    async get(tenantId: string, id: string): Promise<BotRow | undefined> {
      try {
        return await cache.get(keyOf(tenantId, id));
      } catch (e) {
        if (e instanceof NoSuchBot) return undefined;
        throw e;
      }
    },
    /** This bot changed or is gone: forget it on every node. */
    invalidate: (tenantId: string, id: string) => cache.invalidate(keyOf(tenantId, id)),
    start: () => cache.start(),
    close: () => cache.close(),
  };
}

export type BotCache = ReturnType<typeof botCache>;
