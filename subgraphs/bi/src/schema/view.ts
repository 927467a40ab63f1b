import { builder } from '../builder.ts';
import type { GeneratedView } from '../domain/views/generate.ts';
import { generateView } from '../domain/views/generate.ts';
import { ChartSpec } from './chart-spec.ts';
import { ViewDataError } from './dashboard-view.ts';

const ViewSource = builder.enumType('ViewSource', {
  description: 'What made a view.',
  values: {
    PLANNER: { description: 'The embedded deterministic planner (no LLM, or the LLM failed).' },
    LLM: { description: 'The configured LLM; its answer passed every check.' },
  } as const,
});

const ViewLanguage = builder.enumType('ViewLanguage', { values: { KO: { description: 'Korean' }, EN: { description: 'English' } } as const });

const View = builder.objectRef<GeneratedView>('View').implement({
  description: 'A chart from plain language, with the query that makes it (read it, rerun it, save it to a dashboard) and its data.',
  fields: (t) => ({
    title: t.exposeString('title'),
    interpretation: t.exposeString('interpretation', { description: 'One line saying what was understood: metric · range · grouping · filters · chart; or, without a chart, what was and was not.' }),
    query: t.exposeString('query', { nullable: true, description: 'A read-only supergraph query; null when the prompt could not be read.' }),
    variables: t.field({ type: 'JSON', nullable: true, resolve: (view) => view.variables }),
    dataPath: t.exposeString('dataPath', { nullable: true, description: 'Where in `data` the rows the chart draws are.' }),
    chart: t.field({ type: ChartSpec, nullable: true, resolve: (view) => view.chart }),
    data: t.field({ type: 'JSON', nullable: true, description: 'The query run through the gateway as you.', resolve: (view) => view.data ?? null }),
    dataErrors: t.field({ type: [ViewDataError], resolve: (view) => view.dataErrors }),
    source: t.expose('source', { type: ViewSource }),
    warnings: t.exposeStringList('warnings'),
    suggestions: t.exposeStringList('suggestions', { description: 'Prompts that do make a chart, when this one did not.' }),
  }),
});

builder.mutationFields((t) => ({
  generateView: t.field({
    type: View,
    authScopes: { viewer: true },
    description: 'A chart from a Korean or English prompt, e.g. "지난 주 성공률 차트 보여줘" or "average confidence by method this month". Save it with addDashboardView.',
    args: {
      prompt: t.arg.string({ required: true, description: '1–1000 characters.' }),
      language: t.arg({ type: ViewLanguage, description: "The answer's language; the prompt's by default." }),
      timeZone: t.arg.string({ description: 'IANA time zone for days and weeks; Asia/Seoul for Korean prompts, UTC otherwise, by default.' }),
    },
    resolve: (_root, args, context) => generateView({ ...context.deps, metrics: context.deps.viewMetrics }, context, args),
  }),
}));
