ALTER TABLE "workflow"."outbox" ADD COLUMN "published_epoch" text;--> statement-breakpoint
ALTER TABLE "workflow"."outbox" ADD COLUMN "stream_position" text;--> statement-breakpoint
ALTER TABLE "workflow"."outbox" ADD COLUMN "confirmed_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "workflow"."workflow_events" ADD COLUMN "via" text[];--> statement-breakpoint
CREATE INDEX "outbox_unconfirmed_idx" ON "workflow"."outbox" USING btree ("event_type","position") WHERE "workflow"."outbox"."published_at" is not null and "workflow"."outbox"."confirmed_at" is null;--> statement-breakpoint
-- Events published before delivery was tracked: treated as delivered, as they were then.
UPDATE "workflow"."outbox" SET "confirmed_at" = "published_at" WHERE "published_at" IS NOT NULL;