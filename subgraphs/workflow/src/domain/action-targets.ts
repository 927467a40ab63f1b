import { randomUUID } from 'node:crypto';
import type { Database } from '@judgify/runtime/database';
import { AppError } from '@judgify/runtime/errors';
import type { Identity } from '@judgify/runtime/identity';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { invalidInput, isUuid, validateInput } from '@judgify/runtime/validation';
import { ACTION_TARGET_NAME, actionKinds, type WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { actionTargets, type ActionTargetRow } from '../db/schema.ts';
import { sendDelivery } from '../delivery/http-sender.ts';
import { checkTargetUrl, RefusedTarget } from '../delivery/safe-address.ts';
import { signedHeaders } from '../delivery/signed-headers.ts';

export interface ActionTargetDeps {
  db: Database<typeof tables>;
  /** Loopback, private and link-local addresses allowed (embedded development): ACTION_ALLOW_PRIVATE_TARGETS. */
  allowPrivateTargets: boolean;
  /** One attempt's budget, as for deliveries. */
  deliveryTimeoutMs: number;
}

/** Headers Judgify sets itself on every delivery; a target cannot override them. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'idempotency-key', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'user-agent']);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

/**
 * Standard Webhooks signing secrets: `whsec_` and the base64 of 24 to 64 random bytes, as the
 * `standardwebhooks` libraries of every language read them.
 */
export const secretSchema = z.string().refine((secret) => {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  const bytes = match ? Buffer.from(match[1]!, 'base64').length : 0;
  return bytes >= 24 && bytes <= 64;
}, 'secret must be "whsec_" followed by the base64 of 24 to 64 random bytes, e.g. "whsec_$(openssl rand -base64 32)"');

export const headersSchema = z
  .record(z.string(), z.string().max(2000, 'a header value may be at most 2000 characters'))
  .superRefine((headers, context) => {
    const names = Object.keys(headers);
    if (names.length > 20) context.addIssue({ code: 'custom', message: `at most 20 headers; got ${names.length}` });
    for (const name of names) {
      if (!HEADER_NAME.test(name)) context.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a header name` });
      else if (RESERVED_HEADERS.has(name.toLowerCase())) context.addIssue({ code: 'custom', path: [name], message: `${name} is set by Judgify on every delivery` });
      else if (/[\r\n]/.test(headers[name]!)) context.addIssue({ code: 'custom', path: [name], message: 'a header value may not contain line breaks' });
    }
  });

const kindSchema = z.enum(actionKinds, { error: `kind must be one of ${actionKinds.join(', ')}` });

const targetFields = {
  name: z.string().regex(ACTION_TARGET_NAME, 'name must be 1-64 letters, digits, "_", "-" or "."'),
  kind: kindSchema,
  url: z.string().max(2000, 'url must be at most 2000 characters').nullish(),
  headers: headersSchema.nullish(),
  secret: secretSchema.nullish(),
};

const createInput = z.object(targetFields).superRefine((input, context) => {
  if (input.kind !== 'log' && !input.url) context.addIssue({ code: 'custom', path: ['url'], message: `url is required for a ${input.kind} target` });
});
const updateInput = z.object(targetFields).partial();

export interface ActionTargetInput {
  name?: string | null;
  kind?: string | null;
  url?: string | null;
  headers?: unknown;
  secret?: string | null;
}

/** Checks the URL as deliveries will use it; a refusal is bad input on `input.url`. */
async function safeUrl(deps: ActionTargetDeps, url: string | null | undefined): Promise<void> {
  if (!url) return;
  try {
    await checkTargetUrl(url, deps.allowPrivateTargets);
  } catch (error) {
    if (!(error instanceof RefusedTarget)) throw error;
    throw invalidInput([{ path: 'input.url', message: error.message }]);
  }
}

const PG_UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (error: unknown) =>
  [(error as { code?: string }).code, (error as { cause?: { code?: string } }).cause?.code].includes(PG_UNIQUE_VIOLATION);

const nameTaken = (name: string) => new AppError('CONFLICT', `Your tenant already has an action target named "${name}"; choose another name or update that one.`, { field: 'input.name' });

const notFound = (id: string) => new AppError('NOT_FOUND', `There is no action target with id "${id}" in your tenant.`, { id });

const visibleTo = (tenantId: string) => and(eq(actionTargets.tenantId, tenantId), isNull(actionTargets.deletedAt));

export async function createActionTarget(deps: ActionTargetDeps, actor: Identity, input: ActionTargetInput): Promise<ActionTargetRow> {
  const valid = validateInput(createInput, { ...input, kind: input.kind?.toLowerCase() });
  await safeUrl(deps, valid.url);
  try {
    const [row] = await deps.db
      .insert(actionTargets)
      .values({
        tenantId: actor.tenantId,
        name: valid.name,
        kind: valid.kind,
        url: valid.url ?? null,
        headers: valid.headers ?? {},
        secret: valid.secret ?? null,
        createdBy: actor.userId,
        updatedBy: actor.userId,
      })
      .returning();
    return row!;
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(valid.name);
    throw error;
  }
}

/** Only the fields given change; `secret: null` removes the secret (deliveries go unsigned). */
export async function updateActionTarget(deps: ActionTargetDeps, actor: Identity, id: string, input: ActionTargetInput): Promise<ActionTargetRow> {
  const valid = validateInput(updateInput, { ...input, kind: input.kind?.toLowerCase() ?? input.kind });
  const [current] = isUuid(id) ? await deps.db.select().from(actionTargets).where(and(visibleTo(actor.tenantId), eq(actionTargets.id, id))) : [];
  if (!current) throw notFound(id);
  const next = { ...current, ...Object.fromEntries(Object.entries(valid).filter(([, value]) => value !== undefined)) } as ActionTargetRow;
  if (next.kind !== 'log' && !next.url) throw invalidInput([{ path: 'input.url', message: `url is required for a ${next.kind} target` }]);
  if (valid.url !== undefined) await safeUrl(deps, valid.url);
  try {
    const [row] = await deps.db
      .update(actionTargets)
      .set({ name: next.name, kind: next.kind, url: next.url, headers: next.headers ?? {}, secret: next.secret, updatedBy: actor.userId, updatedAt: new Date() })
      .where(eq(actionTargets.id, current.id))
      .returning();
    return row!;
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(next.name);
    throw error;
  }
}

/** Soft delete; runs still waiting for it fail, saying so, when their turn comes. */
export async function deleteActionTarget(deps: ActionTargetDeps, actor: Identity, id: string): Promise<boolean> {
  const deleted = isUuid(id)
    ? await deps.db
        .update(actionTargets)
        .set({ deletedAt: new Date(), deletedBy: actor.userId })
        .where(and(visibleTo(actor.tenantId), eq(actionTargets.id, id)))
        .returning({ id: actionTargets.id })
    : [];
  if (!deleted.length) throw notFound(id);
  return true;
}

export async function findActionTargets(deps: ActionTargetDeps, tenantId: string, ids: readonly string[]): Promise<Array<ActionTargetRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length ? await deps.db.select().from(actionTargets).where(and(visibleTo(tenantId), inArray(actionTargets.id, wellFormed))) : [];
  return inIdOrder(ids, rows);
}

export async function actionTargetsNamed(db: ActionTargetDeps['db'], tenantId: string, names: readonly string[]): Promise<Map<string, ActionTargetRow>> {
  if (!names.length) return new Map();
  const rows = await db.select().from(actionTargets).where(and(visibleTo(tenantId), inArray(actionTargets.name, [...new Set(names)])));
  return new Map(rows.map((row) => [row.name, row]));
}

export async function listActionTargets(deps: ActionTargetDeps, tenantId: string, page: { first?: number | null; after?: string | null }): Promise<ActionTargetRow[]> {
  return deps.db
    .select()
    .from(actionTargets)
    .where(and(visibleTo(tenantId), afterCursor(actionTargets, decodeCursor(page.after), 'desc')))
    .orderBy(desc(actionTargets.createdAt), desc(actionTargets.id))
    .limit(pageSize(page.first));
}

export const actionTargetCursor = (row: ActionTargetRow) => encodeCursor({ createdAt: row.createdAt, id: row.id });

/**
 * Every action node of a definition that names a target must name one of the tenant's: saving a
 * definition that names an unknown one is bad input at the node's path.
 */
export async function checkActionTargets(db: ActionTargetDeps['db'], tenantId: string, definition: WorkflowDefinition, root = 'input.definition'): Promise<void> {
  const named = definition.nodes.flatMap((node, index) => (node.type === 'action' && node.target ? [{ index, name: node.target }] : []));
  if (!named.length) return;
  const known = await actionTargetsNamed(db, tenantId, named.map((node) => node.name));
  const problems = named
    .filter((node) => !known.has(node.name))
    .map((node) => ({ path: `${root}.nodes[${node.index}].target`, message: `no action target named "${node.name}" in your tenant; create it first (createActionTarget)` }));
  if (problems.length) throw invalidInput(problems);
}

export interface TargetTest {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** Sends a signed ping, as a delivery would go, and says how the target answered; nothing is recorded or retried. */
export async function testActionTarget(deps: ActionTargetDeps, actor: Identity, id: string): Promise<TargetTest> {
  const [target] = await findActionTargets(deps, actor.tenantId, [id]);
  if (!target) throw notFound(id);
  if (target.kind === 'log' || !target.url) return { ok: true, statusCode: null, latencyMs: 0, error: null };
  const body = JSON.stringify({ event: 'ping', target: target.name, sentAt: new Date().toISOString() });
  const messageId = `ping_${randomUUID()}`;
  const answer = await sendDelivery({
    url: target.url,
    headers: signedHeaders({ messageId, idempotencyKey: messageId, body, contentType: 'application/json', secret: target.secret, headers: target.headers }),
    body,
    timeoutMs: deps.deliveryTimeoutMs,
    maxResponseBytes: 65_536,
    allowPrivate: deps.allowPrivateTargets,
  });
  const ok = !answer.error && answer.statusCode !== undefined && answer.statusCode >= 200 && answer.statusCode < 300;
  return { ok, statusCode: answer.statusCode ?? null, latencyMs: answer.durationMs, error: answer.error ?? (ok ? null : `HTTP ${answer.statusCode}`) };
}
