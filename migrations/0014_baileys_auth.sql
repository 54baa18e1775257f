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
CREATE INDEX "baileys_auth_tenant_idx" ON "baileys_auth" USING btree ("tenant_id","connection_id");