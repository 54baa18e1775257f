CREATE TABLE "style_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"analysis_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"analyser" text NOT NULL,
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
CREATE INDEX "style_attempts_analysis_idx" ON "style_attempts" USING btree ("tenant_id","analysis_id");--> statement-breakpoint
CREATE INDEX "style_attempts_analyser_idx" ON "style_attempts" USING btree ("analyser","started_at");