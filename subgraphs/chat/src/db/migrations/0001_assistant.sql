ALTER TABLE "chat"."chat_messages" ADD COLUMN "status" text DEFAULT 'COMPLETE' NOT NULL;--> statement-breakpoint
ALTER TABLE "chat"."chat_messages" ADD COLUMN "intent" text;--> statement-breakpoint
ALTER TABLE "chat"."chat_messages" ADD COLUMN "routed_calls" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "chat"."chat_messages" ADD COLUMN "attachments" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "chat"."chat_sessions" ADD COLUMN "context" jsonb DEFAULT '{}'::jsonb NOT NULL;