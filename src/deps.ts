/**
 * The composition root: every driver is chosen here from the config and passed down explicitly.
 * | concern            | embedded default      | production                  |
 * | database           | PGlite in data dir    | PostgreSQL (DATABASE_URL)   |
 * | cache, limits, bus | in memory             | Redis (REDIS_URL)           |
 * | blobs              | folder in data dir    | S3-compatible (STORAGE_DRIVER=s3) |
 * | jobs               | database table queue  | BullMQ (REDIS_URL)          |
 */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openDatabase, type Database, type Db } from './platform/db/client.js';
import { findPgTemplate } from './platform/db/pglite-template.js';
import { connectRedis, connectRedisHotPath, connectRedisPublisher, type Redis } from './platform/redis.js';
import { memoryPubSub, redisPubSub, type PubSub } from './platform/cache/pubsub.js';
import { createCaches, type Caches } from './platform/cache/cache.js';
import { createRealtimeBus, type RealtimeBus } from './platform/realtime/bus.js';
import { createRateLimiter, type RateLimiter } from './platform/ratelimit/limiter.js';
import { fsBlobStore, type BlobStore } from './platform/storage/blob-store.js';
import { createMetrics, type Metrics } from './platform/observability/metrics.js';
import { createLogger } from './platform/observability/logger.js';
import { createErrorReporter, type ErrorReporter } from './platform/observability/error-reports.js';
import { startTracing } from './platform/observability/tracing.js';
import { version } from './version.js';
import { systemClock, type Clock } from './platform/clock.js';
import type { JobQueue } from './platform/jobs/types.js';
import { dbJobQueue } from './platform/jobs/db-queue.js';
import { bullJobQueue } from './platform/jobs/bullmq-queue.js';
import { createMailer, type Mailer } from './platform/mail/mailer.js';
import { createAuditLog, type AuditLog } from './platform/audit/index.js';

export type Deps = {
  config: Config;
  database: Database;
  db: Db;
  redis: Redis | undefined;
  pubsub: PubSub;
  /** Namespaced caches with figures: memory, or Redis when REDIS_URL is set (platform/cache/cache.ts). */
  caches: Caches;
  /** Tenants' realtime events, fanned out to every node (platform/realtime/bus.ts): the live inbox. */
  realtime: RealtimeBus;
  limiter: RateLimiter;
  blobs: BlobStore;
  jobs: JobQueue;
  /** Mail: SMTP (SMTP_URL) or the local outbox table. */
  mail: Mailer;
  /** The audit trail's writer (platform/audit): who did what, in the act's own transaction. */
  audit: AuditLog;
  metrics: Metrics;
  log: Logger;
  clock: Clock;
  /** Error tracking (SENTRY_DSN), a no-op when not configured. */
  errors: ErrorReporter;
  close: () => Promise<void>;
};

export type DepsOptions = {
  clock?: Clock;
  /** Write logs here instead of stdout (tests capture them). */
  logStream?: NodeJS.WritableStream;
  /** Start PGlite from this dump instead of an empty directory (tests clone a migrated template). */
  loadDataDir?: Blob;
  /** Run migrations (default true). */
  migrate?: boolean;
  /** Collect Node's default process metrics (default true; off in tests that build many apps). */
  defaultMetrics?: boolean;
};

/** The blob store the config names (the AWS SDK loads only when S3 is chosen). */
export async function openBlobStore(storage: Config['storage']): Promise<BlobStore> {
  return storage.driver === 's3' ? (await import('./platform/storage/s3.js')).s3BlobStore(storage) : fsBlobStore(storage.dir);
}

export async function createDeps(config: Config, opts: DepsOptions = {}): Promise<Deps> {
  const log = createLogger({ level: config.logLevel, pretty: config.logPretty, stream: opts.logStream });
  const database = await openDatabase(
    config.database.driver === 'pglite'
      ? {
          driver: 'pglite',
          dataDir: opts.loadDataDir ? undefined : config.database.dataDir,
          loadDataDir: opts.loadDataDir,
          sharedBuffersMb: config.database.sharedBuffersMb,
          // A new data directory is made from the build's template (no initdb) when dist/ has one.
          newDataDirTemplate: () => findPgTemplate(),
        }
      : config.database,
  );
  const closers: (() => Promise<unknown>)[] = [() => database.close()];
  try {
    if (opts.migrate !== false) await database.migrate();
    let redis: Redis | undefined;
    let pubsub: PubSub;
    if (config.redis) {
      redis = connectRedis(config.redis.url);
      const r = redis;
      closers.unshift(async () => r.quit().catch(() => r.disconnect()));
      const publisher = connectRedisPublisher(config.redis.url);
      closers.unshift(async () => publisher.quit().catch(() => publisher.disconnect()));
      pubsub = redisPubSub(publisher, config.redis.prefix);
    } else {
      pubsub = memoryPubSub();
    }
    closers.unshift(() => pubsub.close());
    const realtime = createRealtimeBus(pubsub);
    closers.unshift(() => realtime.close());
    let limiterRedis: Redis | undefined;
    if (config.redis) {
      const lr = connectRedisHotPath(config.redis.url);
      limiterRedis = lr;
      closers.unshift(async () => lr.quit().catch(() => lr.disconnect()));
    }
    const limiter = createRateLimiter({ redis: limiterRedis, prefix: config.redis?.prefix ?? '' });
    closers.unshift(async () => limiter.close?.());
    const blobs = await openBlobStore(config.storage);
    closers.unshift(() => blobs.close());
    const metrics = createMetrics({ defaultMetrics: opts.defaultMetrics ?? true, gcMetrics: config.metricsGc, poolStats: database.poolStats });
    const clock = opts.clock ?? systemClock;
    // The caches' Redis commands go on the request hot-path connection (they fail fast instead of waiting for a reconnect).
    const caches = await createCaches({ redis: limiterRedis, prefix: config.redis?.prefix ?? '', pubsub, registry: metrics.registry, clock, log });
    closers.unshift(() => caches.close());
    const tracing = await startTracing({ ...config.tracing, release: version, environment: config.sentry.environment }, log);
    closers.push(() => tracing.close());
    const errors = await createErrorReporter({ dsn: config.sentry.dsn, release: `probador@${version}`, environment: config.sentry.environment }, log);
    closers.push(() => errors.close());
    const report = errors.enabled ? errors.capture : undefined;
    const jobs: JobQueue = redis
      ? bullJobQueue({ redis, prefix: config.redis!.prefix, log, lockDurationMs: config.jobs.lockMs, stalledIntervalMs: Math.min(5_000, Math.max(500, Math.floor(config.jobs.lockMs / 3))), ...(report ? { report } : {}) })
      : dbJobQueue({ db: database.db, clock, log, singleProcess: database.driver === 'pglite', ...(report ? { report } : {}) });
    closers.unshift(() => jobs.close());
    const mail = await createMailer({ config: config.mail, db: database.db, clock, log });
    closers.unshift(() => mail.close());
    const audit = createAuditLog({ db: database.db, clock, log, report: errors.enabled ? (err, ctx) => errors.capture(err, ctx) : undefined });
    let closed = false;
    return {
      config,
      database,
      db: database.db,
      redis,
      pubsub,
      caches,
      realtime,
      limiter,
      blobs,
      jobs,
      mail,
      audit,
      metrics,
      log,
      clock,
      errors,
      close: async () => {
        if (closed) return;
        closed = true;
        for (const c of closers) await c().catch((err) => log.warn({ err }, 'error while closing'));
      },
    };
  } catch (e) {
    for (const c of closers) await c().catch(() => undefined);
    throw e;
  }
}
