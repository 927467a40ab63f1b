CREATE TABLE "learning"."executions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"workflow_version" integer NOT NULL,
	"input_data" jsonb NOT NULL,
	"decision" text NOT NULL,
	"method_used" text NOT NULL,
	"confidence" double precision NOT NULL,
	"judged_at" timestamp (3) with time zone NOT NULL,
	"label" text,
	"verdict" text,
	"feedback_id" uuid,
	"labelled_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "learning"."processed_events" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"event_type" text NOT NULL,
	"processed_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."outbox" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"tenant_id" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp (3) with time zone,
	"published_epoch" text,
	"stream_position" text,
	"confirmed_at" timestamp (3) with time zone,
	CONSTRAINT "outbox_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "learning"."rule_candidates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"job_id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"workflow_version" integer NOT NULL,
	"node_id" text NOT NULL,
	"algorithm" text NOT NULL,
	"expression" text NOT NULL,
	"precision" double precision NOT NULL,
	"negative_predictive_value" double precision NOT NULL,
	"recall" double precision NOT NULL,
	"f1" double precision NOT NULL,
	"accuracy" double precision NOT NULL,
	"support" integer NOT NULL,
	"train_count" integer NOT NULL,
	"test_count" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"promoted_at" timestamp (3) with time zone,
	"promoted_by" text,
	"promoted_version" integer
);
--> statement-breakpoint
CREATE TABLE "learning"."rule_extraction_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"workflow_version" integer NOT NULL,
	"node_id" text NOT NULL,
	"seed" integer NOT NULL,
	"outcomes" jsonb NOT NULL,
	"status" text DEFAULT 'QUEUED' NOT NULL,
	"progress" double precision DEFAULT 0 NOT NULL,
	"split" jsonb,
	"notes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp (3) with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "learning"."sample_fields" (
	"tenant_id" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"field" text NOT NULL,
	"numeric" boolean NOT NULL,
	"min" double precision,
	"max" double precision,
	"categories" text[] DEFAULT '{}' NOT NULL,
	CONSTRAINT "sample_fields_tenant_id_workflow_id_field_pk" PRIMARY KEY("tenant_id","workflow_id","field")
);
--> statement-breakpoint
CREATE TABLE "learning"."sample_vectors" (
	"execution_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"signature" text NOT NULL,
	"embedding" real[] NOT NULL
);
--> statement-breakpoint
CREATE INDEX "executions_samples_idx" ON "learning"."executions" USING btree ("tenant_id","workflow_id","labelled_at") WHERE "learning"."executions"."label" is not null;--> statement-breakpoint
CREATE INDEX "executions_tenant_workflow_idx" ON "learning"."executions" USING btree ("tenant_id","workflow_id","judged_at");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "learning"."outbox" USING btree ("position") WHERE "learning"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_unconfirmed_idx" ON "learning"."outbox" USING btree ("event_type","position") WHERE "learning"."outbox"."published_at" is not null and "learning"."outbox"."confirmed_at" is null;--> statement-breakpoint
CREATE INDEX "rule_candidates_job_idx" ON "learning"."rule_candidates" USING btree ("job_id","f1");--> statement-breakpoint
CREATE INDEX "rule_extraction_jobs_due_idx" ON "learning"."rule_extraction_jobs" USING btree ("created_at") WHERE "learning"."rule_extraction_jobs"."status" in ('QUEUED', 'RUNNING');--> statement-breakpoint
CREATE INDEX "rule_extraction_jobs_tenant_idx" ON "learning"."rule_extraction_jobs" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "sample_vectors_space_idx" ON "learning"."sample_vectors" USING btree ("tenant_id","workflow_id","signature");