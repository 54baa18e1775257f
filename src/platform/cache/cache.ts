/**
 * Namespaced caches with figures (`deps.caches`). A module creates its namespace once:
 *   const c = deps.caches.create<V>({ namespace: 'style.analyses', ttlMs, maxEntries | maxBytes })
 * and calls `get(key)` / `set(key, value)`. Values are JSON. Two drivers, chosen in deps.ts:
 * memory (lru-cache, bounded; the embedded default) and Redis when REDIS_URL is set (shared by every
 * node; a namespace may still ask for `driver: 'memory'`, e.g. for large, hot, node-local values).
 *
 * Figures per namespace (figures.ts): hits, misses, hit ratio, get/set latency (p50/p95 from a
 * histogram), entries and bytes; exported to Prometheus and to the operators' API
 * (platform/http/cache-routes.ts). Selective invalidation: by key, by prefix, whole namespace; for
 * memory namespaces it reaches every node through the pub-sub bus (`cache.invalidate`). A cache
 * never fails its caller: a driver error is a miss (or a lost set), counted as an error and logged.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Redis } from '../redis.js';
import type { Clock } from '../clock.js';
import type { PubSub, Unsubscribe } from './pubsub.js';
import { memoryStore, redisStore, type Store } from './stores.js';
import { cacheMetrics, type CacheFigures, type CacheMetrics } from './figures.js';

export type CacheDriver = 'memory' | 'redis';

export type CacheOptions = {
  /** Lower-case words with dots, dashes or underscores: `style.analyses`. */
  namespace: string;
  ttlMs: number;
  /** Bounds of the memory driver (at least one); on Redis the TTL and the server's maxmemory policy bound it. */
  maxEntries?: number;
  maxBytes?: number;
  /** Keep this namespace in this process even when Redis is configured. */
  driver?: 'memory';
};

export type Invalidation = { key?: string | undefined; prefix?: string | undefined };

export type Cache<V> = {
  readonly namespace: string;
  readonly driver: CacheDriver;
  readonly options: Readonly<CacheOptions>;
  get: (key: string) => Promise<V | undefined>;
  set: (key: string, value: V, opts?: { ttlMs?: number }) => Promise<void>;
  /** Drop one key, the keys under a prefix, or (neither) the whole namespace, on every node; how many were removed here (memory) or in Redis. */
  invalidate: (what?: Invalidation) => Promise<number>;
  figures: () => Promise<CacheFigures>;
};

export type Caches = {
  readonly driver: CacheDriver;
  /** An id for this process in the figures and invalidation messages. */
  readonly node: string;
  create: <V>(opts: CacheOptions) => Cache<V>;
  get: (namespace: string) => Cache<unknown> | undefined;
  list: () => Cache<unknown>[];
  /** Health: a write, read and delete round trip on the driver; throws when it fails. */
  ping: () => Promise<void>;
  close: () => Promise<void>;
};

const NAMESPACE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const INVALIDATE_CHANNEL = 'cache.invalidate';

type InvalidateMessage = { node: string; namespace: string; key?: string; prefix?: string };

export async function createCaches(opts: { redis?: Redis | undefined; prefix: string; pubsub: PubSub; registry: Registry; clock: Clock; log: Logger }): Promise<Caches> {
  const driver: CacheDriver = opts.redis ? 'redis' : 'memory';
  const node = randomBytes(6).toString('hex');
  const metrics: CacheMetrics = cacheMetrics(opts.registry);
  const caches = new Map<string, Cache<unknown> & { store: Store; drop: (what: Invalidation) => Promise<number> }>();
  const healthStore = opts.redis ? redisStore({ redis: opts.redis, keyPrefix: `${opts.prefix}cache-health:` }) : memoryStore({ ttlMs: 10_000, maxEntries: 16, clock: opts.clock });

  // Memory namespaces of other nodes drop what this node invalidates (and the other way round).
  const unsubscribe: Unsubscribe = await opts.pubsub.subscribe(INVALIDATE_CHANNEL, (raw) => {
    try {
      const m = JSON.parse(raw) as InvalidateMessage;
      const c = caches.get(m.namespace);
      if (m.node !== node && c?.driver === 'memory') void c.drop(m);
    } catch {
      /* not ours */
    }
  });

  function create<V>(o: CacheOptions): Cache<V> {
    if (!NAMESPACE.test(o.namespace)) throw new Error(`cache namespace "${o.namespace}": lower-case letters, digits, dots, dashes, underscores`);
    if (caches.has(o.namespace)) throw new Error(`cache namespace "${o.namespace}" exists already`);
    if (!(o.ttlMs > 0)) throw new Error(`cache namespace "${o.namespace}": ttlMs must be positive`);
    const d: CacheDriver = o.driver ?? driver;
    if (d === 'memory' && !o.maxEntries && !o.maxBytes) throw new Error(`cache namespace "${o.namespace}": the memory driver needs maxEntries or maxBytes`);
    const store = d === 'redis' ? redisStore({ redis: opts.redis!, keyPrefix: `${opts.prefix}cache:${o.namespace}:`, now: opts.clock.now }) : memoryStore({ ttlMs: o.ttlMs, maxEntries: o.maxEntries, maxBytes: o.maxBytes, clock: opts.clock });
    const m = metrics.namespace(o.namespace, () => store.size());
    const failed = (op: string, err: unknown) => {
      m.errors.inc();
      opts.log.warn({ err, cache: o.namespace, op }, 'cache driver error (answered as a miss)');
    };
    const drop = async (what: Invalidation) => {
      const n = what.key !== undefined ? await store.delete(what.key) : await store.deletePrefix(what.prefix ?? '');
      m.invalidated.inc(n);
      return n;
    };
    const cache = {
      namespace: o.namespace,
      driver: d,
      options: Object.freeze({ ...o }),
      store,
      drop,
      async get(key: string): Promise<V | undefined> {
        const t0 = performance.now();
        let json: string | undefined;
        try {
          json = await store.get(key);
        } catch (err) {
          failed('get', err);
        }
        m.getSeconds.observe((performance.now() - t0) / 1000);
        if (json === undefined) {
          m.misses.inc();
          return undefined;
        }
        m.hits.inc();
        return JSON.parse(json) as V;
      },
      async set(key: string, value: V, so: { ttlMs?: number } = {}) {
        const t0 = performance.now();
        try {
          await store.set(key, JSON.stringify(value), so.ttlMs ?? o.ttlMs);
          m.sets.inc();
        } catch (err) {
          failed('set', err);
        }
        m.setSeconds.observe((performance.now() - t0) / 1000);
      },
      async invalidate(what: Invalidation = {}) {
        const n = await drop(what);
        if (d === 'memory') {
          const msg: InvalidateMessage = { node, namespace: o.namespace, ...(what.key !== undefined ? { key: what.key } : what.prefix !== undefined ? { prefix: what.prefix } : {}) };
          await opts.pubsub.publish(INVALIDATE_CHANNEL, JSON.stringify(msg)).catch((err: unknown) => failed('invalidate', err));
        }
        return n;
      },
      figures: () => m.figures({ driver: d, ttlMs: o.ttlMs, maxEntries: o.maxEntries ?? null, maxBytes: o.maxBytes ?? null }),
    };
    caches.set(o.namespace, cache as never);
    return cache;
  }

  return {
    driver,
    node,
    create,
    get: (namespace) => caches.get(namespace),
    list: () => [...caches.values()],
    async ping() {
      const key = `${node}:${randomBytes(6).toString('hex')}`;
      const value = randomBytes(8).toString('hex');
      await healthStore.set(key, JSON.stringify(value), 10_000);
      const read = await healthStore.get(key);
      await healthStore.delete(key);
      if (read !== JSON.stringify(value)) throw new Error(`the ${driver} cache did not return what was written`);
    },
    async close() {
      await unsubscribe().catch(() => undefined);
      caches.clear();
    },
  };
}
