/**
 * Where a cache namespace keeps its entries: the process's memory (lru-cache, bounded by entries
 * and/or bytes, TTL on the injected clock) or Redis (values as JSON strings with a PX expiry,
 * every key under `<REDIS_PREFIX>cache:<namespace>:`). Both hold JSON text, so a value read is
 * always a fresh copy and its size is known.
 */
import { LRUCache } from 'lru-cache';
import type { Redis } from '../redis.js';
import type { Clock } from '../clock.js';

export type StoreSize = {
  entries: number;
  bytes: number;
  /** `exact`: counted (memory); `sampled`: Redis MEMORY USAGE of a sample of keys × entries. */
  method: 'exact' | 'sampled';
};

export type Store = {
  get: (key: string) => Promise<string | undefined>;
  set: (key: string, json: string, ttlMs: number) => Promise<void>;
  delete: (key: string) => Promise<number>;
  /** Delete every key starting with `prefix` ('' = all); how many were removed. */
  deletePrefix: (prefix: string) => Promise<number>;
  size: () => Promise<StoreSize>;
};

/** An entry larger than this is not kept by the memory driver (a cache is not a blob store). */
export const MAX_ENTRY_BYTES = 8 * 1024 * 1024;

export function memoryStore(opts: { ttlMs: number; maxEntries?: number | undefined; maxBytes?: number | undefined; clock: Clock }): Store {
  const lru = new LRUCache<string, string>({
    ...(opts.maxEntries ? { max: opts.maxEntries } : {}),
    ...(opts.maxBytes ? { maxSize: opts.maxBytes } : {}),
    // Sizes are always counted (key + value bytes), so the figures say how much memory it holds.
    maxEntrySize: Math.min(opts.maxBytes ?? MAX_ENTRY_BYTES, MAX_ENTRY_BYTES),
    sizeCalculation: (v, k) => Buffer.byteLength(v) + Buffer.byteLength(k),
    ttl: opts.ttlMs,
    // Expiry on the platform clock (tests move it), read on every check.
    perf: { now: () => opts.clock.now() },
    ttlResolution: 0,
  } as LRUCache.Options<string, string, unknown>); // bounded by max and/or maxSize: createCaches requires one
  return {
    get: async (key) => lru.get(key),
    set: async (key, json, ttlMs) => void lru.set(key, json, { ttl: ttlMs }),
    delete: async (key) => (lru.delete(key) ? 1 : 0),
    deletePrefix: async (prefix) => {
      let n = 0;
      for (const k of [...lru.keys()]) if (k.startsWith(prefix) && lru.delete(k)) n++;
      return n;
    },
    size: async () => {
      lru.purgeStale();
      return { entries: lru.size, bytes: lru.calculatedSize, method: 'exact' };
    },
  };
}

/** A glob pattern matching `prefix` literally, then anything. */
const globPrefix = (prefix: string) => `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;

export function redisStore(opts: { redis: Redis; keyPrefix: string; now?: () => number }): Store {
  const { redis, keyPrefix } = opts;
  const now = opts.now ?? (() => Date.now());
  let sized: { at: number; value: StoreSize } | undefined;

  async function scan(match: string, each: (keys: string[]) => Promise<void>) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await each(keys);
    } while (cursor !== '0');
  }

  return {
    get: async (key) => (await redis.get(keyPrefix + key)) ?? undefined,
    set: async (key, json, ttlMs) => void (await redis.set(keyPrefix + key, json, 'PX', Math.max(1, Math.round(ttlMs)))),
    delete: async (key) => redis.unlink(keyPrefix + key),
    deletePrefix: async (prefix) => {
      let n = 0;
      await scan(globPrefix(keyPrefix + prefix), async (keys) => void (n += await redis.unlink(...keys)));
      sized = undefined;
      return n;
    },
    /**
     * Entries by SCAN over the namespace's keys, bytes by MEMORY USAGE of up to 20 of them × the
     * count; at most once every 30 s (an operator's page or a Prometheus scrape, not a request).
     */
    size: async () => {
      if (sized && now() - sized.at < 30_000) return sized.value;
      let entries = 0;
      const sample: string[] = [];
      await scan(globPrefix(keyPrefix), async (keys) => {
        entries += keys.length;
        for (const k of keys) if (sample.length < 20) sample.push(k);
      });
      let sampleBytes = 0;
      for (const k of sample) sampleBytes += Number((await redis.call('MEMORY', 'USAGE', k)) ?? 0);
      const value: StoreSize = { entries, bytes: sample.length ? Math.round((sampleBytes / sample.length) * entries) : 0, method: 'sampled' };
      sized = { at: now(), value };
      return value;
    },
  };
}
