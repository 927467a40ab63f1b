import { builder } from '../builder.ts';
import type { StoredChart } from '../db/schema.ts';
import { ChartType } from './chart-type.ts';

export const ChartSpec = builder.objectRef<StoredChart>('ChartSpec').implement({
  description: 'How a dashboard view is drawn.',
  fields: (t) => ({
    type: t.expose('type', { type: ChartType }),
    spec: t.field({
      type: 'JSON',
      nullable: true,
      description: 'A Vega-Lite v6 spec drawing the dataset "rows" (the data at the view\'s dataPath); null to draw the chart type with defaults.',
      resolve: (chart) => chart.spec ?? null,
    }),
  }),
});

export const ChartSpecInput = builder.inputType('ChartSpecInput', {
  fields: (t) => ({
    type: t.field({ type: ChartType, required: true }),
    spec: t.field({ type: 'JSON', description: 'A Vega-Lite v6 spec with "data": {"name": "rows"}, reading only fields the query returns at dataPath.' }),
  }),
});
