import { AppError } from '@judgify/runtime/errors';
import { invalidInput } from '@judgify/runtime/validation';
import { checkRule } from '@judgify/rule-language/compile';
import { validateDefinition } from '@judgify/workflow-definition/validate';
import type { JudgmentMethod } from '../db/schema.ts';
import { runWorkflow, type RunResult } from './engine.ts';
import type { Actor, JudgmentDeps } from './execute.ts';
import { checkInputData } from './judgment-input.ts';
import { createNodeJudge } from './judge.ts';
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
  let definition;
  if (input.definition != null) {
    const checked = validateDefinition(input.definition, { checkRule });
    if (!checked.ok) throw invalidInput(checked.problems);
    definition = checked.definition;
  } else {
    definition = (await findRunnableWorkflow(deps, actor.identity.tenantId, String(input.workflowId))).definition;
  }
  const judge = createNodeJudge({ method: input.method ?? 'HYBRID', compile: deps.compile, llm: deps.llm });
  const results: RunResult[] = [];
  for (const record of inputs) results.push(await runWorkflow(definition, record, judge));
  return results;
}
