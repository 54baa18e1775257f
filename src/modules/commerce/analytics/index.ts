/**
 * Bot analytics (issue 23): the 5-minute rollup of messages, response times and conversions
 * (rollup.ts), flow drop-off and completion per step (flow-queries.ts), the message log cleanup
 * (cleanup.ts) and their routes. The commerce module registers the routes and calls `maintenance`
 * from its own; the rollup and cleanup run when a new 5-minute bucket has begun since the last run.
 */
import type { Logger } from 'pino';
import type { Db } from '../../../platform/db/client.js';
import type { Clock } from '../../../platform/clock.js';
import type { BlobStore } from '../../../platform/storage/blob-store.js';
import type { App } from '../../../platform/http/types.js';
import { runBotRollup } from './rollup.js';
import { cleanupMessageLogs, type CleanupResult } from './cleanup.js';
import { botAnalyticsRoutes } from './routes.js';

export type BotAnalyticsDeps = { db: Db; clock: Clock; blobs: Pick<BlobStore, 'delete'>; log: Logger };
export type BotAnalyticsPorts = {
  /** The store's `commerce_message_log_days` setting (anything else: 30 days). */
  messageLogDays?: (tenantId: string) => Promise<unknown>;
};

export function createBotAnalytics(deps: BotAnalyticsDeps, ports: BotAnalyticsPorts = {}) {
  const log = deps.log.child({ part: 'bot-analytics' });
  const daysOf = ports.messageLogDays ?? (async () => undefined);
  return {
    /** Roll up to `now` (idempotent: the same raw rows give the same figures). */
    rollup: async (now: number = deps.clock.now()) => (await runBotRollup(deps.db, now))!,
    /** Delete message logs past each store's days. */
    cleanup: (now: number = deps.clock.now()) => cleanupMessageLogs({ ...deps, log }, now, daysOf),
    /** For the module's maintenance: roll up and clean when a 5-minute bucket began since the last run. */
    async maintenance(now: number = deps.clock.now()): Promise<{ rolledUp: boolean; cleaned: CleanupResult | null }> {
      if (!(await runBotRollup(deps.db, now, { ifDue: true }))) return { rolledUp: false, cleaned: null };
      return { rolledUp: true, cleaned: await cleanupMessageLogs({ ...deps, log }, now, daysOf) };
    },
    registerRoutes(app: App) {
      botAnalyticsRoutes(app, { db: deps.db, clock: deps.clock });
    },
  };
}

export type BotAnalyticsModule = ReturnType<typeof createBotAnalytics>;
export { DEFAULT_MESSAGE_LOG_DAYS, messageLogDays } from './cleanup.js';
