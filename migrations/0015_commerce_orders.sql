CREATE TABLE "orders" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"status" text NOT NULL,
	"source" text NOT NULL,
	"source_ref" text,
	"currency" text NOT NULL,
	"items" jsonb NOT NULL,
	"subtotal_amount" bigint NOT NULL,
	"shipping_amount" bigint DEFAULT 0 NOT NULL,
	"total_amount" bigint NOT NULL,
	"payment_link" text,
	"notes" text,
	"customer_name" text,
	"customer_phone" text,
	"seller_id" text,
	"conversation_id" text,
	"contact_id" text,
	"bot_id" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"history" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sellers" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"phone" text NOT NULL,
	"email" text,
	"active" boolean DEFAULT true NOT NULL,
	"max_open_conversations" integer,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "baileys_auth" (
	"tenant_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"kind" text NOT NULL,
	"key_id" text NOT NULL,
	"value" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "baileys_auth_connection_id_kind_key_id_pk" PRIMARY KEY("connection_id","kind","key_id")
);
--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "stock" integer;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "variants" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "orders_tenant_idx" ON "orders" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "orders_status_idx" ON "orders" USING btree ("tenant_id","status","id");--> statement-breakpoint
CREATE INDEX "orders_seller_idx" ON "orders" USING btree ("tenant_id","seller_id","status") WHERE "orders"."seller_id" is not null;--> statement-breakpoint
CREATE INDEX "orders_conversation_idx" ON "orders" USING btree ("tenant_id","conversation_id") WHERE "orders"."conversation_id" is not null;--> statement-breakpoint
CREATE INDEX "orders_contact_idx" ON "orders" USING btree ("tenant_id","contact_id") WHERE "orders"."contact_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "orders_source_ref_idx" ON "orders" USING btree ("tenant_id","source_ref") WHERE "orders"."source_ref" is not null;--> statement-breakpoint
CREATE INDEX "sellers_tenant_idx" ON "sellers" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "sellers_phone_idx" ON "sellers" USING btree ("tenant_id","phone");--> statement-breakpoint
CREATE INDEX "baileys_auth_tenant_idx" ON "baileys_auth" USING btree ("tenant_id","connection_id");