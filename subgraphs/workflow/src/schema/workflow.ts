import { builder } from '../builder.ts';
import type { WorkflowRow } from '../db/schema.ts';
import { createWorkflow, listWorkflows, workflowCursor } from '../domain/workflow.ts';

export const Workflow = builder.objectRef<WorkflowRow>('Workflow').implement({
  description: 'A decision described as a graph of judgment, action and output nodes.',
  // Entities are also reached through `_entities`, which no root field guards.
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    definition: t.expose('definition', { type: 'JSON', description: 'The graph: { startNode, nodes, edges }.' }),
    version: t.exposeInt('version'),
    isActive: t.exposeBoolean('isActive'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    updatedBy: t.exposeString('updatedBy'),
    cursor: t.string({
      description: 'Pass as `after` to `workflows` to continue after this workflow.',
      resolve: workflowCursor,
    }),
  }),
});

builder.asEntity(Workflow, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (reference, context) => context.loaders.workflow.load(reference.id),
});

const CreateWorkflowInput = builder.inputType('CreateWorkflowInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '3–50 characters: letters (any script), digits, space, "_" or "-".' }),
    description: t.string({ description: 'At most 500 characters.' }),
    definition: t.field({ type: 'JSON', required: true, description: '{ startNode, nodes: [...], edges: [...] }' }),
  }),
});

builder.queryFields((t) => ({
  workflow: t.field({
    type: Workflow,
    nullable: true,
    authScopes: { viewer: true },
    description: 'A workflow of your tenant, or null if there is none with this id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.loaders.workflow.load(String(id)),
  }),
  workflows: t.field({
    type: [Workflow],
    authScopes: { viewer: true },
    description: 'Workflows of your tenant, newest first.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last workflow of the previous page.' }),
    },
    resolve: (_root, args, context) => listWorkflows(context.deps, context.identity.tenantId, args),
  }),
}));

builder.mutationFields((t) => ({
  createWorkflow: t.field({
    type: Workflow,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateWorkflowInput, required: true }) },
    resolve: (_root, { input }, context) => createWorkflow(context.deps, context.identity, input),
  }),
}));
