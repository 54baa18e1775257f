ALTER TABLE "tryons" ADD COLUMN "person_blob" jsonb;--> statement-breakpoint
CREATE INDEX "tryons_result_blob_idx" ON "tryons" USING btree ("tenant_id","result_blob_key");