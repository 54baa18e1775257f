DROP INDEX "style_analyses_cache_idx";--> statement-breakpoint
ALTER TABLE "style_analyses" ADD COLUMN "quiz_result_id" text;--> statement-breakpoint
ALTER TABLE "style_quiz_results" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "style_analyses_shopper_idx" ON "style_analyses" USING btree ("tenant_id","shopper_id");--> statement-breakpoint
CREATE INDEX "style_quiz_results_expiry_idx" ON "style_quiz_results" USING btree ("expires_at");