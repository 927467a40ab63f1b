import { builder } from '../builder.ts';
import { bucketSizes } from '../db/schema.ts';
import type { Figures, MetricsSeries, MetricsSummary } from '../domain/metrics/query.ts';
import { judgmentMetrics, judgmentStats } from '../domain/metrics/query.ts';
import { relativePeriods } from '../domain/metrics/ranges.ts';
import { Workflow } from './workflow.ts';

export const MetricBucket = builder.enumType('MetricBucket', {
  description: 'The width of one point of a metrics series. Five-minute buckets are kept 7 days, hour buckets 90 days, day buckets 730 days.',
  values: bucketSizes,
});

export const RelativePeriod = builder.enumType('RelativePeriod', {
  description: 'A range relative to now, in the time zone asked (weeks start on Monday); resolved each time the query runs, so a saved view rolls forward.',
  values: relativePeriods,
});

const judgmentMethods = ['RULE', 'LLM', 'HYBRID'] as const;

/** The judgment subgraph's enum, declared alike here (value types compose when identical). */
export const JudgmentMethod = builder.enumType('JudgmentMethod', {
  description: 'How a judgment is decided: deterministic rules, an LLM, or rules first with the LLM when they are unsure.',
  values: judgmentMethods,
});

const Share = builder.objectRef<{ key: string; count: number; share: number }>('Share').implement({
  description: 'One part of a mix: a decision, a method, a delivery kind.',
  fields: (t) => ({
    key: t.exposeString('key'),
    count: t.exposeInt('count'),
    share: t.exposeFloat('share', { description: 'count ÷ the mix total, 0–1.' }),
  }),
});

const DeliveryOutcomes = builder.objectRef<Figures['deliveries']>('DeliveryOutcomes').implement({
  description: 'Finished action deliveries (from action.executed): outcomes after all retries.',
  fields: (t) => ({
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    attempts: t.exposeInt('attempts', { description: 'HTTP attempts they took, retries included.' }),
    successRate: t.exposeFloat('successRate', { nullable: true }),
    kinds: t.field({ type: [Share], resolve: (outcomes) => outcomes.kinds }),
  }),
});

/** The figures every point and every summary row carries, flat so a chart reads them as fields of its rows. */
const JudgmentMetricFields = builder.interfaceRef<Figures>('JudgmentMetricFields').implement({
  description: 'Judgment metrics of a set of buckets: a point of a series, or a summary row.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'Judgments.' }),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    successRate: t.exposeFloat('successRate', { nullable: true, description: 'succeeded ÷ count, 0–1; null without judgments.' }),
    failureRate: t.exposeFloat('failureRate', { nullable: true, description: 'failed ÷ count, 0–1; null without judgments.' }),
    averageDurationMs: t.exposeFloat('averageDurationMs', { nullable: true, description: 'Mean execution time.' }),
    p95DurationMs: t.exposeFloat('p95DurationMs', { nullable: true, description: '95th percentile execution time, from merged log-scale histograms (within 10 %, never below).' }),
    averageConfidence: t.exposeFloat('averageConfidence', { nullable: true, description: 'Mean confidence of succeeded judgments, 0–1.' }),
    decisions: t.field({ type: [Share], description: 'The mix of decisions of succeeded judgments, most frequent first.', resolve: (figures) => figures.decisions }),
    methodsUsed: t.field({ type: [Share], description: 'The mix of methods that decided.', resolve: (figures) => figures.methodsUsed }),
    feedbackCount: t.exposeInt('feedbackCount', { description: 'Executions whose current verdict (the latest feedback) was recorded in this range.' }),
    feedbackCorrect: t.exposeInt('feedbackCorrect'),
    feedbackAccuracy: t.exposeFloat('feedbackAccuracy', { nullable: true, description: 'feedbackCorrect ÷ feedbackCount, 0–1. Not narrowed by method.' }),
    deliveries: t.field({ type: DeliveryOutcomes, description: 'Not narrowed by method.', resolve: (figures) => figures.deliveries }),
  }),
});

const MetricPoint = builder.objectRef<MetricsSeries['points'][number]>('MetricPoint').implement({
  description: 'One bucket of a series.',
  interfaces: [JudgmentMetricFields],
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime' }),
    end: t.expose('end', { type: 'DateTime' }),
  }),
});

const JudgmentMetricSeries = builder.objectRef<MetricsSeries>('JudgmentMetricSeries').implement({
  description: 'Judgment metrics over time, one point per bucket, empty buckets included.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime' }),
    timeZone: t.exposeString('timeZone'),
    bucket: t.expose('bucket', { type: MetricBucket }),
    source: t.expose('source', { type: MetricBucket, description: 'The stored bucket size the points were read from.' }),
    warnings: t.exposeStringList('warnings'),
    points: t.field({ type: [MetricPoint], resolve: (series) => series.points }),
  }),
});

const JudgmentFigures = builder.objectRef<Figures>('JudgmentFigures').implement({
  description: 'Judgment metrics summed over a range.',
  interfaces: [JudgmentMetricFields],
  fields: () => ({}),
});

const MethodFigures = builder.objectRef<Figures & { method: string }>('MethodFigures').implement({
  description: 'Judgment metrics of one requested method.',
  interfaces: [JudgmentMetricFields],
  fields: (t) => ({ method: t.field({ type: JudgmentMethod, resolve: (row) => row.method as (typeof judgmentMethods)[number] }) }),
});

const WorkflowFigures = builder.objectRef<Figures & { workflowId: string }>('WorkflowFigures').implement({
  description: 'Judgment metrics of one workflow.',
  interfaces: [JudgmentMetricFields],
  fields: (t) => ({ workflow: t.field({ type: Workflow, resolve: (figures) => ({ id: figures.workflowId }) }) }),
});

const JudgmentStats = builder.objectRef<MetricsSummary>('JudgmentStats').implement({
  description: 'A summary of judgments over a range.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime' }),
    timeZone: t.exposeString('timeZone'),
    totals: t.field({ type: JudgmentFigures, resolve: (summary) => summary.totals }),
    byMethod: t.field({ type: [MethodFigures], description: 'Per requested method, busiest first.', resolve: (summary) => summary.byMethod }),
    byWorkflow: t.field({ type: [WorkflowFigures], description: 'Per workflow, busiest first.', resolve: (summary) => summary.byWorkflow }),
  }),
});

type InputFields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

const rangeFields = (t: InputFields) => ({
  workflowId: t.id({ description: 'Only this workflow.' }),
  method: t.field({ type: JudgmentMethod, description: 'Only judgments that asked for this method.' }),
  period: t.field({ type: RelativePeriod }),
  lastHours: t.int({ description: 'The last N hours, 1–2160.' }),
  lastDays: t.int({ description: 'The last N days, 1–730.' }),
  timeZone: t.string({ description: 'IANA time zone for days, weeks and months, e.g. "Asia/Seoul"; UTC by default.' }),
});

const JudgmentMetricsFilter = builder.inputType('JudgmentMetricsFilter', {
  description: 'Name the range one way: from/to, period, lastHours or lastDays (the last 24 hours when none).',
  fields: (t) => ({
    ...rangeFields(t),
    from: t.field({ type: 'DateTime' }),
    to: t.field({ type: 'DateTime' }),
    bucket: t.field({ type: MetricBucket, description: 'Point width; by default one that keeps the series readable.' }),
  }),
});

const JudgmentStatsFilter = builder.inputType('JudgmentStatsFilter', {
  description: "Narrows a summary. Name its range one way: judgmentStats' from/to, or period, lastHours or lastDays here (the last 24 hours when none).",
  fields: (t) => rangeFields(t),
});

builder.queryFields((t) => ({
  judgmentMetrics: t.field({
    type: JudgmentMetricSeries,
    authScopes: { viewer: true },
    description: "Your tenant's judgment metrics as a series: counts, rates, times, confidence, mixes, feedback accuracy and deliveries per bucket.",
    args: { filter: t.arg({ type: JudgmentMetricsFilter, required: true }) },
    resolve: (_root, { filter }, context) =>
      judgmentMetrics(context.deps, context.identity.tenantId, { ...filter, workflowId: filter.workflowId == null ? null : String(filter.workflowId) }),
  }),
  judgmentStats: t.field({
    type: JudgmentStats,
    authScopes: { viewer: true },
    description: "A summary of your tenant's judgments from `from` to `to` (the last 24 hours by default), with breakdowns by method and by workflow.",
    args: {
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
      filter: t.arg({ type: JudgmentStatsFilter }),
    },
    resolve: (_root, { from, to, filter }, context) =>
      judgmentStats(context.deps, context.identity.tenantId, {
        ...filter,
        from,
        to,
        workflowId: filter?.workflowId == null ? null : String(filter.workflowId),
      }),
  }),
}));
