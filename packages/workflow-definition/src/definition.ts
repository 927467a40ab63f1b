/** A workflow definition: a directed acyclic graph of decisions, actions and outcomes. */
export interface WorkflowDefinition {
  startNode: string;
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

export type WorkflowNode = JudgmentNode | ActionNode | OutputNode;

export const judgmentMethods = ['rule', 'llm', 'hybrid'] as const;
export type NodeMethod = (typeof judgmentMethods)[number];

/** Decides `true` / `false` (or one of its `labels`) with a rule, an LLM, or both. */
export interface JudgmentNode {
  id: string;
  type: 'judgment';
  /** An expression in the rule language; required unless the method is `llm`. */
  rule?: string;
  /** Plain-language criteria for the LLM; required when the method is `llm`. */
  criteria?: string;
  method?: NodeMethod;
  /** Outcomes besides `true` / `false` an LLM may answer, each routable by an edge. */
  labels?: string[];
  /** Below this confidence a hybrid node asks the LLM; default 0.7. */
  threshold?: number;
  /**
   * How sure the rule is when it decides, 0–1; authored rules are certain (1). A promoted learned
   * rule brings its held-out precision, so a hybrid node sends a weak one on to the LLM.
   */
  ruleConfidence?: number;
  /**
   * How sure the rule is when it decides `false`, if that differs (default: `ruleConfidence`). A
   * promoted learned rule brings its held-out negative predictive value: a rule that is precise
   * when it holds but misses many cases is unsure when it does not.
   */
  ruleConfidenceWhenFalse?: number;
}

export const actionKinds = ['webhook', 'notification', 'log'] as const;
/** The names action targets are saved under, and action nodes refer to them by. */
export const ACTION_TARGET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export type ActionKind = (typeof actionKinds)[number];

/** Something to do when the walk passes here; it does not change the route. */
export interface ActionNode {
  id: string;
  type: 'action';
  action: ActionKind;
  /**
   * The name of the tenant's action target to deliver to: its kind, URL, headers and signing
   * secret win over this node's `action` and `url`.
   */
  target?: string;
  /** Where webhooks and notifications are delivered when the node names no target (unsigned). */
  url?: string;
  /** The body to send, with `{{field}}` placeholders from the input and the decision. */
  payloadTemplate?: unknown;
}

/** The end of a walk: the decision that is returned. */
export interface OutputNode {
  id: string;
  type: 'output';
  decision: string;
}

export interface WorkflowEdge {
  from: string;
  to: string;
  /** The outcome of a judgment node this edge is taken on: `true`, `false` or one of its labels. */
  when?: string;
}

export const MAX_NODES = 100;
