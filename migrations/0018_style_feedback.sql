CREATE TABLE "style_feedback" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"analysis_id" text NOT NULL,
	"user_id" text,
	"key_id" text,
	"widget_session" text,
	"rating" smallint,
	"feels_right" text NOT NULL,
	"corrected_season" text,
	"corrected_face_shape" text,
	"comment" text,
	"predicted_season" text,
	"predicted_monk" integer,
	"predicted_face_shape" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "style_feedback" ADD CONSTRAINT "style_feedback_analysis_id_style_analyses_id_fk" FOREIGN KEY ("analysis_id") REFERENCES "public"."style_analyses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "style_feedback_analysis_idx" ON "style_feedback" USING btree ("tenant_id","analysis_id","id");--> statement-breakpoint
CREATE INDEX "style_feedback_created_idx" ON "style_feedback" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "style_feedback_user_idx" ON "style_feedback" USING btree ("tenant_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "style_feedback_session_uniq" ON "style_feedback" USING btree ("analysis_id","widget_session") WHERE "style_feedback"."widget_session" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "style_feedback_user_uniq" ON "style_feedback" USING btree ("analysis_id","user_id") WHERE "style_feedback"."user_id" is not null;--> statement-breakpoint
CREATE INDEX "style_analyses_created_idx" ON "style_analyses" USING btree ("tenant_id","created_at");