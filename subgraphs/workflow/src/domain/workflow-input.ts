import { invalidInput, type InputProblem } from '@judgify/runtime/validation';
import { validateDefinition, type RuleChecker } from '@judgify/workflow-definition/validate';
import { z } from 'zod';
import type { WorkflowContent } from './workflow-events.ts';

/** Letters of any script (with their marks), digits, space, underscore, hyphen. */
const NAME_CHARACTERS = /^[\p{L}\p{M}\p{N} _-]+$/u;

const nameRule = z
  .string()
  .trim()
  .min(3, 'name must be at least 3 characters')
  .max(50, 'name must be at most 50 characters')
  .regex(NAME_CHARACTERS, 'name may contain only letters, digits, spaces, "_" and "-"');
const descriptionRule = z.string().max(500, 'description must be at most 500 characters').nullish();

/** As received from GraphQL: the definition is arbitrary JSON until validated. */
export interface WorkflowInput {
  name?: string | null;
  description?: string | null;
  definition?: unknown;
}

function check<T>(rule: z.ZodType<T>, value: unknown, path: string, problems: InputProblem[]): T | undefined {
  const result = rule.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) problems.push({ path, message: issue.message });
  return undefined;
}

/**
 * Checks a workflow's fields and reports every problem at once, definition graph included.
 * For an update (`partial`), absent fields are left as they are.
 */
export function validateWorkflowInput(input: WorkflowInput, options: { partial: boolean; checkRule?: RuleChecker }): Partial<WorkflowContent> {
  const problems: InputProblem[] = [];
  const content: Partial<WorkflowContent> = {};
  if (!options.partial || input.name != null) {
    const name = check(nameRule, input.name ?? undefined, 'input.name', problems);
    if (name !== undefined) content.name = name;
  }
  if (input.description !== undefined) {
    content.description = check(descriptionRule, input.description, 'input.description', problems) ?? null;
  }
  if (!options.partial || input.definition != null) {
    const result = validateDefinition(input.definition, { checkRule: options.checkRule, root: 'input.definition' });
    if (result.ok) content.definition = result.definition;
    else problems.push(...result.problems);
  }
  if (problems.length) throw invalidInput(problems);
  return content;
}
