CREATE TABLE "commerce_flow_inputs" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"tenant_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"source" text NOT NULL,
	"message_id" text,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"processed_at" timestamp with time zone,
	"session_id" text
);
--> statement-breakpoint
CREATE TABLE "commerce_flow_leases" (
	"conversation_id" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce_flow_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"bot_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"contact_id" text NOT NULL,
	"flow_id" text NOT NULL,
	"flow_version" integer NOT NULL,
	"status" text NOT NULL,
	"step_id" text NOT NULL,
	"wait" text DEFAULT 'none' NOT NULL,
	"wait_seq" integer DEFAULT 0 NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"variables" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"cart" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"end_reason" text
);
--> statement-breakpoint
CREATE TABLE "commerce_flow_step_visits" (
	"session_id" text NOT NULL,
	"step_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"flow_id" text NOT NULL,
	"flow_version" integer NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "commerce_flow_step_visits_session_id_step_id_pk" PRIMARY KEY("session_id","step_id")
);
--> statement-breakpoint
CREATE TABLE "commerce_flow_versions" (
	"flow_id" text NOT NULL,
	"version" integer NOT NULL,
	"tenant_id" text NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"published_at" timestamp with time zone,
	CONSTRAINT "commerce_flow_versions_flow_id_version_pk" PRIMARY KEY("flow_id","version")
);
--> statement-breakpoint
CREATE TABLE "commerce_flows" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"bot_id" text,
	"draft" jsonb NOT NULL,
	"published_version" integer,
	"latest_version" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "commerce_contacts" ADD COLUMN "tags" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "commerce_flow_versions" ADD CONSTRAINT "commerce_flow_versions_flow_id_commerce_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."commerce_flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "commerce_flow_inputs_pending_idx" ON "commerce_flow_inputs" USING btree ("conversation_id","seq") WHERE "commerce_flow_inputs"."processed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "commerce_flow_sessions_active_idx" ON "commerce_flow_sessions" USING btree ("conversation_id") WHERE "commerce_flow_sessions"."status" = 'active';--> statement-breakpoint
CREATE INDEX "commerce_flow_sessions_flow_idx" ON "commerce_flow_sessions" USING btree ("tenant_id","flow_id","flow_version");--> statement-breakpoint
CREATE INDEX "commerce_flow_sessions_conv_idx" ON "commerce_flow_sessions" USING btree ("tenant_id","conversation_id");--> statement-breakpoint
CREATE INDEX "commerce_flow_step_visits_flow_idx" ON "commerce_flow_step_visits" USING btree ("tenant_id","flow_id","flow_version");--> statement-breakpoint
CREATE INDEX "commerce_flows_tenant_idx" ON "commerce_flows" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "commerce_flows_bot_idx" ON "commerce_flows" USING btree ("bot_id") WHERE "commerce_flows"."bot_id" is not null;