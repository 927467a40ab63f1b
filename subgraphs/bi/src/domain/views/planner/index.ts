import { composeView, type PlannedView, type UnreadPrompt } from './compose.ts';
import { isKorean } from './text.ts';
import { understand, type WorkflowName } from './understand.ts';
import type { Language } from './words.ts';

export interface PlannerContext {
  /** The asker's workflows, to find one the prompt names. */
  workflows: readonly WorkflowName[];
  now: Date;
  timeZone: string;
  /** The language to answer in; by default the prompt's (Korean when it has Hangul). */
  language?: Language;
}

/** The embedded planner: a view from a Korean or English prompt, deterministically, with no LLM. */
export function planView(prompt: string, context: PlannerContext): PlannedView | UnreadPrompt {
  const language = context.language ?? (isKorean(prompt) ? 'KO' : 'EN');
  return composeView(understand(prompt, context), language, context.timeZone);
}

export type { Language, PlannedView, UnreadPrompt, WorkflowName };
