/**
 * Analytics: widget funnel events, hourly rollups (events counted on arrival; try-on and provider
 * figures recomputed per dirty hour by the `analytics.rollup` job), time-series queries for the
 * operator (`/admin/v1/metrics/…`) and the store (`/v1/analytics/…`), CSV export, and the
 * dashboard served at `/dashboard`. Other modules use only what this file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { eventRoutes } from './routes-events.js';

export function createAnalyticsModule(deps: Pick<Deps, 'db' | 'clock' | 'jobs' | 'log'>) {
  return {
    registerRoutes(app: App) {
      eventRoutes(app, { db: deps.db, clock: deps.clock });
    },
    async close() {},
  };
}

export type AnalyticsModule = ReturnType<typeof createAnalyticsModule>;
