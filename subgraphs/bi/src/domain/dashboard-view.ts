import { GraphQLError, Kind, parse, type DocumentNode } from 'graphql';
import { z } from 'zod';
import { chartTypes } from '../db/schema.ts';

const MAX_VIEWS = 12;
const MAX_QUERY_LENGTH = 20_000;
const MAX_QUERY_TOKENS = 2_000;

function describeSyntaxError(error: unknown): string {
  // graphql-js recurses per nesting level: an absurdly nested document overflows the stack.
  if (error instanceof RangeError) return 'it is nested too deeply';
  if (!(error instanceof GraphQLError)) throw error;
  const where = error.locations?.[0];
  return where ? `${error.message} (line ${where.line}, column ${where.column})` : error.message;
}

/**
 * A view's query runs against the supergraph with the viewer's identity every time the
 * dashboard refreshes, so only a single read-only operation may be saved.
 */
function checkReadOnlyQuery(query: string, context: z.RefinementCtx<string>): void {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: MAX_QUERY_TOKENS });
  } catch (error) {
    context.addIssue({ code: 'custom', message: `query is not a valid GraphQL document: ${describeSyntaxError(error)}` });
    return;
  }
  const foreign = document.definitions.filter(
    (definition) => definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION,
  );
  if (foreign.length > 0) {
    context.addIssue({ code: 'custom', message: 'query may contain only one query operation and its fragments, not type definitions' });
  }
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const [operation] = operations;
  if (operations.length !== 1 || !operation) {
    context.addIssue({ code: 'custom', message: `query must contain exactly one operation; found ${operations.length}` });
  } else if (operation.operation !== 'query') {
    context.addIssue({ code: 'custom', message: `query must be a read-only query operation, not a ${operation.operation}` });
  }
}

const chartInput = z.object({
  type: z.enum(chartTypes, { error: `chart type must be one of ${chartTypes.join(', ')}` }),
  spec: z.record(z.string(), z.unknown(), { error: 'chart spec must be a JSON object (Vega-Lite or equivalent)' }).nullish(),
});

const dashboardViewInput = z.object({
  title: z.string().trim().min(1, 'title must not be empty').max(120, 'title must be at most 120 characters'),
  query: z.string().max(MAX_QUERY_LENGTH, `query must be at most ${MAX_QUERY_LENGTH} characters`).superRefine(checkReadOnlyQuery),
  chart: chartInput,
});

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
