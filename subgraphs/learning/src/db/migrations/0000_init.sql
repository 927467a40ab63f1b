CREATE SCHEMA "learning";
--> statement-breakpoint
CREATE TABLE "learning"."feedback" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"execution_id" uuid NOT NULL,
	"verdict" text NOT NULL,
	"correct_decision" text,
	"comment" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "feedback_tenant_execution_created_idx" ON "learning"."feedback" USING btree ("tenant_id","execution_id","created_at");--> statement-breakpoint
CREATE INDEX "feedback_tenant_created_idx" ON "learning"."feedback" USING btree ("tenant_id","created_at","id");