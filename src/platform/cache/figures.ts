/**
 * A cache namespace's figures, kept in prom-client metrics on the app's registry (so /metrics has
 * them) and read back for the operators' API: hits, misses, sets, errors and invalidated entries
 * (counters, this process since it started), get and set latency (one histogram; p50/p95
 * interpolated within its buckets as Prometheus's histogram_quantile does), entries and bytes
 * (gauges, read from the driver when scraped).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StoreSize } from './stores.js';

/** Seconds: a memory hit is a few µs, a Redis round trip a few hundred. */
const BUCKETS = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export type LatencyFigures = { p50_ms: number | null; p95_ms: number | null; count: number };

export type CacheFigures = {
  namespace: string;
  driver: 'memory' | 'redis';
  ttl_ms: number;
  max_entries: number | null;
  max_bytes: number | null;
  hits: number;
  misses: number;
  /** hits / (hits + misses); null before the first get. */
  hit_ratio: number | null;
  sets: number;
  errors: number;
  invalidated: number;
  entries: number;
  bytes: number;
  bytes_method: StoreSize['method'];
  latency: { get: LatencyFigures; set: LatencyFigures };
};

type Bucket = { le: number; count: number };

/** The q-quantile of a cumulative histogram, interpolated linearly within the bucket it falls in. */
export function histogramQuantile(q: number, buckets: Bucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe; // in the +Inf bucket: the largest finite bound
      const inBucket = b.count - prevCount;
      return inBucket === 0 ? b.le : prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

export function cacheMetrics(registry: Registry) {
  const labelNames = ['namespace'] as const;
  const hits = new Counter({ name: 'probador_cache_hits_total', help: 'Cache gets that found a value, by namespace', labelNames, registers: [registry] });
  const misses = new Counter({ name: 'probador_cache_misses_total', help: 'Cache gets that found nothing (or failed), by namespace', labelNames, registers: [registry] });
  const sets = new Counter({ name: 'probador_cache_sets_total', help: 'Values written to a cache, by namespace', labelNames, registers: [registry] });
  const errors = new Counter({ name: 'probador_cache_errors_total', help: 'Cache driver errors (a get answered as a miss, a set lost), by namespace', labelNames, registers: [registry] });
  const invalidated = new Counter({ name: 'probador_cache_invalidated_total', help: 'Entries removed by invalidation (this node, or Redis), by namespace', labelNames, registers: [registry] });
  const ops = new Histogram({ name: 'probador_cache_operation_seconds', help: 'Cache get and set latency, by namespace', labelNames: ['namespace', 'op'] as const, buckets: BUCKETS, registers: [registry] });
  const sizers = new Map<string, () => Promise<StoreSize>>();
  // One read of every driver per scrape, shared by both gauges (prom-client collects metrics concurrently).
  let reading: { at: number; sizes: Promise<Map<string, StoreSize>> } | undefined;
  const readSizes = () => {
    if (!reading || performance.now() - reading.at > 1_000) {
      reading = {
        at: performance.now(),
        sizes: (async () => {
          const out = new Map<string, StoreSize>();
          for (const [ns, size] of sizers) {
            const s = await size().catch(() => undefined);
            if (s) out.set(ns, s);
          }
          return out;
        })(),
      };
    }
    return reading.sizes;
  };
  new Gauge({
    name: 'probador_cache_entries',
    help: 'Entries a cache namespace holds',
    labelNames,
    registers: [registry],
    async collect() {
      for (const [ns, s] of await readSizes()) this.set({ namespace: ns }, s.entries);
    },
  });
  new Gauge({
    name: 'probador_cache_bytes',
    help: 'Bytes a cache namespace holds (memory: counted; Redis: MEMORY USAGE sampled)',
    labelNames,
    registers: [registry],
    async collect() {
      for (const [ns, s] of await readSizes()) this.set({ namespace: ns }, s.bytes);
    },
  });

  const counterValue = async (c: Counter<'namespace'>, ns: string) => (await c.get()).values.find((v) => v.labels.namespace === ns)?.value ?? 0;
  async function latency(ns: string, op: 'get' | 'set'): Promise<LatencyFigures> {
    const values = (await ops.get()).values.filter((v) => v.labels.namespace === ns && v.labels.op === op);
    const buckets = values.filter((v) => v.metricName === 'probador_cache_operation_seconds_bucket').map((v) => {
        const le = (v.labels as Record<string, string | number | undefined>).le;
        return { le: le === '+Inf' ? Infinity : Number(le), count: v.value };
      });
    const count = values.find((v) => v.metricName === 'probador_cache_operation_seconds_count')?.value ?? 0;
    const ms = (q: number) => {
      const s = histogramQuantile(q, buckets);
      return s === null ? null : Math.round(s * 1e6) / 1e3;
    };
    return { p50_ms: ms(0.5), p95_ms: ms(0.95), count };
  }

  return {
    namespace(ns: string, size: () => Promise<StoreSize>) {
      sizers.set(ns, size);
      return {
        hits: hits.labels({ namespace: ns }),
        misses: misses.labels({ namespace: ns }),
        sets: sets.labels({ namespace: ns }),
        errors: errors.labels({ namespace: ns }),
        invalidated: invalidated.labels({ namespace: ns }),
        getSeconds: ops.labels({ namespace: ns, op: 'get' }),
        setSeconds: ops.labels({ namespace: ns, op: 'set' }),
        async figures(o: { driver: 'memory' | 'redis'; ttlMs: number; maxEntries: number | null; maxBytes: number | null }): Promise<CacheFigures> {
          const [h, mi, se, er, inv, s, get, set] = await Promise.all([
            counterValue(hits, ns),
            counterValue(misses, ns),
            counterValue(sets, ns),
            counterValue(errors, ns),
            counterValue(invalidated, ns),
            size().catch(() => ({ entries: 0, bytes: 0, method: o.driver === 'redis' ? ('sampled' as const) : ('exact' as const) })),
            latency(ns, 'get'),
            latency(ns, 'set'),
          ]);
          return {
            namespace: ns,
            driver: o.driver,
            ttl_ms: o.ttlMs,
            max_entries: o.maxEntries,
            max_bytes: o.maxBytes,
            hits: h,
            misses: mi,
            hit_ratio: h + mi === 0 ? null : Math.round((h / (h + mi)) * 10_000) / 10_000,
            sets: se,
            errors: er,
            invalidated: inv,
            entries: s.entries,
            bytes: s.bytes,
            bytes_method: s.method,
            latency: { get, set },
          };
        },
      };
    },
  };
}

export type CacheMetrics = ReturnType<typeof cacheMetrics>;
