CREATE TABLE "usage_events" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"type" text NOT NULL,
	"quantity" bigint DEFAULT 1 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"ref_id" text,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tryon_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"tryon_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"provider" text NOT NULL,
	"model" text,
	"step" integer DEFAULT 0 NOT NULL,
	"hedged" boolean DEFAULT false NOT NULL,
	"outcome" text NOT NULL,
	"error_class" text,
	"error_message" text,
	"latency_ms" integer NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"fidelity_score" double precision,
	"started_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tryon_cache" (
	"tenant_id" text NOT NULL,
	"cache_key" text NOT NULL,
	"tryon_id" text NOT NULL,
	"result_blob_key" text NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"bytes" integer NOT NULL,
	"provider" text NOT NULL,
	"model" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	CONSTRAINT "tryon_cache_tenant_id_cache_key_pk" PRIMARY KEY("tenant_id","cache_key")
);
--> statement-breakpoint
CREATE TABLE "tryons" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"key_id" text,
	"environment" text NOT NULL,
	"shopper_id" text,
	"widget_session" text,
	"status" text NOT NULL,
	"mode" text NOT NULL,
	"requested_provider" text,
	"person_upload_id" text NOT NULL,
	"garments" jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"cache_key" text,
	"cached" boolean DEFAULT false NOT NULL,
	"result_blob_key" text,
	"result_content_type" text,
	"result_width" integer,
	"result_height" integer,
	"result_bytes" integer,
	"result_meta" jsonb,
	"provider" text,
	"model" text,
	"attempts_count" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"error_code" text,
	"error_message" text,
	"stage" text,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"queued_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"provider_ms" integer,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "uploads" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"kind" text DEFAULT 'person' NOT NULL,
	"shopper_id" text,
	"widget_session" text,
	"blob_key" text,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "usage_events_tenant_idx" ON "usage_events" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "usage_events_type_idx" ON "usage_events" USING btree ("type","created_at");--> statement-breakpoint
CREATE INDEX "tryon_attempts_tryon_idx" ON "tryon_attempts" USING btree ("tryon_id");--> statement-breakpoint
CREATE INDEX "tryon_attempts_provider_idx" ON "tryon_attempts" USING btree ("provider","started_at");--> statement-breakpoint
CREATE INDEX "tryon_cache_expiry_idx" ON "tryon_cache" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "tryons_tenant_idx" ON "tryons" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "tryons_status_idx" ON "tryons" USING btree ("status","queued_at");--> statement-breakpoint
CREATE INDEX "tryons_shopper_idx" ON "tryons" USING btree ("tenant_id","shopper_id");--> statement-breakpoint
CREATE INDEX "tryons_expiry_idx" ON "tryons" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "uploads_tenant_idx" ON "uploads" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "uploads_shopper_idx" ON "uploads" USING btree ("tenant_id","shopper_id");--> statement-breakpoint
CREATE INDEX "uploads_expiry_idx" ON "uploads" USING btree ("expires_at");