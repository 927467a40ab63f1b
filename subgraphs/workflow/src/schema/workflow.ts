import { decisionsOf, inputFieldsOf } from '@judgify/workflow-definition/fields';
import { builder } from '../builder.ts';
import type { WorkflowRow } from '../db/schema.ts';
import { workflowChanges } from '../domain/live.ts';
import {
  createWorkflow,
  deleteWorkflow,
  listWorkflows,
  setWorkflowActive,
  updateWorkflow,
  workflowCursor,
} from '../domain/workflow.ts';

export const Workflow = builder.objectRef<WorkflowRow>('Workflow').implement({
  description: 'A decision described as a graph of judgment, action and output nodes.',
  // Entities are also reached through `_entities`, which no root field guards.
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    definition: t.expose('definition', { type: 'JSON', description: 'The graph: { startNode, nodes, edges }.' }),
    version: t.exposeInt('version', { description: 'Starts at 1; every change adds one. Pass it as `expectedVersion` to change safely.' }),
    inputFields: t.stringList({
      description: 'The input fields its rules read, in first-use order: the keys `executeJudgment` input data needs.',
      resolve: (workflow) => inputFieldsOf(workflow.definition),
    }),
    decisions: t.stringList({
      description: 'The decisions its output nodes can reach.',
      resolve: (workflow) => decisionsOf(workflow.definition),
    }),
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
  // Representations are input too: one without an id resolves to nothing rather than failing.
  resolveReference: (reference, context) => context.loaders.workflow.load(String(reference.id ?? '')),
});

const CreateWorkflowInput = builder.inputType('CreateWorkflowInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '3–50 characters: letters (any script), digits, space, "_" or "-".' }),
    description: t.string({ description: 'At most 500 characters.' }),
    definition: t.field({ type: 'JSON', required: true, description: '{ startNode, nodes: [...], edges: [...] }' }),
  }),
});

const UpdateWorkflowInput = builder.inputType('UpdateWorkflowInput', {
  description: 'Only the fields given change; `description: null` clears the description.',
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    definition: t.field({ type: 'JSON' }),
  }),
});

const WorkflowFilter = builder.inputType('WorkflowFilter', {
  fields: (t) => ({
    nameContains: t.string({ description: 'Case-insensitive part of the name.' }),
    isActive: t.boolean(),
  }),
});

builder.queryFields((t) => ({
  workflow: t.field({
    type: Workflow,
    nullable: true,
    authScopes: { viewer: true },
    description: 'A workflow of your tenant, or null if there is none with this id (or it was deleted).',
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
      filter: t.arg({ type: WorkflowFilter }),
    },
    resolve: (_root, args, context) => listWorkflows(context.deps, context.identity.tenantId, args),
  }),
}));

const EXPECTED_VERSION = 'The version you last read; the change fails with CONFLICT if the workflow has moved on.';

builder.mutationFields((t) => ({
  createWorkflow: t.field({
    type: Workflow,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateWorkflowInput, required: true }) },
    resolve: (_root, { input }, context) => createWorkflow(context.deps, context.actor, input),
  }),
  updateWorkflow: t.field({
    type: Workflow,
    authScopes: { admin: true },
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateWorkflowInput, required: true }),
      expectedVersion: t.arg.int({ description: EXPECTED_VERSION }),
    },
    resolve: (_root, args, context) => updateWorkflow(context.deps, context.actor, String(args.id), args.input, args.expectedVersion),
  }),
  deactivateWorkflow: t.field({
    type: Workflow,
    authScopes: { admin: true },
    description: 'Stops new judgments on this workflow; reads and history stay.',
    args: { id: t.arg.id({ required: true }), expectedVersion: t.arg.int({ description: EXPECTED_VERSION }) },
    resolve: (_root, args, context) => setWorkflowActive(context.deps, context.actor, String(args.id), false, args.expectedVersion),
  }),
  reactivateWorkflow: t.field({
    type: Workflow,
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), expectedVersion: t.arg.int({ description: EXPECTED_VERSION }) },
    resolve: (_root, args, context) => setWorkflowActive(context.deps, context.actor, String(args.id), true, args.expectedVersion),
  }),
  deleteWorkflow: t.boolean({
    authScopes: { admin: true },
    description: 'Soft delete: the workflow disappears from queries and references; its history stays in the audit log.',
    args: { id: t.arg.id({ required: true }), expectedVersion: t.arg.int({ description: EXPECTED_VERSION }) },
    resolve: (_root, args, context) => deleteWorkflow(context.deps, context.actor, String(args.id), args.expectedVersion),
  }),
}));

builder.subscriptionField('workflowChanged', (t) =>
  t.field({
    type: Workflow,
    nullable: true,
    authScopes: { viewer: true },
    description: 'The workflow after each change (create, update, deactivation, reactivation); null once it is deleted.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, context) => workflowChanges(context.live, context.deps, context.identity.tenantId, String(id)),
    resolve: (workflow: WorkflowRow | null) => workflow,
  }),
);
