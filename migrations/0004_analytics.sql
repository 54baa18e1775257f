CREATE TABLE "analytics_events" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"type" text NOT NULL,
	"product_id" text,
	"tryon_id" text,
	"session" text,
	"key_id" text,
	"properties" jsonb,
	"at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_hourly" (
	"tenant_id" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"metric" text NOT NULL,
	"dim" text DEFAULT '' NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	"total" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_hourly_tenant_id_metric_hour_dim_pk" PRIMARY KEY("tenant_id","metric","hour","dim")
);
--> statement-breakpoint
CREATE TABLE "analytics_watermarks" (
	"name" text PRIMARY KEY NOT NULL,
	"up_to" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "analytics_events_tenant_at_idx" ON "analytics_events" USING btree ("tenant_id","at");--> statement-breakpoint
CREATE INDEX "analytics_hourly_metric_hour_idx" ON "analytics_hourly" USING btree ("metric","hour");