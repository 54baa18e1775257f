import { Redis } from 'ioredis';

/** A Redis connection suited to BullMQ and to plain commands (no per-request retry limit). */
export function connectRedis(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  client.on('error', () => {
    /* reconnects by itself; /ready reports the state */
  });
  return client;
}

/** A connection for plain commands: a command fails after 2 retries instead of waiting forever. */
function commandClient(url: string, enableAutoPipelining: boolean): Redis {
  const client = new Redis(url, { enableAutoPipelining, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  client.on('error', () => undefined);
  return client;
}

/**
 * A connection for the request hot path (rate limits: one script call per request), kept apart
 * from the BullMQ connection so a blocking worker command never delays a request.
 * No auto-pipelining: it saved nothing measurable per request (one command per request here), and
 * its pipeline objects outlived two scavenges, so ~1.5 KB per request reached the old generation
 * and a major GC ran every second or so under load (the p99 at half of peak; bench/RESULTS.md).
 */
export const connectRedisHotPath = (url: string): Redis => commandClient(url, false);

/**
 * The pub/sub publisher: PUBLISH only, auto-pipelined, so the status events that concurrent jobs
 * publish in the same tick leave in one write (a busy worker publishes 3 per try-on). Kept apart
 * from the BullMQ connection, where auto-pipelining is known to misbehave (bullmq#457).
 */
export const connectRedisPublisher = (url: string): Redis => commandClient(url, true);

export type { Redis };
