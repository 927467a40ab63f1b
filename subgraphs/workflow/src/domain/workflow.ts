import type { Database } from '@judgify/runtime/database';
import type { Identity } from '@judgify/runtime/identity';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { isUuid, validateInput } from '@judgify/runtime/validation';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { workflows, type WorkflowRow } from '../db/schema.ts';

export interface WorkflowDeps {
  db: Database<typeof tables>;
}

/** Letters of any script, digits, space, underscore, hyphen. */
const NAME_CHARACTERS = /^[\p{L}\p{M}\p{N} _-]+$/u;

const nodeShape = z.looseObject({
  id: z.string().min(1, 'node id must not be empty'),
  type: z.enum(['judgment', 'action', 'output'], { error: 'node type must be one of judgment, action, output' }),
});

const edgeShape = z.looseObject({
  from: z.string().min(1),
  to: z.string().min(1),
  when: z.string().optional(),
});

/** The structural shape of a definition; graph rules (reachability, cycles, rules) build on it. */
export const definitionShape = z.object(
  {
    startNode: z.string({ error: 'startNode is required and must be a node id' }).min(1),
    nodes: z.array(nodeShape, { error: 'nodes must be a list of nodes' }).min(1, 'a workflow needs at least one node').max(100, 'a workflow has at most 100 nodes'),
    edges: z.array(edgeShape, { error: 'edges must be a list of edges' }),
  },
  { error: 'definition must be an object with startNode, nodes and edges' },
);

export const createWorkflowInput = z.object({
  name: z
    .string()
    .trim()
    .min(3, 'name must be at least 3 characters')
    .max(50, 'name must be at most 50 characters')
    .regex(NAME_CHARACTERS, 'name may contain only letters, digits, spaces, "_" and "-"'),
  description: z.string().max(500, 'description must be at most 500 characters').nullish(),
  definition: definitionShape,
});

/** As received: the definition is arbitrary JSON until validated. */
export interface CreateWorkflowInput {
  name: string;
  description?: string | null;
  definition?: unknown;
}

export async function createWorkflow(deps: WorkflowDeps, actor: Identity, input: CreateWorkflowInput): Promise<WorkflowRow> {
  const valid = validateInput(createWorkflowInput, input);
  const [row] = await deps.db
    .insert(workflows)
    .values({
      tenantId: actor.tenantId,
      name: valid.name,
      description: valid.description ?? null,
      definition: valid.definition,
      createdBy: actor.userId,
      updatedBy: actor.userId,
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

const visibleTo = (tenantId: string) => and(eq(workflows.tenantId, tenantId), isNull(workflows.deletedAt));

/** Loads workflows of one tenant by id, in the order asked, null where none is visible. */
export async function findWorkflows(deps: WorkflowDeps, tenantId: string, ids: readonly string[]): Promise<Array<WorkflowRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length
    ? await deps.db.select().from(workflows).where(and(visibleTo(tenantId), inArray(workflows.id, wellFormed)))
    : [];
  return inIdOrder(ids, rows);
}

export async function listWorkflows(
  deps: WorkflowDeps,
  tenantId: string,
  page: { first?: number | null; after?: string | null },
): Promise<WorkflowRow[]> {
  const limit = pageSize(page.first);
  const cursor = decodeCursor(page.after);
  return deps.db
    .select()
    .from(workflows)
    .where(
      and(
        visibleTo(tenantId),
        afterCursor(workflows, cursor, 'desc'),
      ),
    )
    .orderBy(desc(workflows.createdAt), desc(workflows.id))
    .limit(limit);
}

export const workflowCursor = (row: WorkflowRow) => encodeCursor({ createdAt: row.createdAt, id: row.id });
