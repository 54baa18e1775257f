/**
 * Fan-out messages to every process: in memory for one process, Redis pub/sub for many.
 * Used for cache invalidation (revoked keys, changed tenants) and, later, job events for SSE.
 */
import { EventEmitter } from 'node:events';
import type { Redis } from '../redis.js';

export type Unsubscribe = () => Promise<void>;
export type PubSub = {
  publish: (channel: string, message: string) => Promise<void>;
  subscribe: (channel: string, handler: (message: string) => void) => Promise<Unsubscribe>;
  close: () => Promise<void>;
};

export function memoryPubSub(): PubSub {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  return {
    publish: async (channel, message) => {
      bus.emit(channel, message);
    },
    subscribe: async (channel, handler) => {
      bus.on(channel, handler);
      return async () => {
        bus.off(channel, handler);
      };
    },
    close: async () => {
      bus.removeAllListeners();
    },
  };
}

/**
 * `publisher` only publishes; it may auto-pipeline (the status events of concurrent try-ons then go
 * out in one write). The subscriber is a duplicate without it.
 */
export function redisPubSub(publisher: Redis, prefix: string): PubSub {
  const subscriber = publisher.duplicate({ enableAutoPipelining: false });
  subscriber.on('error', () => undefined);
  const handlers = new Map<string, Set<(m: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const h of handlers.get(channel) ?? []) h(message);
  });
  return {
    publish: async (channel, message) => {
      await publisher.publish(prefix + channel, message);
    },
    subscribe: async (channel, handler) => {
      const full = prefix + channel;
      let set = handlers.get(full);
      if (!set) {
        set = new Set();
        handlers.set(full, set);
        await subscriber.subscribe(full);
      }
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(full);
          await subscriber.unsubscribe(full).catch(() => undefined);
        }
      };
    },
    close: async () => {
      handlers.clear();
      subscriber.disconnect();
    },
  };
}
