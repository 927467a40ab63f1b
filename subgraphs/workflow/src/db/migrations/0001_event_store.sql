CREATE TABLE "workflow"."outbox" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"tenant_id" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp (3) with time zone,
	CONSTRAINT "outbox_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "workflow"."workflow_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"aggregate_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"user_id" text NOT NULL,
	"correlation_id" text,
	"occurred_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "workflow"."outbox" USING btree ("position") WHERE "workflow"."outbox"."published_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_events_aggregate_version_uq" ON "workflow"."workflow_events" USING btree ("aggregate_id","version");--> statement-breakpoint
CREATE INDEX "workflow_events_tenant_occurred_idx" ON "workflow"."workflow_events" USING btree ("tenant_id","occurred_at","id");