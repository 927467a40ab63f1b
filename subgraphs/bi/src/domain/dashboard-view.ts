import { z } from 'zod';
import { chartTypes } from '../db/schema.ts';

export const MAX_VIEWS = 12;
const MAX_QUERY_LENGTH = 20_000;
const MAX_VARIABLES_BYTES = 10_000;

const chartInput = z.object({
  type: z.enum(chartTypes, { error: `chart type must be one of ${chartTypes.join(', ')}` }),
  spec: z.record(z.string(), z.unknown(), { error: 'chart spec must be a JSON object (a Vega-Lite spec)' }).nullish(),
});

/**
 * The shape of a view as given; what its query and chart mean is checked against the supergraph
 * by `checkView`.
 */
export const dashboardViewInput = z.object({
  title: z.string().trim().min(1, 'title must not be empty').max(120, 'title must be at most 120 characters'),
  query: z.string().trim().min(1, 'query must not be empty').max(MAX_QUERY_LENGTH, `query must be at most ${MAX_QUERY_LENGTH} characters`),
  variables: z
    .record(z.string(), z.unknown(), { error: 'variables must be a JSON object' })
    .refine((variables) => JSON.stringify(variables).length <= MAX_VARIABLES_BYTES, `variables must be at most ${MAX_VARIABLES_BYTES} bytes of JSON`)
    .nullish(),
  dataPath: z.string().regex(/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/, 'dataPath must be dotted field names, e.g. "judgmentMetrics.points"').max(300).nullish(),
  chart: chartInput,
});

export type DashboardViewInput = z.infer<typeof dashboardViewInput>;

/**
 * The count is a refinement rather than `.max()`: zod checks an array's length before its
 * elements and stops there, and every problem should be reported at once.
 */
export const dashboardViewsInput = z.array(dashboardViewInput).superRefine(
  (views, context) => {
    if (views.length > MAX_VIEWS) {
      context.addIssue({ code: 'custom', message: `a dashboard has at most ${MAX_VIEWS} views; got ${views.length}` });
    }
  },
  { when: (payload) => Array.isArray(payload.value) },
);
