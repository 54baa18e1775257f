/**
 * Realtime: every new message, status, handover and assignment is published on the pub-sub bus
 * (`commerce.events`, in memory or Redis across nodes) as `{ tenant_id, type, data }`. The live
 * inbox (a WebSocket, built later) subscribes and forwards a tenant's events to its clients.
 */
import type { Logger } from 'pino';
import type { PubSub } from '../../platform/cache/pubsub.js';

export const COMMERCE_EVENTS_CHANNEL = 'commerce.events';
export type RealtimeType = 'message.created' | 'message.status' | 'conversation.updated' | 'connection.state';
export type RealtimeEvent = { tenant_id: string; type: RealtimeType; data: Record<string, unknown> };
export type Publish = (tenantId: string, type: RealtimeType, data: Record<string, unknown>) => Promise<void>;

/** Never throws: a realtime event lost to a bus hiccup must not fail the job that made it. */
export function createPublisher(pubsub: PubSub, log: Logger): Publish {
  return async (tenantId, type, data) => {
    try {
      await pubsub.publish(COMMERCE_EVENTS_CHANNEL, JSON.stringify({ tenant_id: tenantId, type, data } satisfies RealtimeEvent));
    } catch (err) {
      log.warn({ err: { message: (err as Error).message }, type }, 'commerce realtime event not published');
    }
  };
}
