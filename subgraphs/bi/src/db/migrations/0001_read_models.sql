CREATE TABLE "bi"."delivery_buckets" (
	"tenant_id" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"size" text NOT NULL,
	"bucket_start" timestamp (3) with time zone NOT NULL,
	"succeeded" integer NOT NULL,
	"failed" integer NOT NULL,
	"attempts" integer NOT NULL,
	"kinds" jsonb NOT NULL,
	CONSTRAINT "delivery_buckets_tenant_id_size_bucket_start_workflow_id_pk" PRIMARY KEY("tenant_id","size","bucket_start","workflow_id")
);
--> statement-breakpoint
CREATE TABLE "bi"."execution_verdicts" (
	"execution_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"correct" boolean NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL,
	"feedback_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bi"."feedback_buckets" (
	"tenant_id" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"size" text NOT NULL,
	"bucket_start" timestamp (3) with time zone NOT NULL,
	"judged" integer NOT NULL,
	"correct" integer NOT NULL,
	CONSTRAINT "feedback_buckets_tenant_id_size_bucket_start_workflow_id_pk" PRIMARY KEY("tenant_id","size","bucket_start","workflow_id")
);
--> statement-breakpoint
CREATE TABLE "bi"."processed_events" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"event_type" text NOT NULL,
	"processed_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bi"."judgment_buckets" (
	"tenant_id" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"method" text NOT NULL,
	"size" text NOT NULL,
	"bucket_start" timestamp (3) with time zone NOT NULL,
	"count" integer NOT NULL,
	"succeeded" integer NOT NULL,
	"failed" integer NOT NULL,
	"duration_sum_ms" double precision NOT NULL,
	"duration_cells" jsonb NOT NULL,
	"confidence_sum" double precision NOT NULL,
	"confidence_count" integer NOT NULL,
	"decisions" jsonb NOT NULL,
	"methods_used" jsonb NOT NULL,
	CONSTRAINT "judgment_buckets_tenant_id_size_bucket_start_workflow_id_method_pk" PRIMARY KEY("tenant_id","size","bucket_start","workflow_id","method")
);
--> statement-breakpoint
CREATE TABLE "bi"."outbox" (
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
CREATE INDEX "delivery_buckets_prune_idx" ON "bi"."delivery_buckets" USING btree ("size","bucket_start");--> statement-breakpoint
CREATE INDEX "feedback_buckets_prune_idx" ON "bi"."feedback_buckets" USING btree ("size","bucket_start");--> statement-breakpoint
CREATE INDEX "judgment_buckets_prune_idx" ON "bi"."judgment_buckets" USING btree ("size","bucket_start");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "bi"."outbox" USING btree ("position") WHERE "bi"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_unconfirmed_idx" ON "bi"."outbox" USING btree ("event_type","position") WHERE "bi"."outbox"."published_at" is not null and "bi"."outbox"."confirmed_at" is null;--> statement-breakpoint
UPDATE "bi"."dashboards" SET "views" = (SELECT coalesce(jsonb_agg(view || jsonb_build_object('id', gen_random_uuid())), '[]'::jsonb) FROM jsonb_array_elements("views") AS view) WHERE jsonb_array_length("views") > 0;
