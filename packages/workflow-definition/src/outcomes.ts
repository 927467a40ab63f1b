import type { WorkflowDefinition } from './definition.ts';

/** Every decision a run can end with from a node on: the outputs reachable from it. */
function reachableDecisions(definition: WorkflowDefinition, from: string): Set<string> {
  const decisions = new Set<string>();
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = definition.nodes.find((candidate) => candidate.id === id);
    if (node?.type === 'output') decisions.add(node.decision);
    for (const edge of definition.edges) if (edge.from === id) stack.push(edge.to);
  }
  return decisions;
}

/**
 * What each final decision says about one judgment node's outcome: a decision reached only
 * through the node's `true` edge means `true`, and so on. Decisions reachable through more than
 * one of its outcomes (or none) say nothing and are left out. Learning labels samples by decision;
 * this is how a label becomes the node's outcome, to learn its rule or to show the LLM an example.
 */
export function outcomesOfDecisions(definition: WorkflowDefinition, nodeId: string): Record<string, string> {
  const byDecision = new Map<string, Set<string>>();
  for (const edge of definition.edges) {
    if (edge.from !== nodeId || edge.when === undefined) continue;
    for (const decision of reachableDecisions(definition, edge.to)) {
      byDecision.set(decision, (byDecision.get(decision) ?? new Set()).add(edge.when));
    }
  }
  return Object.fromEntries([...byDecision].filter(([, outcomes]) => outcomes.size === 1).map(([decision, outcomes]) => [decision, [...outcomes][0]!]));
}
