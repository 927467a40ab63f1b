CREATE TABLE "workflow"."action_attempts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"number" integer NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"duration_ms" double precision NOT NULL,
	"status_code" integer,
	"response_body" text,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "workflow"."action_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"kind" text NOT NULL,
	"target_id" uuid,
	"subscription_id" uuid,
	"url" text,
	"execution_id" uuid,
	"workflow_id" uuid,
	"workflow_version" integer,
	"node_id" text,
	"event_id" uuid,
	"event_type" text,
	"payload" jsonb NOT NULL,
	"missing_placeholders" text[] DEFAULT '{}' NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"schedule_start" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp (3) with time zone,
	"last_error" text,
	"finished_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow"."action_targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"url" text,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret" text,
	"tenant_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"deleted_by" text
);
--> statement-breakpoint
CREATE TABLE "workflow"."event_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"event_types" text[] NOT NULL,
	"workflow_id" uuid,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret" text,
	"tenant_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"deleted_by" text
);
--> statement-breakpoint
CREATE TABLE "workflow"."processed_events" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"event_type" text NOT NULL,
	"processed_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "action_attempts_run_idx" ON "workflow"."action_attempts" USING btree ("run_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "action_runs_idempotency_uq" ON "workflow"."action_runs" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "action_runs_due_idx" ON "workflow"."action_runs" USING btree ("next_attempt_at") WHERE "workflow"."action_runs"."status" in ('PENDING', 'DELIVERING');--> statement-breakpoint
CREATE INDEX "action_runs_tenant_created_idx" ON "workflow"."action_runs" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "action_runs_execution_idx" ON "workflow"."action_runs" USING btree ("execution_id");--> statement-breakpoint
CREATE UNIQUE INDEX "action_targets_tenant_name_uq" ON "workflow"."action_targets" USING btree ("tenant_id","name") WHERE "workflow"."action_targets"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "event_subscriptions_tenant_idx" ON "workflow"."event_subscriptions" USING btree ("tenant_id");