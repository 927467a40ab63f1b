-- Workflows created before the event store existed get their WorkflowCreated event, so every
-- workflow's history starts at version 1.
INSERT INTO "workflow"."workflow_events" ("tenant_id", "aggregate_id", "version", "type", "payload", "user_id", "occurred_at")
SELECT w."tenant_id", w."id", 1, 'WorkflowCreated',
       jsonb_build_object('name', w."name", 'description', w."description", 'definition', w."definition"),
       w."created_by", w."created_at"
FROM "workflow"."workflows" w
WHERE NOT EXISTS (SELECT 1 FROM "workflow"."workflow_events" e WHERE e."aggregate_id" = w."id");
