import { bigint, doublePrecision, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const FUNNEL_EVENT_TYPES = ['opened', 'consented', 'uploaded', 'precheck_failed', 'generated', 'viewed', 'downloaded', 'shared', 'added_to_cart', 'colours_opened', 'colours_found', 'colours_retake', 'colours_forgotten'] as const;
export type FunnelEventType = (typeof FUNNEL_EVENT_TYPES)[number];
/** The conversion funnel's steps, in order (a subset of the event types). */
export const FUNNEL_STEPS = ['opened', 'consented', 'uploaded', 'generated', 'added_to_cart'] as const;

/** Widget funnel events as received (raw; the rollups below answer the dashboards). */
export const analyticsEvents = pgTable(
  'analytics_events',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    type: text('type').$type<FunnelEventType>().notNull(),
    productId: text('product_id'),
    tryonId: text('tryon_id'),
    /** SHA-256 of the widget session token (publishable keys); null for server-sent events. */
    session: text('session'),
    keyId: text('key_id'),
    properties: jsonb('properties').$type<Record<string, unknown>>(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('analytics_events_tenant_at_idx').on(t.tenantId, t.at)],
);

/**
 * Hourly rollups per tenant: `metric` + `dim` (an event type, a try-on status, a provider, a
 * latency bucket, a product) → count `n` and sum `total` (cost, ms). Events are added when they
 * arrive (same transaction); try-on and provider figures are recomputed per dirty hour by the
 * `analytics.rollup` job.
 */
export const analyticsHourly = pgTable(
  'analytics_hourly',
  {
    tenantId: text('tenant_id').notNull(),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    metric: text('metric').notNull(),
    dim: text('dim').notNull().default(''),
    n: bigint('n', { mode: 'number' }).notNull().default(0),
    total: doublePrecision('total').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.metric, t.hour, t.dim] }), index('analytics_hourly_metric_hour_idx').on(t.metric, t.hour)],
);

/** `tenant_id` of the platform-wide rows in `analytics_daily` (real tenant ids start with `ten_`). */
export const PLATFORM = '*';

/**
 * Daily rollups: the same `(metric, dim) → n, total` as `analytics_hourly`, per tenant and once
 * more for the whole platform (`tenant_id` = PLATFORM), so a 30-day series reads ≈30 rows per
 * (metric, dim). Event rows are added on arrival with the hourly ones (same transaction); try-on
 * and provider rows are rewritten by the `analytics.rollup` job from the hourly rows, for the days
 * it rewrote hours of (days from the live boundary on are read from the hourly/live rows).
 */
export const analyticsDaily = pgTable(
  'analytics_daily',
  {
    tenantId: text('tenant_id').notNull(),
    day: timestamp('day', { withTimezone: true }).notNull(),
    metric: text('metric').notNull(),
    dim: text('dim').notNull().default(''),
    n: bigint('n', { mode: 'number' }).notNull().default(0),
    total: doublePrecision('total').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.metric, t.day, t.dim] })],
);

/**
 * Unique widget sessions per funnel step: one row per (tenant, hour, step, session hash), added on
 * arrival with ON CONFLICT DO NOTHING; the funnel counts distinct sessions over the period's hours
 * (a session reaching a step in two hours of the period still counts once).
 */
export const analyticsFunnelSessions = pgTable(
  'analytics_funnel_sessions',
  {
    tenantId: text('tenant_id').notNull(),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    step: text('step').notNull(),
    session: text('session').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.step, t.hour, t.session] }), index('analytics_funnel_sessions_step_hour_idx').on(t.step, t.hour)],
);

/** Where the try-on rollup job got to (one row per job name). */
export const analyticsWatermarks = pgTable('analytics_watermarks', {
  name: text('name').primaryKey(),
  upTo: timestamp('up_to', { withTimezone: true }).notNull(),
});

export type AnalyticsEventRow = typeof analyticsEvents.$inferSelect;
