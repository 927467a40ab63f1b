import type { JudgmentNode, WorkflowDefinition, WorkflowNode } from '@judgify/workflow-definition/definition';
import type { ExecutionStatus, JudgmentMethod, NodeResult, TriggeredAction } from '../db/schema.ts';

/** How one judgment node decided: its outcome (`"true"`, `"false"`, a label) or null when it could not. */
export interface NodeDecision {
  outcome: string | null;
  confidence: number;
  methodUsed: JudgmentMethod;
  explanation: string;
}

export type NodeJudge = (node: JudgmentNode, input: unknown) => Promise<NodeDecision>;

export interface RunResult {
  status: ExecutionStatus;
  decision: string;
  confidence: number;
  methodUsed: JudgmentMethod;
  explanation: string;
  path: string[];
  nodeResults: NodeResult[];
  actions: TriggeredAction[];
}

/** The decision of a run that could not reach an output node. */
export const UNDECIDED = 'UNDECIDED';

function methodOf(results: readonly NodeResult[]): JudgmentMethod {
  const methods = new Set(results.map((result) => result.methodUsed));
  if (methods.size === 1) return [...methods][0]!;
  return methods.size === 0 ? 'RULE' : 'HYBRID';
}

/**
 * Walks a (validated, acyclic) definition from its start node: judgment nodes decide which edge
 * to follow, action nodes are recorded to be delivered, an output node gives the decision. The
 * run's confidence is its least confident judgment.
 */
export async function runWorkflow(definition: WorkflowDefinition, input: unknown, judge: NodeJudge): Promise<RunResult> {
  const nodes = new Map<string, WorkflowNode>(definition.nodes.map((node) => [node.id, node]));
  const path: string[] = [];
  const nodeResults: NodeResult[] = [];
  const actions: TriggeredAction[] = [];
  const finish = (status: ExecutionStatus, decision: string, last: string): RunResult => ({
    status,
    decision,
    confidence: status === 'SUCCEEDED' ? Math.min(1, ...nodeResults.map((result) => result.confidence)) : 0,
    methodUsed: methodOf(nodeResults),
    explanation: [...nodeResults.map((result) => `${result.nodeId}: ${result.explanation}`), last].join(' → '),
    path,
    nodeResults,
    actions,
  });

  let current = nodes.get(definition.startNode);
  // A valid definition is acyclic, so no run visits more nodes than there are.
  while (current && path.length <= nodes.size) {
    path.push(current.id);
    if (current.type === 'output') return finish('SUCCEEDED', current.decision, `decision ${current.decision}`);
    let outcome: string | undefined;
    if (current.type === 'action') {
      actions.push({ nodeId: current.id, action: current.action, ...(current.url ? { url: current.url } : {}) });
    } else {
      const decided = await judge(current, input);
      nodeResults.push({ nodeId: current.id, ...decided });
      if (decided.outcome === null) return finish('FAILED', UNDECIDED, `node ${current.id} could not decide`);
      outcome = decided.outcome;
    }
    const from = current.id;
    const edge = definition.edges.find((candidate) => candidate.from === from && (outcome === undefined || candidate.when === outcome));
    if (!edge) return finish('FAILED', UNDECIDED, `no edge leaves ${from} for outcome "${outcome}"`);
    current = nodes.get(edge.to);
  }
  return finish('FAILED', UNDECIDED, 'the run did not reach an output node');
}
