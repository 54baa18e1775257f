CREATE TABLE "style_saved_products" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"user_id" text NOT NULL,
	"product_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "style_user_files" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"blob_key" text NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "style_user_profiles" (
	"tenant_id" text NOT NULL,
	"user_id" text NOT NULL,
	"season" text NOT NULL,
	"source" text NOT NULL,
	"source_id" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "style_user_profiles_tenant_id_user_id_pk" PRIMARY KEY("tenant_id","user_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "style_saved_products_user_product_uniq" ON "style_saved_products" USING btree ("tenant_id","user_id","product_id");--> statement-breakpoint
CREATE INDEX "style_saved_products_user_idx" ON "style_saved_products" USING btree ("tenant_id","user_id","id");--> statement-breakpoint
CREATE INDEX "style_user_files_user_idx" ON "style_user_files" USING btree ("tenant_id","user_id","id");--> statement-breakpoint
CREATE INDEX "style_user_files_expiry_idx" ON "style_user_files" USING btree ("expires_at");