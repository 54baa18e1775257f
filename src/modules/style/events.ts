/** Status events of one analysis on the pub/sub bus (any node may finish a queued one). */
import type { PubSub } from '../../platform/cache/pubsub.js';

export type StyleAnalysisEvent = { id: string; status: 'queued' | 'processing' | 'succeeded' | 'failed'; at: string };
export const FINAL_STATUSES = new Set(['succeeded', 'failed']);
export const eventChannel = (id: string) => `style.analysis.events:${id}`;
export const publishEvent = (pubsub: PubSub, e: StyleAnalysisEvent) => pubsub.publish(eventChannel(e.id), JSON.stringify(e));
