import { AppError } from '@judgify/runtime/errors';
import { invalidInput } from '@judgify/runtime/validation';
import { checkRule } from '@judgify/rule-language/compile';
import { validateDefinition } from '@judgify/workflow-definition/validate';
import type { JudgmentMethod } from '../db/schema.ts';
import { runWorkflow, type RunResult } from './engine.ts';
import { judgeFor, type Actor, type JudgmentDeps } from './execute.ts';
import { checkInputData } from './judgment-input.ts';
import { findRunnableWorkflow } from './workflow-definitions.ts';

export const MAX_SIMULATION_INPUTS = 1000;

export interface SimulateInput {
  workflowId?: string | null;
  definition?: unknown;
  inputs: unknown[];
  method?: JudgmentMethod | null;
}

/** Runs a saved workflow, or a definition not saved yet, on many inputs: nothing is stored, published or delivered. */
export async function simulateWorkflow(deps: JudgmentDeps, actor: Actor, input: SimulateInput): Promise<RunResult[]> {
  if ((input.workflowId == null) === (input.definition == null)) {
    throw new AppError('BAD_USER_INPUT', 'Give either workflowId (a saved workflow) or definition (an unsaved one), not both or neither.');
  }
  if (input.inputs.length === 0 || input.inputs.length > MAX_SIMULATION_INPUTS) {
    throw new AppError('BAD_USER_INPUT', `inputs must hold 1 to ${MAX_SIMULATION_INPUTS} records; got ${input.inputs.length}.`, { field: 'inputs' });
  }
  const inputs = input.inputs.map((record, index) => checkInputData(record, `inputs[${index}]`));
  const method = input.method ?? 'HYBRID';
  if (input.definition != null) {
    const checked = validateDefinition(input.definition, { checkRule });
    if (!checked.ok) throw invalidInput(checked.problems);
    const definition = checked.definition;
    // An unsaved definition has no samples: its LLM nodes judge on their criteria alone.
    const judge = judgeFor(deps, actor, method, undefined, undefined);
    const results: RunResult[] = [];
    for (const record of inputs) results.push(await runWorkflow(definition, record, judge));
    return results;
  }
  const workflow = await findRunnableWorkflow(deps, actor.identity.tenantId, String(input.workflowId));
  const results: RunResult[] = [];
  for (const record of inputs) results.push(await runWorkflow(workflow.definition, record, judgeFor(deps, actor, method, workflow, record)));
  return results;
}
