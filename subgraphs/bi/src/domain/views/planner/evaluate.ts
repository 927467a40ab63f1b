import { TZDate } from '@date-fns/tz';
import { planView, type PlannedView, type UnreadPrompt } from './index.ts';
import { PROMPT_NOW, PROMPT_WORKFLOWS, type PromptCase } from './prompts.ts';
import { isKorean } from './text.ts';

const localDay = (date: Date, timeZone: string) => {
  const zoned = new TZDate(date.getTime(), timeZone);
  return `${zoned.getFullYear()}-${String(zoned.getMonth() + 1).padStart(2, '0')}-${String(zoned.getDate()).padStart(2, '0')}`;
};

/** A view as a test case writes what it expects: the same fields, the range as one string. */
export function readAs(view: PlannedView | UnreadPrompt, timeZone: string): PromptCase['expected'] {
  if (view.kind === 'unread') return null;
  const { range } = view.plan;
  const rangeText =
    range.kind === 'period' ? `period:${range.period}` : range.kind === 'lastHours' ? `lastHours:${range.hours}` : range.kind === 'lastDays' ? `lastDays:${range.days}` : `between:${localDay(range.from, timeZone)}/${localDay(range.to, timeZone)}`;
  const workflow = PROMPT_WORKFLOWS.find((candidate) => candidate.id === view.plan.workflowId)?.name ?? null;
  return { metric: view.plan.metric, grouping: view.plan.grouping, range: rangeText, workflow, chart: view.plan.chart };
}

export interface PromptResult {
  prompt: string;
  expected: PromptCase['expected'];
  got: PromptCase['expected'];
  right: boolean;
  view: PlannedView | UnreadPrompt;
  micros: number;
}

/** Runs the planner on each case, as a Korean prompt in Seoul and an English one in UTC. */
export function evaluatePrompts(cases: readonly PromptCase[]): PromptResult[] {
  return cases.map(({ prompt, expected }) => {
    const timeZone = isKorean(prompt) ? 'Asia/Seoul' : 'UTC';
    const started = performance.now();
    const view = planView(prompt, { workflows: PROMPT_WORKFLOWS, now: PROMPT_NOW, timeZone });
    const micros = (performance.now() - started) * 1000;
    const got = readAs(view, timeZone);
    return { prompt, expected, got, right: JSON.stringify(got) === JSON.stringify(expected), view, micros };
  });
}
