import { AppError } from '@judgify/runtime/errors';
import type { Identity } from '@judgify/runtime/identity';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { invalidInput, isUuid, validateInput } from '@judgify/runtime/validation';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { eventSubscriptions, partnerEventTypes, type EventSubscriptionRow } from '../db/schema.ts';
import { checkTargetUrl, RefusedTarget } from '../delivery/safe-address.ts';
import { headersSchema, secretSchema, type ActionTargetDeps } from './action-targets.ts';

const subscriptionFields = {
  name: z.string().trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters'),
  url: z.string().max(2000, 'url must be at most 2000 characters'),
  eventTypes: z
    .array(z.enum(partnerEventTypes, { error: `each event type must be one of ${partnerEventTypes.join(', ')}` }))
    .min(1, 'subscribe to at least one event type')
    .transform((types) => [...new Set(types)]),
  workflowId: z.string().refine(isUuid, 'workflowId must be the id (a UUID) of a workflow').nullish(),
  headers: headersSchema.nullish(),
  secret: secretSchema.nullish(),
};
const createInput = z.object(subscriptionFields);
const updateInput = z.object(subscriptionFields).partial();

export interface EventSubscriptionInput {
  name?: string | null;
  url?: string | null;
  eventTypes?: readonly string[] | null;
  workflowId?: string | number | null;
  headers?: unknown;
  secret?: string | null;
}

const notFound = (id: string) => new AppError('NOT_FOUND', `There is no event subscription with id "${id}" in your tenant.`, { id });
const visibleTo = (tenantId: string) => and(eq(eventSubscriptions.tenantId, tenantId), isNull(eventSubscriptions.deletedAt));

async function safeUrl(deps: ActionTargetDeps, url: string | undefined): Promise<void> {
  if (url === undefined) return;
  try {
    await checkTargetUrl(url, deps.allowPrivateTargets);
  } catch (error) {
    if (!(error instanceof RefusedTarget)) throw error;
    throw invalidInput([{ path: 'input.url', message: error.message }]);
  }
}

const normalized = (input: EventSubscriptionInput) => ({ ...input, workflowId: input.workflowId == null ? input.workflowId : String(input.workflowId) });

/**
 * A partner's subscription: every event of the chosen types in the tenant (of one workflow, if
 * given) is delivered to the URL as a CloudEvent, signed with the subscription's secret.
 */
export async function createEventSubscription(deps: ActionTargetDeps, actor: Identity, input: EventSubscriptionInput): Promise<EventSubscriptionRow> {
  const valid = validateInput(createInput, normalized(input));
  await safeUrl(deps, valid.url);
  const [row] = await deps.db
    .insert(eventSubscriptions)
    .values({
      tenantId: actor.tenantId,
      name: valid.name,
      url: valid.url,
      eventTypes: valid.eventTypes,
      workflowId: valid.workflowId ?? null,
      headers: valid.headers ?? {},
      secret: valid.secret ?? null,
      createdBy: actor.userId,
      updatedBy: actor.userId,
    })
    .returning();
  return row!;
}

export async function updateEventSubscription(deps: ActionTargetDeps, actor: Identity, id: string, input: EventSubscriptionInput): Promise<EventSubscriptionRow> {
  const valid = validateInput(updateInput, normalized(input));
  await safeUrl(deps, valid.url);
  const changes = Object.fromEntries(Object.entries(valid).filter(([, value]) => value !== undefined));
  const [row] = isUuid(id)
    ? await deps.db
        .update(eventSubscriptions)
        .set({ ...changes, updatedBy: actor.userId, updatedAt: new Date() })
        .where(and(visibleTo(actor.tenantId), eq(eventSubscriptions.id, id)))
        .returning()
    : [];
  if (!row) throw notFound(id);
  return row;
}

export async function deleteEventSubscription(deps: ActionTargetDeps, actor: Identity, id: string): Promise<boolean> {
  const deleted = isUuid(id)
    ? await deps.db
        .update(eventSubscriptions)
        .set({ deletedAt: new Date(), deletedBy: actor.userId })
        .where(and(visibleTo(actor.tenantId), eq(eventSubscriptions.id, id)))
        .returning({ id: eventSubscriptions.id })
    : [];
  if (!deleted.length) throw notFound(id);
  return true;
}

export async function findEventSubscriptions(deps: ActionTargetDeps, tenantId: string, ids: readonly string[]): Promise<Array<EventSubscriptionRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length ? await deps.db.select().from(eventSubscriptions).where(and(visibleTo(tenantId), inArray(eventSubscriptions.id, wellFormed))) : [];
  return inIdOrder(ids, rows);
}

export async function listEventSubscriptions(deps: ActionTargetDeps, tenantId: string, page: { first?: number | null; after?: string | null }): Promise<EventSubscriptionRow[]> {
  return deps.db
    .select()
    .from(eventSubscriptions)
    .where(and(visibleTo(tenantId), afterCursor(eventSubscriptions, decodeCursor(page.after), 'desc')))
    .orderBy(desc(eventSubscriptions.createdAt), desc(eventSubscriptions.id))
    .limit(pageSize(page.first));
}

export const eventSubscriptionCursor = (row: EventSubscriptionRow) => encodeCursor({ createdAt: row.createdAt, id: row.id });
