import { builder } from '../builder.ts';
import { workflowEventTypes, type WorkflowEventRow } from '../db/schema.ts';
import { auditLog, eventCursor } from '../domain/workflow-history.ts';
import { Workflow } from './workflow.ts';

const screamingSnake = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

export const WorkflowEventType = builder.enumType('WorkflowEventType', {
  values: Object.fromEntries(workflowEventTypes.map((type) => [screamingSnake(type), { value: type }])),
});

export const WorkflowEvent = builder.objectRef<WorkflowEventRow>('WorkflowEvent').implement({
  description: 'One change of a workflow, as stored in its append-only event store.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Also the eventId of the matching workflow.* bus event.' }),
    workflowId: t.exposeID('aggregateId'),
    version: t.exposeInt('version', { description: 'The workflow version this event produced.' }),
    type: t.field({ type: WorkflowEventType, resolve: (event) => event.type }),
    payload: t.expose('payload', { type: 'JSON', description: 'Created: the full content; Updated: the changed fields; others: {}.' }),
    userId: t.exposeString('userId', { description: 'The user the change was made for.' }),
    via: t.exposeStringList('via', {
      nullable: true,
      description: "The platform services a delegated change came through, outermost first (['learning'] for a promoted rule); null when the user made it directly.",
    }),
    correlationId: t.exposeString('correlationId', { nullable: true, description: 'The request id of the change.' }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    cursor: t.string({ description: 'Pass as `after` to `workflowAuditLog` to continue after this event.', resolve: eventCursor }),
  }),
});

builder.objectField(Workflow, 'history', (t) =>
  t.field({
    type: [WorkflowEvent],
    authScopes: { viewer: true },
    description: 'Every change of this workflow, oldest first.',
    args: {
      first: t.arg.int({ defaultValue: 100, description: 'Page size, 1–100.' }),
      afterVersion: t.arg.int({ description: 'Continue after this version.' }),
    },
    resolve: (workflow, args, context) => context.loaders.history.load({ workflowId: workflow.id, ...args }),
  }),
);

const WorkflowAuditFilter = builder.inputType('WorkflowAuditFilter', {
  fields: (t) => ({
    workflowId: t.id(),
    userId: t.string({ description: 'Who made the change (the token subject).' }),
    types: t.field({ type: [WorkflowEventType] }),
    from: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    to: t.field({ type: 'DateTime', description: 'Inclusive.' }),
  }),
});

builder.queryField('workflowAuditLog', (t) =>
  t.field({
    type: [WorkflowEvent],
    authScopes: { admin: true },
    description: "Your tenant's workflow changes, newest first, including those of deleted workflows.",
    args: {
      filter: t.arg({ type: WorkflowAuditFilter }),
      first: t.arg.int({ defaultValue: 50, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last event of the previous page.' }),
    },
    resolve: (_root, args, context) =>
      auditLog(context.deps, context.identity.tenantId, {
        ...args,
        filter: args.filter && { ...args.filter, workflowId: args.filter.workflowId == null ? null : String(args.filter.workflowId) },
      }),
  }),
);
