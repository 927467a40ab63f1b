CREATE TABLE "judgment"."processed_events" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"event_type" text NOT NULL,
	"processed_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "judgment"."workflow_versions" (
	"workflow_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"tenant_id" text NOT NULL,
	"definition" jsonb NOT NULL,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_versions_workflow_id_version_pk" PRIMARY KEY("workflow_id","version")
);
--> statement-breakpoint
ALTER TABLE "judgment"."outbox" ADD COLUMN "published_epoch" text;--> statement-breakpoint
ALTER TABLE "judgment"."outbox" ADD COLUMN "stream_position" text;--> statement-breakpoint
ALTER TABLE "judgment"."outbox" ADD COLUMN "confirmed_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "outbox_unconfirmed_idx" ON "judgment"."outbox" USING btree ("event_type","position") WHERE "judgment"."outbox"."published_at" is not null and "judgment"."outbox"."confirmed_at" is null;--> statement-breakpoint
-- Events published before delivery was tracked: treated as delivered, as they were then.
UPDATE "judgment"."outbox" SET "confirmed_at" = "published_at" WHERE "published_at" IS NOT NULL;--> statement-breakpoint
-- The versions received so far: the current one of each workflow.
INSERT INTO "judgment"."workflow_versions" ("workflow_id", "version", "tenant_id", "definition", "received_at") SELECT "id", "version", "tenant_id", "definition", "received_at" FROM "judgment"."workflow_definitions" ON CONFLICT DO NOTHING;