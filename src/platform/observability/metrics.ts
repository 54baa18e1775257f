/** Prometheus metrics on a registry per app (tests build many apps in one process). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
// prom-client's default process metrics one by one, as its collectDefaultMetrics() registers them,
// so that the GC duration histogram can be left out (see processMetrics below).
import eventLoopLag from 'prom-client/lib/metrics/eventLoopLag.js';
import gc from 'prom-client/lib/metrics/gc.js';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js';
import processCpuTotal from 'prom-client/lib/metrics/processCpuTotal.js';
import processHandles from 'prom-client/lib/metrics/processHandles.js';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import processRequests from 'prom-client/lib/metrics/processRequests.js';
import processResources from 'prom-client/lib/metrics/processResources.js';
import processStartTime from 'prom-client/lib/metrics/processStartTime.js';
import version from 'prom-client/lib/metrics/version.js';

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * prom-client's default metrics (CPU, memory, heap spaces, event-loop lag, handles, file
 * descriptors, start time, version), keyed by its own names (its `metricsList`).
 * `gc` (nodejs_gc_duration_seconds) only when asked for: it needs a PerformanceObserver on 'gc'
 * entries, and Node 20 builds each such entry with a Map and deprecated accessor properties that
 * end up in the old generation, ~4.6 KB per collection. At 19,000 req/s with 2 MB semi-spaces
 * (~190 scavenges a second) that is most of what the API node promotes: a mark-compact every ~6 s
 * instead of every ~30 s, and each one a 30 ms burst of slow answers (bench/RESULTS.md, session 10).
 */
export const processMetrics = {
  processCpuTotal,
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  eventLoopLag,
  processResources,
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  version,
  gc,
};

export function createMetrics(opts: {
  defaultMetrics: boolean;
  /** Also the GC duration histogram (PROBADOR_METRICS_GC); only with defaultMetrics. */
  gcMetrics?: boolean;
  poolStats?: () => { total: number; idle: number; waiting: number } | undefined;
}) {
  const registry = new Registry();
  if (opts.defaultMetrics) {
    const config = { register: registry, prefix: 'probador_', eventLoopMonitoringPrecision: 10 };
    for (const [name, register] of Object.entries(processMetrics)) if (name !== 'gc' || opts.gcMetrics) register(registry, config);
  }
  const httpDuration = new Histogram({
    name: 'probador_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rateLimitHits = new Counter({
    name: 'probador_rate_limit_hits_total',
    help: 'Requests refused by a rate limit, by scope (key or tenant)',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  const loadShed = new Counter({ name: 'probador_load_shed_total', help: 'Requests refused with 503 under load', registers: [registry] });
  new Gauge({
    name: 'probador_db_pool_connections',
    help: 'Database pool connections by state (PostgreSQL only)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const s = opts.poolStats?.();
      if (!s) return;
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
    },
  });
  const dbQueryDuration = new Histogram({
    name: 'probador_db_ping_seconds',
    help: 'Database round trip measured by /ready',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  return { registry, httpDuration, rateLimitHits, loadShed, dbQueryDuration };
}
