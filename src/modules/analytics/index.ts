/**
 * Analytics: widget funnel events, hourly rollups (events counted on arrival; try-on and provider
 * figures rewritten by the `analytics.rollup` job, the newest hours read live), time-series
 * queries for the operator (`/admin/v1/metrics/…`) and the store (`/v1/analytics/…`), CSV export,
 * and the dashboard served at `/dashboard`. Other modules use only what this file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { defineJob } from '../../platform/jobs/types.js';
import { eventRoutes } from './routes-events.js';
import { analyticsRoutes, type AnalyticsPorts } from './routes-analytics.js';
import { dashboardRoutes } from './dashboard-files.js';
import { runRollup } from './rollup.js';
import { tryonSeries } from './queries.js';
import { resolveRange } from './range.js';
import { createPosthogExport, type ExportedEvent, type PosthogSettings, type TryonOutcome } from './posthog.js';

export const ROLLUP_JOB = 'analytics.rollup';
const ROLLUP_EVERY_MS = 60_000;

export function createAnalyticsModule(
  deps: Pick<Deps, 'db' | 'clock' | 'jobs' | 'log'> & { config: Pick<Deps['config'], 'fetch'> },
  ports: AnalyticsPorts & {
    /** A tenant's PostHog export settings, from a cached view of the tenant (read on every events batch). */
    posthogSettings: (tenantId: string) => Promise<PosthogSettings | null>;
  },
) {
  const log = deps.log.child({ module: 'analytics' });
  const posthog = createPosthogExport({ log, allowPrivateHosts: deps.config.fetch.allowPrivateHosts, settingsOf: ports.posthogSettings });
  const exportEvents = (tenantId: string, events: ExportedEvent[]) => void posthog.events(tenantId, events).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'product analytics export failed'));
  const timers: NodeJS.Timeout[] = [];
  const rollup = () => runRollup(deps.db, deps.clock);
  return {
    /** Rewrite the try-on rollups now (the job does this every minute on worker processes). */
    rollup,
    /** A tenant's try-on figures over the last 30 days (as GET /v1/analytics/tryons?period=30d summarises them). */
    async tryonSummary(tenantId: string) {
      const s = await tryonSeries(deps.db, tenantId, resolveRange({ period: '30d' }, deps.clock.now()));
      return { period: s.range, ...s.summary };
    },
    registerJobs() {
      deps.jobs.register(defineJob<Record<string, never>>({ name: ROLLUP_JOB, attempts: 2, timeoutMs: 5 * 60_000, concurrency: 1, handler: async () => void (await rollup()) }) as never);
    },
    /** Worker roles: queue a rollup every minute (one per minute across every process, by dedupe key). */
    startSchedule() {
      const tick = () => {
        const slot = Math.floor(Date.now() / ROLLUP_EVERY_MS);
        deps.jobs.enqueue(ROLLUP_JOB, {}, { dedupeKey: `${ROLLUP_JOB}:${slot}` }).catch((err: unknown) => log.warn({ err }, 'analytics rollup not queued'));
      };
      timers.push(setTimeout(tick, 3_000), setInterval(tick, ROLLUP_EVERY_MS));
      for (const t of timers) t.unref();
    },
    /** A try-on finished: forwarded to the tenant's PostHog when it opted in (never awaited by the try-on). */
    tryonOutcome(tenantId: string, o: TryonOutcome) {
      void posthog.tryonOutcome(tenantId, o).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'product analytics export failed'));
    },
    /** Sends what the export has batched (tests). */
    flushExport: () => posthog.flush(),
    registerRoutes(app: App) {
      eventRoutes(app, { db: deps.db, clock: deps.clock, exportEvents });
      analyticsRoutes(app, { db: deps.db, clock: deps.clock, ports });
      dashboardRoutes(app);
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      await posthog.close();
    },
  };
}

export type AnalyticsModule = ReturnType<typeof createAnalyticsModule>;
export type { AnalyticsPorts } from './routes-analytics.js';
// Helpers other modules' analytics reuse (commerce/analytics): periods, CSV, latency histograms.
export { resolveRange, bucketStarts, presentRange, type Range, type Granularity } from './range.js';
export { wantsCsv, sendCsv, toCsv } from '../../platform/http/csv.js';
export { percentile } from './percentiles.js';
export { bucketOf as latencyBucketSql, LATENCY_BASE } from './rollup.js';
