import { builder } from '../builder.ts';
import { partnerEventTypes, type EventSubscriptionRow } from '../db/schema.ts';
import {
  createEventSubscription,
  deleteEventSubscription,
  eventSubscriptionCursor,
  listEventSubscriptions,
  updateEventSubscription,
} from '../domain/event-subscriptions.ts';
import { BreakerState } from './action-target.ts';

const screamingSnake = (type: string) => type.replace('.', '_').toUpperCase();

export const PartnerEventType = builder.enumType('PartnerEventType', {
  description: 'Platform events a partner can subscribe to.',
  values: Object.fromEntries(partnerEventTypes.map((type) => [screamingSnake(type), { value: type }])),
});

export const EventSubscription = builder.objectRef<EventSubscriptionRow>('EventSubscription').implement({
  description: "A partner's webhook: each matching event is POSTed as a CloudEvents 1.0 JSON envelope, signed, retried, behind its own breaker.",
  authScopes: { admin: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    url: t.exposeString('url'),
    eventTypes: t.field({ type: [PartnerEventType], resolve: (subscription) => subscription.eventTypes }),
    workflowId: t.exposeID('workflowId', { nullable: true, description: 'Only events of this workflow, when set.' }),
    headers: t.expose('headers', { type: 'JSON' }),
    hasSecret: t.boolean({ resolve: (subscription) => subscription.secret !== null }),
    breakerState: t.field({
      type: BreakerState,
      resolve: async (subscription, _args, context) => (await context.deps.breakers.status(`subscription:${subscription.id}`)).state,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy'),
    cursor: t.string({ resolve: eventSubscriptionCursor }),
  }),
});

const EventSubscriptionInput = builder.inputType('EventSubscriptionInput', {
  description: 'On update, only the fields given change.',
  fields: (t) => ({
    name: t.string({ description: '1–100 characters.' }),
    url: t.string({ description: 'http(s); private, loopback and link-local addresses are refused.' }),
    eventTypes: t.field({ type: [PartnerEventType] }),
    workflowId: t.id({ description: 'Only events of this workflow.' }),
    headers: t.field({ type: 'JSON' }),
    secret: t.string({ description: 'Write-only signing secret: "whsec_" and the base64 of 24–64 random bytes.' }),
  }),
});

builder.queryField('eventSubscriptions', (t) =>
  t.field({
    type: [EventSubscription],
    authScopes: { admin: true },
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
    resolve: (_root, args, context) => listEventSubscriptions(context.deps, context.identity.tenantId, args),
  }),
);

builder.mutationFields((t) => ({
  createEventSubscription: t.field({
    type: EventSubscription,
    authScopes: { admin: true },
    args: { input: t.arg({ type: EventSubscriptionInput, required: true }) },
    resolve: (_root, { input }, context) => createEventSubscription(context.deps, context.identity, input),
  }),
  updateEventSubscription: t.field({
    type: EventSubscription,
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: EventSubscriptionInput, required: true }) },
    resolve: (_root, { id, input }, context) => updateEventSubscription(context.deps, context.identity, String(id), input),
  }),
  deleteEventSubscription: t.boolean({
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => deleteEventSubscription(context.deps, context.identity, String(id)),
  }),
}));
