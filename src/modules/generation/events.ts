/**
 * Generation status events on the pub/sub bus (Redis across nodes), for SSE clients, the older
 * API's bounded wait, and cancellation. `generation.<id>`: status changes, stage, queue position.
 * `generation.cancel`: ask the worker running a generation to stop.
 */
import type { PubSub } from '../../platform/cache/pubsub.js';

export type GenerationEvent = {
  id: string;
  status: string;
  stage?: string | null | undefined;
  queue_position?: number | undefined;
  provider?: string | undefined;
  at: string;
};

export const eventChannel = (generationId: string) => `generation.${generationId}`;
export const CANCEL_CHANNEL = 'generation.cancel';
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'canceled', 'expired']);

export function publishEvent(pubsub: PubSub, e: GenerationEvent) {
  return pubsub.publish(eventChannel(e.id), JSON.stringify(e));
}
