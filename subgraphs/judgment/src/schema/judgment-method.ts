import { builder } from '../builder.ts';
import { judgmentMethods } from '../db/schema.ts';

export const JudgmentMethod = builder.enumType('JudgmentMethod', {
  description: 'How a judgment is decided: deterministic rules, an LLM, or rules first with the LLM when they are unsure.',
  values: judgmentMethods,
});
