import type { ChartType } from '../../../db/schema.ts';
import { ROWS_DATASET } from '../chart-check.ts';
import type { ViewDraft } from '../check-view.ts';
import type { Grouping, Metric } from './lexicon.ts';
import type { NamedRange } from './ranges.ts';
import type { Understanding } from './understand.ts';
import { EXAMPLES, WORDS, type Language } from './words.ts';

/** A view the planner could make: everything but its data, which running the query gives. */
export interface PlannedView extends ViewDraft {
  kind: 'view';
  warnings: string[];
  /** The parts, for tests and for the LLM's context. */
  plan: { metric: Metric; grouping: Grouping | null; range: NamedRange; workflowId: string | null; chart: ChartType };
}

/** A prompt the planner could not read: what it did understand, and prompts it does read. */
export interface UnreadPrompt {
  kind: 'unread';
  interpretation: string;
  warnings: string[];
  suggestions: string[];
}

const FIELD: Record<Exclude<Metric, 'METHOD_MIX' | 'DECISION_MIX'>, string> = {
  COUNT: 'count',
  SUCCEEDED_COUNT: 'succeeded',
  FAILED_COUNT: 'failed',
  SUCCESS_RATE: 'successRate',
  FAILURE_RATE: 'failureRate',
  AVERAGE_CONFIDENCE: 'averageConfidence',
  AVERAGE_DURATION: 'averageDurationMs',
  P95_DURATION: 'p95DurationMs',
  FEEDBACK_ACCURACY: 'feedbackAccuracy',
};

const MIX_FIELD = { METHOD_MIX: 'methodsUsed', DECISION_MIX: 'decisions' } as const;
const isMix = (metric: Metric): metric is keyof typeof MIX_FIELD => metric in MIX_FIELD;
const isShare = (metric: Metric) => ['SUCCESS_RATE', 'FAILURE_RATE', 'AVERAGE_CONFIDENCE', 'FEEDBACK_ACCURACY'].includes(metric);
const isTime = (grouping: Grouping | null): grouping is 'HOUR' | 'DAY' => grouping === 'HOUR' || grouping === 'DAY';

function describeRange(range: NamedRange, language: Language): string {
  const words = WORDS[language];
  switch (range.kind) {
    case 'period':
      return words.period[range.period];
    case 'lastHours':
      return words.lastHours(range.hours);
    case 'lastDays':
      return words.lastDays(range.days);
    case 'between':
      return range.label;
  }
}

const rangeSpan = (range: NamedRange): number => {
  switch (range.kind) {
    case 'lastHours':
      return range.hours;
    case 'lastDays':
      return range.days * 24;
    case 'between':
      return (range.to.getTime() - range.from.getTime()) / 3600_000;
    case 'period':
      return { TODAY: 24, YESTERDAY: 24, THIS_WEEK: 168, LAST_WEEK: 168, THIS_MONTH: 744, LAST_MONTH: 744 }[range.period];
  }
};

/** The range as filter fields; fixed instants go to from/to. */
function rangeVariables(range: NamedRange): Record<string, unknown> {
  switch (range.kind) {
    case 'period':
      return { period: range.period };
    case 'lastHours':
      return { lastHours: range.hours };
    case 'lastDays':
      return { lastDays: range.days };
    case 'between':
      return { from: range.from.toISOString(), to: range.to.toISOString() };
  }
}

/** The chart the shape calls for, or the one named when it can show that shape. */
function chartFor(shape: 'series' | 'categories' | 'single' | 'mix', metric: Metric, named: ChartType | undefined): { type: ChartType; swapped?: ChartType } {
  const fits: Record<typeof shape, ChartType[]> = {
    series: ['LINE', 'BAR'],
    categories: isShare(metric) ? ['BAR'] : ['BAR', 'PIE'],
    single: isShare(metric) ? ['GAUGE', 'KPI'] : ['KPI'],
    mix: ['PIE', 'BAR'],
  };
  const [inferred] = fits[shape] as [ChartType];
  if (!named || fits[shape].includes(named)) return { type: named ?? inferred };
  return { type: inferred, swapped: named };
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

function valueAxis(metric: Metric, title: string) {
  if (isShare(metric)) return { title, axis: { format: '.0%' }, scale: { domain: [0, 1] } };
  if (metric === 'AVERAGE_DURATION' || metric === 'P95_DURATION') return { title: `${title} (ms)` };
  return { title };
}

const textFormat = (metric: Metric) => (isShare(metric) ? '.1%' : metric === 'AVERAGE_DURATION' || metric === 'P95_DURATION' ? ',.1f' : ',d');

function specFor(options: { chart: ChartType; metric: Metric; field: string; category?: { field: string; title: string }; temporal: boolean; mixField?: string; title: string; timeTitle: string }): Record<string, unknown> {
  const { chart, metric, field, category, temporal, mixField, title } = options;
  const base = { $schema: SCHEMA, data: { name: ROWS_DATASET }, width: 'container' as const };
  const x = temporal ? { field: 'start', type: 'temporal', title: options.timeTitle } : category ? { field: category.field, type: 'nominal', title: category.title, sort: mixField ? undefined : '-y' } : undefined;
  if (mixField) {
    const key = category || temporal ? `${mixField}.key` : 'key';
    const count = category || temporal ? `${mixField}.count` : 'count';
    const transform = category || temporal ? [{ flatten: [mixField] }] : undefined;
    if (chart === 'PIE') {
      return { ...base, ...(transform ? { transform } : {}), mark: { type: 'arc', tooltip: true }, encoding: { theta: { field: count, type: 'quantitative', stack: true }, color: { field: key, type: 'nominal', title } } };
    }
    return {
      ...base,
      ...(transform ? { transform } : {}),
      mark: { type: 'bar', tooltip: true },
      encoding: { x: x ?? { field: key, type: 'nominal', title, sort: '-y' }, y: { field: count, type: 'quantitative', title: title }, ...(x ? { color: { field: key, type: 'nominal', title } } : {}) },
    };
  }
  const y = { field, type: 'quantitative', ...valueAxis(metric, title) };
  switch (chart) {
    case 'LINE':
      return { ...base, mark: { type: 'line', point: true, tooltip: true }, encoding: { x, y } };
    case 'BAR':
      return { ...base, mark: { type: 'bar', tooltip: true }, encoding: { x, y } };
    case 'PIE':
      return { ...base, mark: { type: 'arc', tooltip: true }, encoding: { theta: { field, type: 'quantitative' }, color: { ...x, sort: undefined } } };
    case 'KPI':
      return { ...base, mark: { type: 'text', fontSize: 48, fontWeight: 'bold' }, encoding: { text: { field, type: 'quantitative', format: textFormat(metric) } } };
    case 'GAUGE':
      return {
        ...base,
        layer: [
          { mark: { type: 'arc', innerRadius: 70, outerRadius: 100, color: '#e5e7eb' }, encoding: { theta: { datum: 1, type: 'quantitative', scale: { domain: [0, 1] } } } },
          { mark: { type: 'arc', innerRadius: 70, outerRadius: 100 }, encoding: { theta: { field, type: 'quantitative', scale: { domain: [0, 1] } } } },
          { mark: { type: 'text', fontSize: 32, fontWeight: 'bold' }, encoding: { text: { field, type: 'quantitative', format: textFormat(metric) } } },
        ],
      };
  }
}

function unread(language: Language, understood: string[], problem: string): UnreadPrompt {
  const words = WORDS[language];
  const parts = understood.length ? `${words.understood}: ${understood.join(' · ')}` : words.nothing;
  return { kind: 'unread', interpretation: `${words.notUnderstood}: ${problem}. ${parts}.`, warnings: [problem], suggestions: EXAMPLES[language] };
}

/** The view an understanding calls for, or why there is none. */
export function composeView(understanding: Understanding, language: Language, timeZone: string): PlannedView | UnreadPrompt {
  const words = WORDS[language];
  const understood = [
    understanding.metric && words.metric[understanding.metric],
    understanding.range && describeRange(understanding.range, language),
    understanding.grouping && words.grouping[understanding.grouping],
    understanding.workflow && words.workflow(understanding.workflow.name),
    understanding.chart && words.chart[understanding.chart],
  ].filter((part): part is string => Boolean(part));
  if (understanding.asksForAction) return unread(language, understood, words.readOnly);
  if (understanding.unknownWorkflow) return unread(language, understood, words.unknownWorkflow(understanding.unknownWorkflow).replace(/\.$/, ''));
  const { metric } = understanding;
  if (!metric) return unread(language, understood, words.noMetric);

  const warnings: string[] = [];
  if (understanding.otherMetrics.length) warnings.push(words.alsoNamed(understanding.otherMetrics.map((other) => words.metric[other])));
  const range: NamedRange = understanding.range ?? { kind: 'lastDays', days: 7 };
  if (!understanding.range) warnings.push(words.defaultRange);
  const fineRange = rangeSpan(range) <= 48;
  let grouping: Grouping | null = understanding.grouping ?? null;
  const single = understanding.chart === 'KPI' || understanding.chart === 'GAUGE';
  if (!grouping && !isMix(metric) && !single && (understanding.trend || understanding.chart === 'LINE' || understanding.chart === 'BAR' || understanding.chartAsked)) grouping = fineRange ? 'HOUR' : 'DAY';
  if (!grouping && isMix(metric) && (understanding.trend || understanding.chart === 'LINE')) grouping = fineRange ? 'HOUR' : 'DAY';
  if (grouping === 'DECISION') {
    if (metric !== 'COUNT' && metric !== 'DECISION_MIX') return unread(language, understood, words.notSplit(words.metric[metric], words.grouping.DECISION).replace(/\.$/, ''));
  }
  if (grouping === 'METHOD' && metric === 'FEEDBACK_ACCURACY') return unread(language, understood, words.notSplit(words.metric[metric], words.grouping.METHOD).replace(/\.$/, ''));

  const filter: Record<string, unknown> = { ...rangeVariables(range), timeZone };
  if (understanding.workflow) filter.workflowId = understanding.workflow.id;
  const metricTitle = words.metric[metric];
  const mixField = grouping === 'DECISION' ? 'decisions' : isMix(metric) ? MIX_FIELD[metric] : undefined;
  const field = mixField ? 'count' : FIELD[metric as keyof typeof FIELD];
  const mixSelection = mixField ? `${mixField} { key count share }` : field;

  let query: string;
  let dataPath: string;
  let shape: 'series' | 'categories' | 'single' | 'mix';
  let category: { field: string; title: string } | undefined;
  const statsRange = range.kind === 'between';
  const statsHead = `query View(${statsRange ? '$from: DateTime, $to: DateTime, ' : ''}$filter: JudgmentStatsFilter)`;
  const statsCall = `judgmentStats(${statsRange ? 'from: $from, to: $to, ' : ''}filter: $filter)`;
  let variables: Record<string, unknown>;
  if (isTime(grouping)) {
    query = `query View($filter: JudgmentMetricsFilter!) {\n  judgmentMetrics(filter: $filter) {\n    points { start ${mixSelection} }\n  }\n}`;
    dataPath = 'judgmentMetrics.points';
    shape = 'series';
    variables = { filter: { ...filter, bucket: grouping } };
  } else {
    const { from, to, ...statsFilter } = filter;
    variables = statsRange ? { from, to, filter: statsFilter } : { filter: statsFilter };
    if (grouping === 'METHOD' || grouping === 'WORKFLOW') {
      const list = grouping === 'METHOD' ? 'byMethod' : 'byWorkflow';
      const label = grouping === 'METHOD' ? 'method' : 'workflow { id name }';
      query = `${statsHead} {\n  ${statsCall} {\n    ${list} { ${label} ${mixSelection} }\n  }\n}`;
      dataPath = `judgmentStats.${list}`;
      category = grouping === 'METHOD' ? { field: 'method', title: words.grouping.METHOD } : { field: 'workflow.name', title: words.grouping.WORKFLOW };
      shape = 'categories';
    } else if (mixField) {
      query = `${statsHead} {\n  ${statsCall} {\n    totals { ${mixSelection} }\n  }\n}`;
      dataPath = `judgmentStats.totals.${mixField}`;
      shape = 'mix';
    } else {
      query = `${statsHead} {\n  ${statsCall} {\n    totals { ${field} }\n  }\n}`;
      dataPath = 'judgmentStats.totals';
      shape = 'single';
    }
  }
  const chart = chartFor(shape, metric, understanding.chart);
  // A mix split by a grouping is a stacked bar; counts by decision read best as bars unless a pie is asked for.
  const stacked = Boolean(mixField) && shape !== 'mix';
  const drawn = stacked
    ? { type: 'BAR' as const, swapped: understanding.chart && understanding.chart !== 'BAR' ? understanding.chart : undefined }
    : grouping === 'DECISION' && !understanding.chart
      ? { type: 'BAR' as const }
      : chart;
  if (drawn.swapped) warnings.push(words.chartSwapped(words.chart[drawn.swapped], words.chart[drawn.type]));
  const rangeWords = describeRange(range, language);
  const scope = understanding.workflow ? words.workflow(understanding.workflow.name) : words.allWorkflows;
  const title =
    language === 'KO'
      ? [rangeWords, understanding.workflow ? `“${understanding.workflow.name}”` : null, grouping ? words.grouping[grouping] : null, metricTitle].filter(Boolean).join(' ')
      : [metricTitle, grouping ? words.grouping[grouping] : null, understanding.workflow ? `for “${understanding.workflow.name}”` : null, `· ${rangeWords}`].filter(Boolean).join(' ');
  const interpretation = [metricTitle, `${rangeWords} (${timeZone})`, grouping ? words.grouping[grouping] : null, scope, words.chart[drawn.type]].filter(Boolean).join(' · ');
  return {
    kind: 'view',
    title,
    interpretation,
    query,
    variables,
    dataPath,
    chart: {
      type: drawn.type,
      spec: specFor({ chart: drawn.type, metric, field, category, temporal: isTime(grouping), mixField, title: metricTitle, timeTitle: words.timeAxis }),
    },
    warnings,
    plan: { metric, grouping, range, workflowId: understanding.workflow?.id ?? null, chart: drawn.type },
  };
}
