CREATE TABLE "commerce_bot_stats" (
	"tenant_id" text NOT NULL,
	"bot_id" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"provider" text NOT NULL,
	"messages_in" integer DEFAULT 0 NOT NULL,
	"messages_out" integer DEFAULT 0 NOT NULL,
	"out_failed" integer DEFAULT 0 NOT NULL,
	"replies" integer DEFAULT 0 NOT NULL,
	"reply_ms_sum" double precision DEFAULT 0 NOT NULL,
	"reply_hist" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"conversations" integer DEFAULT 0 NOT NULL,
	"converted" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "commerce_bot_stats_tenant_id_bucket_bot_id_provider_pk" PRIMARY KEY("tenant_id","bucket","bot_id","provider")
);
--> statement-breakpoint
CREATE TABLE "commerce_bot_stats_state" (
	"name" text PRIMARY KEY NOT NULL,
	"up_to" timestamp with time zone NOT NULL,
	"runs" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX "commerce_bot_stats_bucket_idx" ON "commerce_bot_stats" USING btree ("bucket");--> statement-breakpoint
CREATE INDEX "commerce_conversations_tenant_created_idx" ON "commerce_conversations" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "commerce_messages_tenant_created_idx" ON "commerce_messages" USING btree ("tenant_id","created_at");