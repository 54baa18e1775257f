/**
 * What the commerce module's parts share (built once in index.ts): the database, clock, queue,
 * blobs, limiter, config, logger, the bots service, the channel registry, realtime publishing
 * and the ports to the rest of the app.
 */
import type { Deps } from '../../deps.js';
import type { Logger } from 'pino';
import type { BotsService } from './bots/index.js';
import type { ChannelRegistry } from './channels/index.js';
import type { CommercePorts, CommerceWebhookType } from './ports.js';
import type { Publish } from './realtime.js';
import type { ConversationRow, MessageRow } from './tables.js';

export type CommerceCore = Pick<Deps, 'db' | 'clock' | 'config' | 'jobs' | 'limiter' | 'blobs'> & {
  log: Logger;
  bots: BotsService;
  registry: ChannelRegistry;
  publish: Publish;
  ports: CommercePorts;
  /** Emit an outgoing webhook; never throws (logged). */
  emit: (tenantId: string, type: CommerceWebhookType, data: Record<string, unknown>) => Promise<void>;
  now: () => Date;
  /**
   * The flow engine's hooks (flows/, set once it is built): `accept` takes a bot conversation's
   * message when a published flow drives the bot; `resume` goes on after an agent hands back.
   */
  flows?: { accept(conv: ConversationRow, msg: MessageRow): Promise<boolean>; resume(tenantId: string, conversationId: string): Promise<void> } | undefined;
};

/** WhatsApp's customer-service window. */
export const WINDOW_MS = 24 * 3600 * 1000;

export const windowOpen = (lastInboundAt: Date | null, now: Date) => lastInboundAt !== null && now.getTime() - lastInboundAt.getTime() < WINDOW_MS;
