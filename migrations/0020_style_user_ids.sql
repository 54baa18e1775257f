ALTER TABLE "style_analyses" ADD COLUMN "user_id" text;--> statement-breakpoint
ALTER TABLE "style_quiz_results" ADD COLUMN "user_id" text;--> statement-breakpoint
CREATE INDEX "style_analyses_user_idx" ON "style_analyses" USING btree ("tenant_id","user_id","id");--> statement-breakpoint
CREATE INDEX "style_quiz_results_user_idx" ON "style_quiz_results" USING btree ("tenant_id","user_id","id");