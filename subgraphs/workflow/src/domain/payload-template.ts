/** What a judgment offers an action's payload template: the execution's fields, and the input's. */
export interface TemplateContext {
  execution: {
    executionId: string;
    workflowId: string;
    workflowName: string;
    workflowVersion: number;
    decision: string;
    confidence: number;
    explanation: string;
    occurredAt: string;
  };
  input: Record<string, unknown>;
}

export interface RenderedPayload {
  payload: unknown;
  /** Placeholders with nothing to fill them, rendered as null: noted on the run, never failing it. */
  missing: string[];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}$/;

function lookup(context: TemplateContext, name: string): { found: boolean; value: unknown } {
  const execution = context.execution as unknown as Record<string, unknown>;
  if (Object.hasOwn(execution, name)) return { found: true, value: execution[name] };
  const path = name.startsWith('input.') ? name.slice('input.'.length) : name;
  let value: unknown = context.input;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return { found: false, value: null };
    value = (value as Record<string, unknown>)[key];
  }
  return { found: true, value };
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/**
 * Fills `{{name}}` placeholders in a JSON template's string values: the execution's fields
 * (`decision`, `confidence`, `explanation`, `workflowId`, `workflowName`, `workflowVersion`,
 * `executionId`, `occurredAt`), then input fields by name or dotted path (`input.` optional). A
 * string that is one placeholder takes the value itself (a number stays a number); inside text,
 * the value's text. A placeholder with no value renders as null.
 */
export function renderTemplate(template: unknown, context: TemplateContext): RenderedPayload {
  const missing = new Set<string>();
  const resolve = (name: string) => {
    const { found, value } = lookup(context, name);
    if (!found) missing.add(name);
    return value;
  };
  const render = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole) return resolve(whole[1]!) ?? null;
      return node.replace(PLACEHOLDER, (_match, name: string) => asText(resolve(name)));
    }
    if (Array.isArray(node)) return node.map(render);
    if (typeof node === 'object' && node !== null) return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, render(value)]));
    return node;
  };
  return { payload: render(template), missing: [...missing] };
}

/** The body of a webhook whose node has no template: the whole decision and its input. */
export function defaultWebhookPayload(context: TemplateContext): unknown {
  return { event: 'judgment.completed', ...context.execution, input: context.input };
}

/** A Slack-compatible message for a notification whose node has no template. */
export function defaultNotificationPayload(context: TemplateContext): unknown {
  const { workflowName, decision, confidence, executionId } = context.execution;
  return { text: `Judgify: "${workflowName}" decided ${decision} (confidence ${confidence.toFixed(2)}) — execution ${executionId}` };
}
