CREATE TABLE "style_analyses" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"key_id" text,
	"environment" text NOT NULL,
	"widget_session" text,
	"shopper_id" text,
	"status" text NOT NULL,
	"kinds" text NOT NULL,
	"source" text DEFAULT 'photo' NOT NULL,
	"analyser_name" text NOT NULL,
	"analyser_version" text NOT NULL,
	"model" text,
	"image_sha256" text NOT NULL,
	"selfie_upload_id" text,
	"selfie_created" boolean DEFAULT false NOT NULL,
	"selfie_blob_key" text,
	"selfie_content_type" text,
	"selfie_expires_at" timestamp with time zone,
	"face" jsonb,
	"color" jsonb,
	"quality" jsonb,
	"cached" boolean DEFAULT false NOT NULL,
	"cached_from" text,
	"error_code" text,
	"error_message" text,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"took_ms" integer,
	"created_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "style_quiz_results" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"shopper_id" text,
	"widget_session" text,
	"source" text NOT NULL,
	"quiz_version" text NOT NULL,
	"answers" jsonb NOT NULL,
	"certainty" real NOT NULL,
	"color" jsonb NOT NULL,
	"analysis_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "color_hex" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "color_l" real;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "color_a" real;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "color_b" real;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "color_read_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "color_fit" real[];--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "color_fit_version" text;--> statement-breakpoint
CREATE INDEX "style_analyses_tenant_idx" ON "style_analyses" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "style_analyses_cache_idx" ON "style_analyses" USING btree ("tenant_id","image_sha256","kinds","analyser_name","analyser_version");--> statement-breakpoint
CREATE INDEX "style_analyses_selfie_expiry_idx" ON "style_analyses" USING btree ("selfie_expires_at");--> statement-breakpoint
CREATE INDEX "style_quiz_results_tenant_idx" ON "style_quiz_results" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "style_quiz_results_shopper_idx" ON "style_quiz_results" USING btree ("tenant_id","shopper_id");--> statement-breakpoint
CREATE INDEX "products_color_idx" ON "products" USING btree ("tenant_id","color_fit_version") WHERE "products"."color_l" is not null and "products"."active";--> statement-breakpoint
CREATE INDEX "products_color_unread_idx" ON "products" USING btree ("tenant_id","product_id") WHERE "products"."color_read_at" is null;