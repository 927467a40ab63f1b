import { randomInt } from 'node:crypto';
import type { Database } from '@judgify/runtime/database';
import { AppError } from '@judgify/runtime/errors';
import type { Identity } from '@judgify/runtime/identity';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { dataOf, type DelegatedRequest, type SupergraphClient } from '@judgify/runtime/supergraph-client';
import { isUuid } from '@judgify/runtime/validation';
import type { JudgmentNode, WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { outcomesOfDecisions } from '@judgify/workflow-definition/outcomes';
import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import * as tables from '../db/schema.ts';
import { executions, ruleCandidates, ruleExtractionJobs, type RuleCandidateRow, type RuleExtractionJobRow } from '../db/schema.ts';
import { PROMOTION_WORKFLOW } from '../operations.ts';
import { refusalFor } from './rules/extract.ts';

export interface RuleJobDeps {
  db: Database<typeof tables>;
  supergraph: SupergraphClient;
  /** Tells the extraction worker there is a job. */
  wakeExtraction(): void;
}

export interface WorkflowAtVersion {
  id: string;
  version: number;
  definition: WorkflowDefinition;
}

/** The workflow as it is now, read through the supergraph as the user asking. */
export async function currentWorkflow(deps: Pick<RuleJobDeps, 'supergraph'>, on: DelegatedRequest, workflowId: string): Promise<WorkflowAtVersion> {
  const data = dataOf(await deps.supergraph.execute<{ workflow: WorkflowAtVersion | null }>(on, PROMOTION_WORKFLOW, { variables: { id: workflowId }, operationName: 'PromotionWorkflow' }));
  if (!data.workflow) throw new AppError('NOT_FOUND', `There is no workflow with id "${workflowId}" in your tenant.`, { field: 'workflowId' });
  return data.workflow;
}

/** The judgment node a rule is learned for: the one named, or the workflow's first. */
export function judgmentNodeOf(definition: WorkflowDefinition, nodeId: string | null | undefined): JudgmentNode {
  const judgments = definition.nodes.filter((node): node is JudgmentNode => node.type === 'judgment');
  const node = nodeId == null ? (judgments.find((candidate) => candidate.id === definition.startNode) ?? judgments[0]) : judgments.find((candidate) => candidate.id === nodeId);
  if (!node) {
    throw new AppError(
      'BAD_USER_INPUT',
      nodeId == null
        ? 'This workflow has no judgment node to learn a rule for.'
        : `"${nodeId}" is not a judgment node of this workflow; its judgment nodes are ${judgments.map((candidate) => `"${candidate.id}"`).join(', ') || 'none'}.`,
      { field: 'nodeId' },
    );
  }
  return node;
}

/**
 * Queues a rule extraction for a judgment node of a workflow, refusing at once (with the counts)
 * when its labelled samples are too few or all of one outcome. The job runs on any replica, is
 * taken again if its worker dies, and can be followed by subscription or polled.
 */
export async function requestExtraction(deps: RuleJobDeps, on: DelegatedRequest, actor: Identity, input: { workflowId: string; nodeId?: string | null }): Promise<RuleExtractionJobRow> {
  const workflow = await currentWorkflow(deps, on, input.workflowId);
  const node = judgmentNodeOf(workflow.definition, input.nodeId);
  const outcomes = outcomesOfDecisions(workflow.definition, node.id);
  const counts = await deps.db
    .select({ label: executions.label, count: sql<number>`count(*)::int` })
    .from(executions)
    .where(and(eq(executions.tenantId, actor.tenantId), eq(executions.workflowId, workflow.id), isNotNull(executions.label)))
    .groupBy(executions.label);
  const byOutcome = { true: 0, false: 0 };
  let excluded = 0;
  for (const { label, count } of counts) {
    const outcome = outcomes[label!];
    if (outcome === 'true' || outcome === 'false') byOutcome[outcome] += Number(count);
    else excluded += Number(count);
  }
  const refusal = refusalFor({ positives: byOutcome.true, negatives: byOutcome.false, excluded }, `node "${node.id}"`);
  if (refusal) throw new AppError('BAD_USER_INPUT', refusal, { field: 'workflowId', true: byOutcome.true, false: byOutcome.false, excluded });
  const [job] = await deps.db
    .insert(ruleExtractionJobs)
    .values({ tenantId: actor.tenantId, workflowId: workflow.id, workflowVersion: workflow.version, nodeId: node.id, seed: newSeed(), outcomes, createdBy: actor.userId })
    .returning();
  deps.wakeExtraction();
  return job!;
}

/** The seed a job splits its samples with: random when queued, recorded when it runs. */
export const newSeed = () => randomInt(1, 2 ** 31 - 1);

export async function findJobs(deps: Pick<RuleJobDeps, 'db'>, tenantId: string, ids: readonly string[]): Promise<Array<RuleExtractionJobRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length ? await deps.db.select().from(ruleExtractionJobs).where(and(eq(ruleExtractionJobs.tenantId, tenantId), inArray(ruleExtractionJobs.id, wellFormed))) : [];
  return inIdOrder(ids, rows);
}

export async function findCandidates(deps: Pick<RuleJobDeps, 'db'>, tenantId: string, ids: readonly string[]): Promise<Array<RuleCandidateRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length ? await deps.db.select().from(ruleCandidates).where(and(eq(ruleCandidates.tenantId, tenantId), inArray(ruleCandidates.id, wellFormed))) : [];
  return inIdOrder(ids, rows);
}

/** Candidates of jobs, best F1 first, then the most accurate, then the simplest (as extraction ranks them). */
export async function candidatesOfJobs(deps: Pick<RuleJobDeps, 'db'>, tenantId: string, jobIds: readonly string[]): Promise<RuleCandidateRow[][]> {
  const rows = jobIds.length
    ? await deps.db
        .select()
        .from(ruleCandidates)
        .where(and(eq(ruleCandidates.tenantId, tenantId), inArray(ruleCandidates.jobId, [...jobIds])))
        .orderBy(desc(ruleCandidates.f1), desc(ruleCandidates.accuracy), sql`length(${ruleCandidates.expression})`, asc(ruleCandidates.id))
    : [];
  return jobIds.map((jobId) => rows.filter((row) => row.jobId === jobId));
}

export async function listJobs(deps: Pick<RuleJobDeps, 'db'>, tenantId: string, query: { workflowId?: string | null; first?: number | null; after?: string | null }): Promise<RuleExtractionJobRow[]> {
  if (query.workflowId != null && !isUuid(query.workflowId)) return [];
  return deps.db
    .select()
    .from(ruleExtractionJobs)
    .where(
      and(
        eq(ruleExtractionJobs.tenantId, tenantId),
        query.workflowId != null ? eq(ruleExtractionJobs.workflowId, query.workflowId) : undefined,
        afterCursor(ruleExtractionJobs, decodeCursor(query.after), 'desc'),
      ),
    )
    .orderBy(desc(ruleExtractionJobs.createdAt), desc(ruleExtractionJobs.id))
    .limit(pageSize(query.first));
}

export const jobCursor = (row: RuleExtractionJobRow) => encodeCursor({ createdAt: row.createdAt, id: row.id });
