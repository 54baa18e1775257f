CREATE TABLE "generation_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"generation_id" text NOT NULL,
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
	"started_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "generation_cache" (
	"tenant_id" text NOT NULL,
	"cache_key" text NOT NULL,
	"generation_id" text NOT NULL,
	"result_blob_key" text NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"bytes" integer NOT NULL,
	"provider" text NOT NULL,
	"model" text,
	"result_meta" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	CONSTRAINT "generation_cache_tenant_id_cache_key_pk" PRIMARY KEY("tenant_id","cache_key")
);
--> statement-breakpoint
CREATE TABLE "generations" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"key_id" text,
	"environment" text NOT NULL,
	"source" text DEFAULT 'api' NOT NULL,
	"status" text NOT NULL,
	"stage" text,
	"prompt" text NOT NULL,
	"reference_images" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"aspect_ratio" text NOT NULL,
	"requested_provider" text,
	"requested_model" text,
	"seed" integer,
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
CREATE INDEX "generation_attempts_generation_idx" ON "generation_attempts" USING btree ("generation_id");--> statement-breakpoint
CREATE INDEX "generation_attempts_provider_idx" ON "generation_attempts" USING btree ("provider","started_at");--> statement-breakpoint
CREATE INDEX "generation_cache_expiry_idx" ON "generation_cache" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "generation_cache_generation_idx" ON "generation_cache" USING btree ("tenant_id","generation_id");--> statement-breakpoint
CREATE INDEX "generations_tenant_idx" ON "generations" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "generations_waiting_idx" ON "generations" USING btree ("queued_at") WHERE status = 'queued';--> statement-breakpoint
CREATE INDEX "generations_expiry_idx" ON "generations" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "generations_result_blob_idx" ON "generations" USING btree ("tenant_id","result_blob_key");