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
CREATE INDEX "style_quiz_results_tenant_idx" ON "style_quiz_results" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "style_quiz_results_shopper_idx" ON "style_quiz_results" USING btree ("tenant_id","shopper_id");--> statement-breakpoint
CREATE INDEX "products_color_idx" ON "products" USING btree ("tenant_id","color_fit_version") WHERE "products"."color_l" is not null and "products"."active";--> statement-breakpoint
CREATE INDEX "products_color_unread_idx" ON "products" USING btree ("tenant_id","product_id") WHERE "products"."color_read_at" is null;