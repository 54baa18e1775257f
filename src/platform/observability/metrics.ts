/** Prometheus metrics on a registry per app (tests build many apps in one process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(opts: { defaultMetrics: boolean; poolStats?: () => { total: number; idle: number; waiting: number } | undefined }) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'probador_' });
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
