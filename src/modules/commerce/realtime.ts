/**
 * Realtime: every new message, status, handover and assignment is published on the platform's
 * realtime bus (deps.realtime: in memory, or Redis across nodes) with the topics a live-inbox
 * socket filters on (`conversation:cnv_…`, `bot:bot_…`); the WebSocket at /v1/realtime forwards
 * a tenant's events to its clients.
 */
import type { Logger } from 'pino';
import type { RealtimeBus } from '../../platform/realtime/bus.js';

export type RealtimeType = 'message.created' | 'message.status' | 'conversation.updated' | 'connection.state';
export type Publish = (tenantId: string, type: RealtimeType, data: Record<string, unknown>) => Promise<void>;

/** The topics of an event's data: its conversation and bot. */
export function topicsOf(d: Record<string, unknown>): string[] {
  const conv = typeof d.conversation_id === 'string' ? d.conversation_id : typeof d.id === 'string' && d.id.startsWith('cnv_') ? d.id : null;
  const out: string[] = [];
  if (conv) out.push(`conversation:${conv}`);
  if (typeof d.bot_id === 'string') out.push(`bot:${d.bot_id}`);
  return out;
}

/** Never throws: a realtime event lost to a bus hiccup must not fail the job that made it. */
export function createPublisher(bus: RealtimeBus, log: Logger): Publish {
  return async (tenantId, type, data) => {
    try {
      await bus.publish(tenantId, type, data, topicsOf(data));
    } catch (err) {
      log.warn({ err: { message: (err as Error).message }, type }, 'commerce realtime event not published');
    }
  };
}
