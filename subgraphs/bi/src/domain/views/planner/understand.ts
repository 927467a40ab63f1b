import { TZDate } from '@date-fns/tz';
import type { ChartType } from '../../../db/schema.ts';
import { ACTION_WORDS, CHART_ASKED, CHART_WORDS, COUNT_WORDS, GROUPING_WORDS, METRIC_WORDS, TREND_WORDS, WORKFLOW_WORD, type Grouping, type Metric } from './lexicon.ts';
import { findRange, type NamedRange } from './ranges.ts';
import { allFound, earliest, normalize } from './text.ts';

export interface WorkflowName {
  id: string;
  name: string;
}

/** What a prompt says, each part as found (or not): the planner never fills a gap with a guess but the range. */
export interface Understanding {
  metric?: Metric;
  /** Other metrics the prompt named, beyond the one shown. */
  otherMetrics: Metric[];
  range?: NamedRange;
  grouping?: Grouping;
  /** A trend asked for without a width. */
  trend: boolean;
  chart?: ChartType;
  chartAsked: boolean;
  /** The workflow the prompt names, found among the tenant's. */
  workflow?: WorkflowName;
  /** A workflow reference the prompt makes that matches none of the tenant's workflows. */
  unknownWorkflow?: string;
  /** The prompt asks for a change, or for the rules to be set aside: views only read. */
  asksForAction: boolean;
}

/** Names a prompt may quote: "…", “…”, '…', ‘…’, 「…」, 『…』. */
const QUOTED = /["“”]([^"“”]{1,100})["“”]|['‘’]([^'‘’]{1,100})['‘’]|[「『]([^」』]{1,100})[」』]/g;

const ENGLISH_STOP = new Set(['top', 'busiest', 'most', 'active', 'ranked', 'compare', 'the', 'a', 'an', 'each', 'every', 'per', 'by', 'all', 'which', 'this', 'that', 'my', 'our', 'for', 'of', 'in', 'on', 'any', 'one', 'its', 'what', 'show', 'me', 'and']);
const KOREAN_PARTICLES = /(의|에서|에서의|에 대한|에대한|에|를|을|은|는|이|가|만|과|와|로|으로)$/;

/** Name-like words next to the word "workflow": "for the Line 3 QC workflow", "workflow line-3", "품질검사 워크플로의". */
function workflowReferences(text: string): string[] {
  const references: string[] = [];
  for (const match of text.matchAll(QUOTED)) references.push((match[1] ?? match[2] ?? match[3] ?? '').trim());
  const english = [
    /\b(?:workflow|flow)s? (?:named |called )?([a-z0-9][\w\-]*(?: [a-z0-9][\w\-]*){0,3}?)(?= (?:by|per|for|in|over|this|last|past|today|yesterday|since|from|between|as|on|during|with|and|success|failure|average|p95|decision|method|accuracy|confidence|count)\b|[,.?!]|$)/,
    /\b(?:for|of|in|on) (?:the )?([a-z0-9][\w\-]*(?: [a-z0-9][\w\-]*){0,3}) workflows?\b/,
    /\b([a-z0-9][\w\-]*) workflows?\b/,
  ];
  for (const pattern of english) {
    const name = pattern.exec(text)?.[1]?.trim();
    if (name && !ENGLISH_STOP.has(name) && !name.split(' ').every((word) => ENGLISH_STOP.has(word))) references.push(name);
  }
  const korean = /((?:\S+ ){0,2}\S+?) ?워크플로(?:우)?(?!별|마다)/.exec(text);
  if (korean?.[1]) {
    const words = korean[1].split(' ');
    // The longest first: "라인3 품질검사 워크플로" may name "라인3 품질검사" or "품질검사".
    for (let start = 0; start < words.length; start++) references.push(words.slice(start).join(' ').replace(KOREAN_PARTICLES, ''));
  }
  const after = /워크플로(?:우)? ([^\s]+(?: [^\s]+)?)/.exec(text);
  if (after?.[1]) {
    const words = after[1].split(' ');
    references.push(words.join(' ').replace(KOREAN_PARTICLES, ''), words[0]!.replace(KOREAN_PARTICLES, ''));
  }
  return [...new Set(references.filter((reference) => reference.length >= 2 && !/^(각|모든|전체|all|every|each)$/.test(reference)))];
}

const compact = (text: string) => normalize(text).replace(/[\s\-_]+/g, '');

/**
 * The tenant's workflow the prompt names: the longest name it contains (ignoring case, spaces and
 * dashes), else one a workflow reference equals. A reference that names none is reported.
 */
function findWorkflow(text: string, referencing: string, workflows: readonly WorkflowName[]): Pick<Understanding, 'workflow' | 'unknownWorkflow'> {
  const compactText = compact(text);
  const contained = workflows
    .filter((workflow) => compact(workflow.name).length >= 2 && compactText.includes(compact(workflow.name)))
    .sort((a, b) => compact(b.name).length - compact(a.name).length);
  if (contained[0]) return { workflow: contained[0] };
  const references = workflowReferences(referencing);
  for (const reference of references) {
    const match = workflows.find((workflow) => compact(workflow.name) === compact(reference)) ?? workflows.find((workflow) => compact(workflow.name).startsWith(compact(reference)));
    if (match) return { workflow: match };
  }
  const named = WORKFLOW_WORD.test(referencing) || QUOTED.test(referencing) ? references[0] : undefined;
  QUOTED.lastIndex = 0;
  return named ? { unknownWorkflow: named } : {};
}

/** Success or failure counted rather than rated: "실패 건수", "how many failed", "number of failures". */
const COUNTED_OUTCOME = /(성공|실패|오류|에러|success|fail|error)\S* ?(건수|횟수|개수|수\b|count)|(how many|number of|count of) (judg(e)?ments? )?(succe|fail|error)|\b(failures|errors|successes)\b/;

export function understand(prompt: string, context: { workflows: readonly WorkflowName[]; now: Date; timeZone: string }): Understanding {
  const text = normalize(prompt);
  const found = findRange(text, new TZDate(context.now.getTime(), context.timeZone));
  // What named the range is not read again as a metric or grouping ("3시간" is no "시간별").
  const rest = found ? `${text.slice(0, found.at)} , ${text.slice(found.at + found.length)}` : text;
  const grouping = earliest(rest, GROUPING_WORDS);
  const chart = earliest(rest, CHART_WORDS);
  // A workflow is named by words other than the range, the grouping ("by workflow") and the chart.
  const referencing = [grouping, chart]
    .filter((found): found is NonNullable<typeof found> => Boolean(found))
    .sort((a, b) => b.at - a.at)
    .reduce((left, found) => `${left.slice(0, found.at)} , ${left.slice(found.at + found.length)}`, rest);
  const workflow = findWorkflow(text, referencing, context.workflows);
  const named = allFound(rest, METRIC_WORDS);
  // p95 is an execution time; only the more specific counts when both match.
  const metricsNamed = named.filter((mention) => !(mention.value === 'AVERAGE_DURATION' && named.some((other) => other.value === 'P95_DURATION')));
  let metric: Metric | undefined = metricsNamed[0]?.value;
  const counted = COUNTED_OUTCOME.exec(rest);
  if (counted && (metric === 'SUCCESS_RATE' || metric === 'FAILURE_RATE') && !/(율|률|비율|rate|ratio|percent|%)/.test(rest)) {
    metric = metric === 'SUCCESS_RATE' ? 'SUCCEEDED_COUNT' : 'FAILED_COUNT';
  }
  if (!metric && COUNT_WORDS.test(rest.replace(WORKFLOW_WORD, ' '))) metric = 'COUNT';
  return {
    metric,
    otherMetrics: metricsNamed.slice(1).map((mention) => mention.value).filter((other) => other !== metric),
    range: found?.range,
    grouping: grouping?.value,
    trend: TREND_WORDS.test(rest),
    chart: chart?.value,
    asksForAction: ACTION_WORDS.test(text),
    chartAsked: CHART_ASKED.test(rest),
    ...workflow,
  };
}

export type { Grouping, Metric };
