-- Backfill the daily rollups (per tenant and platform-wide, tenant_id '*') from the hourly rows,
-- and the unique funnel sessions from the raw events; from now on both are kept on arrival / by
-- the analytics.rollup job.
INSERT INTO "analytics_daily" ("tenant_id", "day", "metric", "dim", "n", "total")
SELECT "tenant_id", date_trunc('day', "hour", 'UTC'), "metric", "dim", sum("n"), sum("total") FROM "analytics_hourly" GROUP BY 1, 2, 3, 4
UNION ALL
SELECT '*', date_trunc('day', "hour", 'UTC'), "metric", "dim", sum("n"), sum("total") FROM "analytics_hourly" GROUP BY 2, 3, 4;
--> statement-breakpoint
INSERT INTO "analytics_funnel_sessions" ("tenant_id", "hour", "step", "session")
SELECT DISTINCT "tenant_id", date_trunc('hour', "at"), "type", "session" FROM "analytics_events"
WHERE "session" IS NOT NULL AND "type" IN ('opened', 'consented', 'uploaded', 'generated', 'added_to_cart')
ON CONFLICT DO NOTHING;
