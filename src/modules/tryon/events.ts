/**
 * Try-on status events on the pub/sub bus (Redis across nodes), for SSE clients and cancellation.
 * `tryon.<id>`: status changes, stage, queue position. `tryon.cancel`: ask the worker running a
 * try-on to stop.
 */
import type { PubSub } from '../../platform/cache/pubsub.js';

export type TryonEvent = {
  id: string;
  status: string;
  stage?: string | null | undefined;
  queue_position?: number | undefined;
  provider?: string | undefined;
  at: string;
};

export const eventChannel = (tryonId: string) => `tryon.${tryonId}`;
export const CANCEL_CHANNEL = 'tryon.cancel';
/** Blob keys of input photos just erased (JSON string array): workers drop them from their input cache. */
export const INPUTS_ERASED_CHANNEL = 'tryon-inputs.erased';

export function publishEvent(pubsub: PubSub, e: TryonEvent) {
  return pubsub.publish(eventChannel(e.id), JSON.stringify(e));
}
