DROP INDEX "tryons_status_idx";--> statement-breakpoint
CREATE INDEX "tryons_waiting_idx" ON "tryons" USING btree ("queued_at") WHERE status = 'queued';--> statement-breakpoint
CREATE INDEX "tryons_queued_at_idx" ON "tryons" USING btree ("queued_at");