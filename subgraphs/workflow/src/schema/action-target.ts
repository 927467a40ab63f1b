import { builder } from '../builder.ts';
import type { ActionTargetRow } from '../db/schema.ts';
import {
  actionTargetCursor,
  createActionTarget,
  deleteActionTarget,
  listActionTargets,
  testActionTarget,
  updateActionTarget,
  type TargetTest,
} from '../domain/action-targets.ts';

export const ActionKind = builder.enumType('ActionKind', {
  description: 'How an action is delivered.',
  values: {
    WEBHOOK: { value: 'webhook', description: 'A JSON POST to the URL, signed (Standard Webhooks) when the target has a secret.' },
    NOTIFICATION: { value: 'notification', description: 'A Slack-compatible message (`{ text }` unless the node has a template), POSTed like a webhook.' },
    LOG: { value: 'log', description: 'Written to the workflow service log; nothing is sent.' },
  } as const,
});

export const BreakerState = builder.enumType('BreakerState', {
  description: 'The circuit breaker of a target: OPEN after 5 failures in a row, HALF_OPEN 60 s later, when one probe decides.',
  values: { CLOSED: { value: 'closed' }, OPEN: { value: 'open' }, HALF_OPEN: { value: 'half-open' } } as const,
});

export const ActionTarget = builder.objectRef<ActionTargetRow>('ActionTarget').implement({
  description: 'A named place action nodes deliver to. Its signing secret can be set, never read.',
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { description: 'What action nodes name in `target`.' }),
    kind: t.expose('kind', { type: ActionKind }),
    url: t.exposeString('url', { nullable: true }),
    headers: t.expose('headers', { type: 'JSON', description: 'Extra request headers sent with every delivery.' }),
    hasSecret: t.boolean({ description: 'Whether deliveries are signed; the secret itself is never returned.', resolve: (target) => target.secret !== null }),
    breakerState: t.field({
      type: BreakerState,
      resolve: async (target, _args, context) => (await context.deps.breakers.status(`target:${target.id}`)).state,
    }),
    openedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the breaker last opened, while it is open or half-open.',
      resolve: async (target, _args, context) => (await context.deps.breakers.status(`target:${target.id}`)).openedAt,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    updatedBy: t.exposeString('updatedBy'),
    cursor: t.string({ description: 'Pass as `after` to `actionTargets` to continue after this one.', resolve: actionTargetCursor }),
  }),
});

const ActionTargetTest = builder.objectRef<TargetTest>('ActionTargetTest').implement({
  description: 'How a target answered a signed ping.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok', { description: 'It answered 2xx.' }),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    latencyMs: t.exposeFloat('latencyMs'),
    error: t.exposeString('error', { nullable: true }),
  }),
});

const targetFields = (required: boolean) => (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  name: t.string({ required, description: '1–64 letters, digits, "_", "-" or "."; unique in your tenant.' }),
  kind: t.field({ type: ActionKind, required }),
  url: t.string({ description: 'http(s); required for webhooks and notifications. Private, loopback and link-local addresses are refused.' }),
  headers: t.field({ type: 'JSON', description: 'Extra headers, e.g. { "Authorization": "Bearer …" }: at most 20.' }),
  secret: t.string({ description: 'Write-only signing secret: "whsec_" and the base64 of 24–64 random bytes. null removes it.' }),
});

const CreateActionTargetInput = builder.inputType('CreateActionTargetInput', { fields: targetFields(true) });
const UpdateActionTargetInput = builder.inputType('UpdateActionTargetInput', {
  description: 'Only the fields given change.',
  fields: targetFields(false),
});

builder.queryFields((t) => ({
  actionTarget: t.field({
    type: ActionTarget,
    nullable: true,
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.loaders.actionTarget.load(String(id)),
  }),
  actionTargets: t.field({
    type: [ActionTarget],
    authScopes: { viewer: true },
    description: "Your tenant's action targets, newest first.",
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
    resolve: (_root, args, context) => listActionTargets(context.deps, context.identity.tenantId, args),
  }),
}));

builder.mutationFields((t) => ({
  createActionTarget: t.field({
    type: ActionTarget,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateActionTargetInput, required: true }) },
    resolve: (_root, { input }, context) => createActionTarget(context.deps, context.identity, input),
  }),
  updateActionTarget: t.field({
    type: ActionTarget,
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateActionTargetInput, required: true }) },
    resolve: (_root, { id, input }, context) => updateActionTarget(context.deps, context.identity, String(id), input),
  }),
  deleteActionTarget: t.boolean({
    authScopes: { admin: true },
    description: 'Runs still waiting for it fail, saying the target was deleted.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => deleteActionTarget(context.deps, context.identity, String(id)),
  }),
  testActionTarget: t.field({
    type: ActionTargetTest,
    authScopes: { admin: true },
    description: 'Sends a signed ping and reports the answer; nothing is recorded or retried.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => testActionTarget(context.deps, context.identity, String(id)),
  }),
}));
