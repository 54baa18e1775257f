import { Redis } from 'ioredis';

/** A Redis connection suited to BullMQ and to plain commands (no per-request retry limit). */
export function connectRedis(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  client.on('error', () => {
    /* reconnects by itself; /ready reports the state */
  });
  return client;
}

export type { Redis };
