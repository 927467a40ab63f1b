import { AppError } from '@judgify/runtime/errors';
import { createEvent } from '@judgify/runtime/events';
import type { Identity } from '@judgify/runtime/identity';
import { enqueueEvents } from '@judgify/runtime/outbox';
import { dataOf, type DelegatedRequest } from '@judgify/runtime/supergraph-client';
import type { WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { and, eq, isNull } from 'drizzle-orm';
import { outbox, ruleCandidates, type RuleCandidateRow } from '../db/schema.ts';
import { PROMOTE_RULE } from '../operations.ts';
import { currentWorkflow, findCandidates, judgmentNodeOf, type RuleJobDeps } from './rule-jobs.ts';

export interface PromotionDeps extends RuleJobDeps {
  eventsCommitted(): void;
}

export interface Promotion {
  candidate: RuleCandidateRow;
  workflowId: string;
  workflowVersion: number;
}

/** A held-out score as a node's rule confidence: three decimals are plenty, and read well in a definition. */
const asConfidence = (precision: number) => Math.round(precision * 1000) / 1000;

/**
 * Puts a candidate rule on a judgment node as a new workflow version, through the supergraph as
 * the admin promoting it (the workflow's audit log names them, via learning), with optimistic
 * concurrency: refused if the workflow is no longer at `expectedVersion`, or has changed since
 * the candidate was learned. The candidate's held-out precision becomes the node's rule
 * confidence, its negative predictive value the confidence when the rule says false. Rolling
 * back is updating the workflow to its earlier version's definition.
 */
export async function promoteRule(deps: PromotionDeps, on: DelegatedRequest, actor: Identity, input: { candidateId: string; nodeId?: string | null; expectedVersion: number }): Promise<Promotion> {
  const [candidate] = await findCandidates(deps, actor.tenantId, [input.candidateId]);
  if (!candidate) throw new AppError('NOT_FOUND', `There is no rule candidate with id "${input.candidateId}" in your tenant.`, { field: 'candidateId' });
  const workflow = await currentWorkflow(deps, on, candidate.workflowId);
  if (workflow.version !== input.expectedVersion) {
    throw new AppError('CONFLICT', `Workflow "${workflow.id}" is at version ${workflow.version}, not ${input.expectedVersion}: reload it before promoting.`, { currentVersion: workflow.version });
  }
  if (candidate.workflowVersion !== workflow.version) {
    throw new AppError(
      'CONFLICT',
      `This candidate was learned from version ${candidate.workflowVersion} of the workflow, which is now at version ${workflow.version}: its scores may no longer hold. Extract rules again.`,
      { currentVersion: workflow.version, candidateVersion: candidate.workflowVersion },
    );
  }
  const node = judgmentNodeOf(workflow.definition, input.nodeId ?? candidate.nodeId);
  const definition: WorkflowDefinition = {
    ...workflow.definition,
    nodes: workflow.definition.nodes.map((existing) => {
      if (existing.id !== node.id) return existing;
      // A node that asked only the LLM now has a rule too: hybrid, so weak learned rules still reach the LLM.
      const { method: _method, ...rest } = node;
      return {
        ...rest,
        ...(node.method === 'llm' || node.method === undefined ? {} : { method: node.method }),
        rule: candidate.expression,
        ruleConfidence: asConfidence(candidate.precision),
        ruleConfidenceWhenFalse: asConfidence(candidate.negativePredictiveValue),
      };
    }),
  };
  const written = dataOf(
    await deps.supergraph.execute<{ updateWorkflow: { id: string; version: number } }>(on, PROMOTE_RULE, {
      variables: { id: workflow.id, definition, expectedVersion: workflow.version },
      operationName: 'PromoteRule',
    }),
  ).updateWorkflow;
  const promoted = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(ruleCandidates)
      .set({ promotedAt: new Date(), promotedBy: actor.userId, promotedVersion: written.version })
      .where(and(eq(ruleCandidates.id, candidate.id), isNull(ruleCandidates.promotedAt)))
      .returning();
    await enqueueEvents(tx, outbox, [
      createEvent({
        eventType: 'rule.promoted',
        source: 'learning',
        tenantId: actor.tenantId,
        correlationId: on.requestId,
        data: {
          candidateId: candidate.id,
          workflowId: workflow.id,
          nodeId: node.id,
          expression: candidate.expression,
          algorithm: candidate.algorithm,
          precision: candidate.precision,
          negativePredictiveValue: candidate.negativePredictiveValue,
          ruleConfidence: asConfidence(candidate.precision),
          ruleConfidenceWhenFalse: asConfidence(candidate.negativePredictiveValue),
          fromVersion: workflow.version,
          toVersion: written.version,
          promotedBy: actor.userId,
        },
      }),
    ]);
    return row ?? candidate;
  });
  deps.eventsCommitted();
  return { candidate: promoted, workflowId: workflow.id, workflowVersion: written.version };
}
