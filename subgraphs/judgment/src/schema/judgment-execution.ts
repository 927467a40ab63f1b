import { builder } from '../builder.ts';
import type { ExecutionRow } from '../db/schema.ts';
import { executeJudgment } from '../domain/execute.ts';
import { executionCursor, listExecutions } from '../domain/execution.ts';
import { judgmentsCompleted } from '../domain/live.ts';
import { ExecutionStatus } from './execution-status.ts';
import { JudgmentMethod } from './judgment-method.ts';
import { Workflow } from './workflow.ts';

export const JudgmentExecution = builder.objectRef<ExecutionRow>('JudgmentExecution').implement({
  description: 'One judgment of a workflow on one input, as it was decided and stored.',
  // Entities are also reached through `_entities`, which no root field guards.
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    workflow: t.field({ type: Workflow, resolve: (execution) => ({ id: execution.workflowId }) }),
    workflowVersion: t.exposeInt('workflowVersion', { description: 'The workflow version the judgment ran on.' }),
    status: t.expose('status', { type: ExecutionStatus }),
    decision: t.exposeString('decision'),
    confidence: t.exposeFloat('confidence', { description: '0–1.' }),
    explanation: t.exposeString('explanation'),
    method: t.expose('method', { type: JudgmentMethod, description: 'The method asked for.' }),
    methodUsed: t.expose('methodUsed', { type: JudgmentMethod, description: 'The method that decided.' }),
    cached: t.exposeBoolean('cached', {
      description:
        'Whether the result came from the judgment result cache rather than a new run. Only HYBRID and LLM judgments use the cache (300 s per workflow version, method and input), as they may ask the LLM; a RULE judgment is always run afresh, which costs less than a cache lookup, so it is always false.',
    }),
    inputData: t.expose('inputData', { type: 'JSON' }),
    executionTimeMs: t.exposeFloat('executionTimeMs'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    path: t.exposeStringList('path', { description: 'The node ids the run visited, in order.' }),
    nodeResults: t.expose('nodeResults', {
      type: 'JSON',
      description: 'Per judgment node: { nodeId, outcome, confidence, methodUsed, explanation }.',
    }),
    actionsTriggered: t.expose('actions', { type: 'JSON', description: 'The action nodes the run passed: [{ nodeId, action, url? }].' }),
    cursor: t.string({
      description: 'Pass as `after` to `Workflow.executions` to continue after this execution.',
      resolve: executionCursor,
    }),
  }),
});

builder.asEntity(JudgmentExecution, {
  key: builder.selection<{ id: string }>('id'),
  // Representations are input too: one without an id resolves to nothing rather than failing.
  resolveReference: (reference, context) => context.loaders.execution.load(String(reference.id ?? '')),
});

builder.objectField(Workflow, 'executions', (t) =>
  t.field({
    type: [JudgmentExecution],
    authScopes: { viewer: true },
    description: 'Executions of this workflow, newest first.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last execution of the previous page.' }),
    },
    resolve: (workflow, args, context) => context.loaders.executionsOfWorkflow.load({ workflowId: workflow.id, ...args }),
  }),
);

const ExecuteJudgmentInput = builder.inputType('ExecuteJudgmentInput', {
  fields: (t) => ({
    workflowId: t.id({ required: true }),
    inputData: t.field({ type: 'JSON', required: true, description: 'The record to judge: a JSON object, at most 1 MB, nested at most 10 levels.' }),
    method: t.field({ type: JudgmentMethod, defaultValue: 'HYBRID' }),
    workflowVersion: t.int({
      description: 'Run exactly this version of the workflow. By default the latest, including one written a moment ago through any replica.',
    }),
  }),
});

const JudgmentExecutionFilter = builder.inputType('JudgmentExecutionFilter', {
  fields: (t) => ({
    workflowId: t.id(),
    decision: t.string(),
    methodUsed: t.field({ type: JudgmentMethod }),
    from: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    to: t.field({ type: 'DateTime', description: 'Inclusive.' }),
  }),
});

builder.mutationField('executeJudgment', (t) =>
  t.field({
    type: JudgmentExecution,
    authScopes: { operator: true },
    description: 'Decides one record with a workflow (rules first, the LLM where they are unsure, by default) and stores the execution.',
    args: { input: t.arg({ type: ExecuteJudgmentInput, required: true }) },
    resolve: (_root, { input }, context) =>
      executeJudgment(context.deps, context.actor, {
        workflowId: String(input.workflowId),
        inputData: input.inputData,
        method: input.method,
        workflowVersion: input.workflowVersion,
      }),
  }),
);

builder.queryFields((t) => ({
  judgmentExecutions: t.field({
    type: [JudgmentExecution],
    authScopes: { viewer: true },
    description: 'Executions of your tenant, newest first, filtered.',
    args: {
      filter: t.arg({ type: JudgmentExecutionFilter }),
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last execution of the previous page.' }),
    },
    resolve: (_root, { filter, ...page }, context) =>
      listExecutions(context.deps, context.identity.tenantId, {
        ...page,
        filter: filter && { ...filter, workflowId: filter.workflowId == null ? null : String(filter.workflowId) },
      }),
  }),
  judgmentExecution: t.field({
    type: JudgmentExecution,
    nullable: true,
    authScopes: { viewer: true },
    description: 'An execution of your tenant, or null if there is none with this id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.loaders.execution.load(String(id)),
  }),
}));

builder.subscriptionField('judgmentCompleted', (t) =>
  t.field({
    type: JudgmentExecution,
    authScopes: { viewer: true },
    description: 'Executions of your tenant as they are stored; only those of `workflowId` when given.',
    args: { workflowId: t.arg.id() },
    subscribe: (_root, { workflowId }, context) =>
      judgmentsCompleted(context.live, context.deps, context.identity.tenantId, workflowId == null ? null : String(workflowId)),
    resolve: (execution: ExecutionRow) => execution,
  }),
);
