CREATE TABLE "commerce_bots" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"phone" text,
	"business_hours" jsonb,
	"away_message" text,
	"away_every_hours" integer DEFAULT 12 NOT NULL,
	"templates" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"window_template" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce_connections" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"bot_id" text NOT NULL,
	"provider" text NOT NULL,
	"credentials_sealed" text,
	"credential_fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"priority" integer NOT NULL,
	"account_ref" text,
	"state" text DEFAULT 'unknown' NOT NULL,
	"state_detail" text,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce_contact_identities" (
	"tenant_id" text NOT NULL,
	"identity" text NOT NULL,
	"contact_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "commerce_contact_identities_tenant_id_identity_pk" PRIMARY KEY("tenant_id","identity")
);
--> statement-breakpoint
CREATE TABLE "commerce_contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"phone" text,
	"name" text,
	"merged_into" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce_conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"bot_id" text NOT NULL,
	"contact_id" text NOT NULL,
	"status" text NOT NULL,
	"assigned_seller_id" text,
	"last_inbound_at" timestamp with time zone,
	"last_message_at" timestamp with time zone,
	"last_away_at" timestamp with time zone,
	"unread_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce_inbound_events" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"bot_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "commerce_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"bot_id" text NOT NULL,
	"contact_id" text NOT NULL,
	"direction" text NOT NULL,
	"content" jsonb NOT NULL,
	"category" text,
	"source" text NOT NULL,
	"provider" text,
	"connection_id" text,
	"provider_message_id" text,
	"reply_to_provider_message_id" text,
	"status" text NOT NULL,
	"error_code" text,
	"error_reason" text,
	"media" jsonb,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"read_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce_opt_outs" (
	"tenant_id" text NOT NULL,
	"contact_id" text NOT NULL,
	"category" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "commerce_opt_outs_tenant_id_contact_id_category_pk" PRIMARY KEY("tenant_id","contact_id","category")
);
--> statement-breakpoint
CREATE TABLE "commerce_simulator_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"phone" text NOT NULL,
	"direction" text NOT NULL,
	"content" jsonb NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"seq" bigserial NOT NULL
);
--> statement-breakpoint
ALTER TABLE "commerce_connections" ADD CONSTRAINT "commerce_connections_bot_id_commerce_bots_id_fk" FOREIGN KEY ("bot_id") REFERENCES "public"."commerce_bots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "commerce_bots_tenant_idx" ON "commerce_bots" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "commerce_connections_bot_idx" ON "commerce_connections" USING btree ("bot_id","priority");--> statement-breakpoint
CREATE INDEX "commerce_connections_account_idx" ON "commerce_connections" USING btree ("tenant_id","provider","account_ref");--> statement-breakpoint
CREATE INDEX "commerce_contact_identities_contact_idx" ON "commerce_contact_identities" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "commerce_contacts_tenant_idx" ON "commerce_contacts" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "commerce_conversations_open_idx" ON "commerce_conversations" USING btree ("bot_id","contact_id") WHERE "commerce_conversations"."status" <> 'closed';--> statement-breakpoint
CREATE INDEX "commerce_conversations_tenant_idx" ON "commerce_conversations" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "commerce_inbound_events_dedupe_idx" ON "commerce_inbound_events" USING btree ("connection_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "commerce_inbound_events_received_idx" ON "commerce_inbound_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "commerce_messages_conversation_idx" ON "commerce_messages" USING btree ("conversation_id","id");--> statement-breakpoint
CREATE INDEX "commerce_messages_provider_idx" ON "commerce_messages" USING btree ("connection_id","provider_message_id");--> statement-breakpoint
CREATE INDEX "commerce_messages_health_idx" ON "commerce_messages" USING btree ("connection_id","created_at") WHERE "commerce_messages"."direction" = 'out';--> statement-breakpoint
CREATE INDEX "commerce_simulator_messages_phone_idx" ON "commerce_simulator_messages" USING btree ("connection_id","phone","seq");