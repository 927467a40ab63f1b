import { builder } from '../builder.ts';

export const ChartType = builder.enumType('ChartType', {
  description: 'The kind of chart a dashboard view is drawn as.',
  values: {
    BAR: { description: 'Bars per category.' },
    LINE: { description: 'A series over time.' },
    PIE: { description: 'Shares of a whole.' },
    GAUGE: { description: 'One value against a range.' },
    KPI: { description: 'One headline number.' },
  } as const,
});
