CREATE TABLE "analytics_daily" (
	"tenant_id" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"metric" text NOT NULL,
	"dim" text DEFAULT '' NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	"total" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_daily_tenant_id_metric_day_dim_pk" PRIMARY KEY("tenant_id","metric","day","dim")
);
--> statement-breakpoint
CREATE TABLE "analytics_funnel_sessions" (
	"tenant_id" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"step" text NOT NULL,
	"session" text NOT NULL,
	CONSTRAINT "analytics_funnel_sessions_tenant_id_step_hour_session_pk" PRIMARY KEY("tenant_id","step","hour","session")
);
--> statement-breakpoint
CREATE INDEX "analytics_funnel_sessions_step_hour_idx" ON "analytics_funnel_sessions" USING btree ("step","hour");