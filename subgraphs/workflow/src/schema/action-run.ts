import { builder } from '../builder.ts';
import { actionRunStatuses, type ActionAttemptRow, type ActionRunRow } from '../db/schema.ts';
import { actionRunCursor, cancelActionRun, listActionRuns, retryActionRun } from '../domain/action-runs.ts';
import { ActionKind, ActionTarget } from './action-target.ts';
import { EventSubscription } from './event-subscription.ts';

export const ActionRunStatus = builder.enumType('ActionRunStatus', { values: actionRunStatuses });

/** Owned by the judgment subgraph; this one adds the deliveries its actions made. */
export const JudgmentExecution = builder.externalRef('JudgmentExecution', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});

const ActionAttempt = builder.objectRef<ActionAttemptRow>('ActionAttempt').implement({
  description: 'One try at delivering a run, as it went.',
  fields: (t) => ({
    number: t.exposeInt('number'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    durationMs: t.exposeFloat('durationMs'),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    responseBody: t.exposeString('responseBody', { nullable: true, description: 'The start of the answer, at most 2 KiB.' }),
    error: t.exposeString('error', { nullable: true, description: 'What went wrong without an answer: a timeout, a refused address, a connection closed mid-answer.' }),
  }),
});

export const ActionRun = builder.objectRef<ActionRunRow>('ActionRun').implement({
  description: 'One delivery: an action node a judgment passed, or an event a partner subscribed to.',
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Also the `webhook-id` header of every attempt.' }),
    status: t.expose('status', { type: ActionRunStatus }),
    kind: t.expose('kind', { type: ActionKind }),
    idempotencyKey: t.exposeString('idempotencyKey', { description: 'Sent as `Idempotency-Key`, the same on every attempt: execution and node, or event and subscription.' }),
    target: t.field({
      type: ActionTarget,
      nullable: true,
      resolve: (run, _args, context) => (run.targetId ? context.loaders.actionTarget.load(run.targetId) : null),
    }),
    subscription: t.field({
      type: EventSubscription,
      nullable: true,
      resolve: (run, _args, context) => (run.subscriptionId ? context.loaders.eventSubscription.load(run.subscriptionId) : null),
    }),
    url: t.exposeString('url', { nullable: true, description: "A node's inline URL, when it names no target." }),
    execution: t.field({ type: JudgmentExecution, nullable: true, resolve: (run) => (run.executionId ? { id: run.executionId } : null) }),
    nodeId: t.exposeString('nodeId', { nullable: true }),
    eventType: t.exposeString('eventType', { nullable: true, description: 'The event a subscription delivery carries.' }),
    payload: t.expose('payload', { type: 'JSON', description: 'The body sent: the rendered template, or a CloudEvent for a subscription.' }),
    missingPlaceholders: t.exposeStringList('missingPlaceholders', { description: 'Template placeholders the judgment had no value for; they rendered as null.' }),
    attempts: t.exposeInt('attempts'),
    attemptLog: t.field({ type: [ActionAttempt], resolve: (run, _args, context) => context.loaders.attemptsOfRun.load(run.id) }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (run) => (run.status === 'PENDING' ? run.nextAttemptAt : null) }),
    lastError: t.exposeString('lastError', { nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    cursor: t.string({ description: 'Pass as `after` to `actionRuns` to continue after this run.', resolve: actionRunCursor }),
  }),
});

builder.asEntity(ActionRun, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (reference, context) => context.loaders.actionRun.load(String(reference.id ?? '')),
});

builder.objectField(JudgmentExecution, 'actionRuns', (t) =>
  t.field({
    type: [ActionRun],
    authScopes: { viewer: true },
    description: 'The deliveries of the action nodes this judgment passed, oldest first.',
    resolve: (execution, _args, context) => context.loaders.runsOfExecution.load(execution.id),
  }),
);

const ActionRunFilter = builder.inputType('ActionRunFilter', {
  fields: (t) => ({
    status: t.field({ type: ActionRunStatus }),
    targetId: t.id(),
    executionId: t.id(),
    from: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    to: t.field({ type: 'DateTime', description: 'Inclusive.' }),
  }),
});

builder.queryField('actionRuns', (t) =>
  t.field({
    type: [ActionRun],
    authScopes: { viewer: true },
    description: "Your tenant's deliveries, newest first.",
    args: { filter: t.arg({ type: ActionRunFilter }), first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
    resolve: (_root, { filter, ...page }, context) =>
      listActionRuns(context.deps, context.identity.tenantId, {
        ...page,
        filter: filter && { ...filter, targetId: filter.targetId == null ? null : String(filter.targetId), executionId: filter.executionId == null ? null : String(filter.executionId) },
      }),
  }),
);

builder.mutationFields((t) => ({
  retryActionRun: t.field({
    type: ActionRun,
    authScopes: { operator: true },
    description: 'Tries a failed run again, with a fresh retry schedule and the same idempotency key.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => retryActionRun(context.deps, context.identity, String(id)),
  }),
  cancelActionRun: t.field({
    type: ActionRun,
    authScopes: { operator: true },
    description: 'Stops a waiting (or failed) run from being sent again.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => cancelActionRun(context.deps, context.identity, String(id)),
  }),
}));
