import { ACTION_TARGET_NAME, actionKinds, judgmentMethods, MAX_NODES, type WorkflowDefinition } from './definition.ts';
import { jsonDepth } from '@judgify/runtime/validation';

export interface DefinitionProblem {
  /** Where the problem is, e.g. `definition.edges[3].to`. */
  path: string;
  message: string;
}

/** Parses a rule expression; returns why it does not parse, or null. */
export type RuleChecker = (expression: string) => { message: string; line?: number; column?: number } | null;

export interface ValidateOptions {
  /** The rule language's parser. Without one, rule syntax is not checked. */
  checkRule?: RuleChecker;
  /** Prefix of every problem path. */
  root?: string;
}

export type DefinitionResult = { ok: true; definition: WorkflowDefinition } | { ok: false; problems: DefinitionProblem[] };

const NODE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_RULE_LENGTH = 10_000;
const MAX_TEXT_LENGTH = 4_000;
const MAX_DECISION_LENGTH = 200;
const MAX_TEMPLATE_DEPTH = 16;

const ROUTING_OUTCOMES = ['true', 'false'];

// A Map, not an object literal: a node of type "constructor" must not find Object's.
const NODE_FIELDS = new Map<string, string[]>([
  ['judgment', ['id', 'type', 'rule', 'criteria', 'method', 'labels', 'threshold', 'ruleConfidence', 'ruleConfidenceWhenFalse']],
  ['action', ['id', 'type', 'action', 'target', 'url', 'payloadTemplate']],
  ['output', ['id', 'type', 'decision']],
]);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;
const quote = (value: string) => JSON.stringify(value);

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Checks a definition completely and reports every problem with its path, so an author can
 * fix them all in one go: shape, unique ids, the start node, edge endpoints, meaningful `when`s,
 * outgoing edges where the walk must go on, no cycles, at most 100 nodes, rules that parse.
 */
export function validateDefinition(input: unknown, options: ValidateOptions = {}): DefinitionResult {
  const root = options.root ?? 'definition';
  const problems: DefinitionProblem[] = [];
  const report = (path: string, message: string) => problems.push({ path: path ? `${root}.${path}` : root, message });

  if (!isObject(input)) {
    report('', 'must be an object { startNode, nodes, edges }');
    return { ok: false, problems };
  }
  for (const key of Object.keys(input)) {
    if (!['startNode', 'nodes', 'edges'].includes(key)) report(key, `unknown field ${quote(key)}; a definition has startNode, nodes and edges`);
  }

  const nodes = Array.isArray(input.nodes) ? input.nodes : [];
  if (!Array.isArray(input.nodes)) report('nodes', 'must be a list of nodes');
  else if (nodes.length === 0) report('nodes', 'a workflow needs at least one node');
  else if (nodes.length > MAX_NODES) report('nodes', `a workflow has at most ${MAX_NODES} nodes; this one has ${nodes.length}`);

  const typeById = new Map<string, string>();
  const labelsById = new Map<string, string[]>();
  nodes.forEach((node, index) => checkNode(node, `nodes[${index}]`, typeById, labelsById, report, options.checkRule));

  if (!isNonEmptyString(input.startNode)) report('startNode', 'is required: the id of the node the walk starts at');
  else if (nodes.length && !typeById.has(input.startNode)) report('startNode', `no node has id ${quote(input.startNode)}`);

  const edges = Array.isArray(input.edges) ? input.edges : [];
  if (!Array.isArray(input.edges)) report('edges', 'must be a list of edges');
  const outgoing = new Map<string, Array<{ to: string; index: number }>>();
  const outcomesSeen = new Map<string, Map<string, number>>();
  edges.forEach((edge, index) => {
    const path = `edges[${index}]`;
    if (!isObject(edge)) return report(path, 'must be an object { from, to, when? }');
    for (const key of Object.keys(edge)) {
      if (!['from', 'to', 'when'].includes(key)) report(`${path}.${key}`, `unknown field ${quote(key)}; an edge has from, to and when`);
    }
    let endpointsKnown = true;
    for (const end of ['from', 'to'] as const) {
      const id = edge[end];
      if (typeof id === 'string' && typeById.has(id)) continue;
      report(`${path}.${end}`, isNonEmptyString(id) ? `no node has id ${quote(id)}` : 'is required: a node id');
      endpointsKnown = false;
    }
    if (!endpointsKnown) return;
    const from = edge.from as string;
    const sourceType = typeById.get(from);
    if (sourceType === 'output') return report(`${path}.from`, `${quote(from)} is an output node; the walk ends there, so it cannot have outgoing edges`);
    if (edge.when !== undefined && typeof edge.when !== 'string') return report(`${path}.when`, 'must be a string');
    const when = edge.when as string | undefined;
    if (sourceType === 'action' && when !== undefined) {
      report(`${path}.when`, `${quote(from)} is an action node; actions do not decide, so its edge takes no "when"`);
    }
    if (sourceType === 'judgment') {
      const outcomes = [...ROUTING_OUTCOMES, ...(labelsById.get(from) ?? [])];
      if (when === undefined) report(`${path}.when`, `is required on edges out of judgment node ${quote(from)}: one of ${outcomes.map(quote).join(', ')}`);
      else if (!outcomes.includes(when)) report(`${path}.when`, `${quote(when)} is not an outcome of ${quote(from)}; use one of ${outcomes.map(quote).join(', ')}`);
      else {
        const seen = outcomesSeen.get(from) ?? new Map<string, number>();
        const earlier = seen.get(when);
        if (earlier !== undefined) report(`${path}.when`, `edges[${earlier}] already routes outcome ${quote(when)} of ${quote(from)}; each outcome goes one way`);
        seen.set(when, index);
        outcomesSeen.set(from, seen);
      }
    }
    const list = outgoing.get(from) ?? [];
    if (sourceType === 'action' && list.length > 0) report(path, `action node ${quote(from)} already continues at edges[${list[0]?.index}]; an action has one next node`);
    list.push({ to: edge.to as string, index });
    outgoing.set(from, list);
  });

  nodes.forEach((node, index) => {
    if (!isObject(node) || typeof node.id !== 'string') return;
    const type = typeById.get(node.id);
    if ((type === 'judgment' || type === 'action') && !outgoing.has(node.id)) {
      report(`nodes[${index}]`, `${type} node ${quote(node.id)} has no outgoing edge; the walk would stop without a decision`);
    } else if (type === 'judgment' && typeof node.rule === 'string' && node.method !== 'llm') {
      // A rule can decide either way, so both ways must lead somewhere.
      const routed = outcomesSeen.get(node.id);
      const unrouted = ROUTING_OUTCOMES.filter((outcome) => !routed?.has(outcome));
      if (unrouted.length) report(`nodes[${index}]`, `judgment node ${quote(node.id)} has a rule but no edge for outcome ${unrouted.map(quote).join(' or ')}`);
    }
  });

  for (const cycle of findCycles(outgoing)) {
    report(`edges[${cycle.closingEdge}]`, `closes a cycle ${cycle.path.map(quote).join(' → ')}; a workflow must not loop`);
  }

  if (problems.length) return { ok: false, problems };
  return { ok: true, definition: input as unknown as WorkflowDefinition };
}

function checkNode(
  node: unknown,
  path: string,
  typeById: Map<string, string>,
  labelsById: Map<string, string[]>,
  report: (path: string, message: string) => void,
  checkRule: RuleChecker | undefined,
): void {
  if (!isObject(node)) return report(path, 'must be an object { id, type, ... }');
  const { id, type } = node;
  if (typeof id !== 'string' || !NODE_ID.test(id)) {
    report(`${path}.id`, 'is required: 1–64 letters, digits, "_", "-", "." or ":"');
  } else if (typeById.has(id)) {
    report(`${path}.id`, `another node already has id ${quote(id)}; node ids must be unique`);
  }
  if (typeof type !== 'string' || !NODE_FIELDS.has(type)) {
    return report(`${path}.type`, 'must be one of "judgment", "action", "output"');
  }
  if (typeof id === 'string' && !typeById.has(id)) typeById.set(id, type);
  for (const key of Object.keys(node)) {
    if (!NODE_FIELDS.get(type)?.includes(key)) report(`${path}.${key}`, `unknown field ${quote(key)} for a ${type} node`);
  }

  if (type === 'output') {
    if (!isNonEmptyString(node.decision) || node.decision.length > MAX_DECISION_LENGTH) {
      report(`${path}.decision`, `is required: the decision label, 1–${MAX_DECISION_LENGTH} characters`);
    }
    return;
  }

  if (type === 'action') {
    if (!(actionKinds as readonly unknown[]).includes(node.action)) report(`${path}.action`, `must be one of ${actionKinds.map(quote).join(', ')}`);
    if (node.target !== undefined && !(typeof node.target === 'string' && ACTION_TARGET_NAME.test(node.target))) {
      report(`${path}.target`, 'must be the name of an action target: 1-64 letters, digits, "_", "-" or "."');
    }
    if ((node.action === 'webhook' || node.action === 'notification') && node.target === undefined && !isHttpUrl(node.url)) {
      report(`${path}.url`, `is required for a ${node.action} without a "target": an http(s) URL`);
    } else if (node.url !== undefined && !isHttpUrl(node.url)) report(`${path}.url`, 'must be an http(s) URL');
    if (jsonDepth(node.payloadTemplate) > MAX_TEMPLATE_DEPTH) {
      report(`${path}.payloadTemplate`, `is nested more than ${MAX_TEMPLATE_DEPTH} levels deep`);
    }
    return;
  }

  const method = node.method ?? (node.rule !== undefined ? (node.criteria !== undefined ? 'hybrid' : 'rule') : 'llm');
  if (!(judgmentMethods as readonly unknown[]).includes(method)) {
    report(`${path}.method`, `must be one of ${judgmentMethods.map(quote).join(', ')}`);
  }
  if (node.rule === undefined && node.criteria === undefined) {
    report(path, 'a judgment node needs a "rule", LLM "criteria", or both');
  } else if (method !== 'llm' && node.rule === undefined) {
    report(`${path}.rule`, `is required for method ${quote(String(method))}`);
  } else if (method === 'llm' && node.criteria === undefined) {
    report(`${path}.criteria`, 'is required for method "llm"');
  }
  if (node.rule !== undefined) {
    if (!isNonEmptyString(node.rule) || node.rule.length > MAX_RULE_LENGTH) {
      report(`${path}.rule`, `must be a rule expression of 1–${MAX_RULE_LENGTH} characters`);
    } else {
      const error = checkRule?.(node.rule);
      if (error) {
        const where = error.line !== undefined ? ` (line ${error.line}, column ${error.column})` : '';
        report(`${path}.rule`, `does not parse${where}: ${error.message}`);
      }
    }
  }
  if (node.criteria !== undefined && (!isNonEmptyString(node.criteria) || node.criteria.length > MAX_TEXT_LENGTH)) {
    report(`${path}.criteria`, `must be text of 1–${MAX_TEXT_LENGTH} characters`);
  }
  for (const field of ['ruleConfidence', 'ruleConfidenceWhenFalse'] as const) {
    const value = node[field];
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0 && value <= 1))) report(`${path}.${field}`, 'must be a number from 0 to 1');
  }
  if (node.threshold !== undefined && (typeof node.threshold !== 'number' || !(node.threshold >= 0 && node.threshold <= 1))) {
    report(`${path}.threshold`, 'must be a number from 0 to 1');
  }
  if (node.labels !== undefined && method === 'rule') {
    report(`${path}.labels`, 'only an LLM answers with labels; a rule decides "true" or "false" (use method "llm" or "hybrid")');
  } else if (node.labels !== undefined) {
    const labels = Array.isArray(node.labels) ? node.labels : [];
    const valid =
      Array.isArray(node.labels) &&
      labels.every((label) => isNonEmptyString(label) && label.length <= MAX_DECISION_LENGTH && !ROUTING_OUTCOMES.includes(label)) &&
      new Set(labels).size === labels.length;
    if (!valid) report(`${path}.labels`, 'must be a list of distinct, non-empty outcome names other than "true" and "false"');
    else if (typeof id === 'string') labelsById.set(id, labels as string[]);
  }
}

/** Every edge that closes a cycle, with the cycle it closes (depth-first, iterative). */
function findCycles(outgoing: Map<string, Array<{ to: string; index: number }>>): Array<{ closingEdge: number; path: string[] }> {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: Array<{ closingEdge: number; path: string[] }> = [];
  for (const start of outgoing.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    state.set(start, 'visiting');
    while (stack.length) {
      const frame = stack[stack.length - 1]!;
      const edges = outgoing.get(frame.node) ?? [];
      const edge = edges[frame.next++];
      if (!edge) {
        state.set(frame.node, 'done');
        stack.pop();
        continue;
      }
      const seen = state.get(edge.to);
      if (seen === 'visiting') {
        const from = stack.findIndex((entry) => entry.node === edge.to);
        cycles.push({ closingEdge: edge.index, path: [...stack.slice(from).map((entry) => entry.node), edge.to] });
      } else if (!seen) {
        state.set(edge.to, 'visiting');
        stack.push({ node: edge.to, next: 0 });
      }
    }
  }
  return cycles;
}
