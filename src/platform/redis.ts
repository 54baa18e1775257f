import { Redis } from 'ioredis';

/** A Redis connection suited to BullMQ and to plain commands (no per-request retry limit). */
export function connectRedis(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  client.on('error', () => {
    /* reconnects by itself; /ready reports the state */
  });
  return client;
}

/**
 * A connection for the request hot path (rate limits): commands issued in the same tick go out
 * in one write (auto-pipelining), so a request's key and tenant checks, and concurrent requests,
 * share a syscall. Kept apart from the BullMQ connection, where auto-pipelining slows workers.
 */
export function connectRedisHotPath(url: string): Redis {
  const client = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  client.on('error', () => undefined);
  return client;
}

export type { Redis };
