CREATE SCHEMA "judgment";
--> statement-breakpoint
CREATE TABLE "judgment"."judgment_executions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"workflow_version" integer NOT NULL,
	"status" text NOT NULL,
	"decision" text NOT NULL,
	"confidence" double precision NOT NULL,
	"explanation" text NOT NULL,
	"method" text NOT NULL,
	"method_used" text NOT NULL,
	"cached" boolean NOT NULL,
	"input_data" jsonb NOT NULL,
	"execution_time_ms" double precision NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "judgment_executions_tenant_workflow_created_idx" ON "judgment"."judgment_executions" USING btree ("tenant_id","workflow_id","created_at","id");--> statement-breakpoint
CREATE INDEX "judgment_executions_tenant_created_idx" ON "judgment"."judgment_executions" USING btree ("tenant_id","created_at","id");