import { AppError } from '@judgify/runtime/errors';
import type { DelegatedRequest, SupergraphClient } from '@judgify/runtime/supergraph-client';

export interface ViewDataError {
  message: string;
  code: string;
  path: string[] | null;
}

/** What a view's query returned: its data (possibly partial) and the errors, as the user would have seen them. */
export interface ViewData {
  data: unknown;
  errors: ViewDataError[];
}

/**
 * Runs a view's saved query through the gateway as the user who asked for the dashboard (a
 * delegated call): tenant and roles apply exactly as if the user had sent it, so a view can never
 * show what its viewer could not read. A failure is reported on the view, never failing the
 * dashboard around it.
 */
export async function runViewQuery(supergraph: SupergraphClient, on: DelegatedRequest, query: string, variables?: Record<string, unknown> | null): Promise<ViewData> {
  try {
    const result = await supergraph.execute(on, query, { variables: variables ?? undefined });
    return {
      data: result.data ?? null,
      errors: (result.errors ?? []).map((error) => ({
        message: error.message,
        code: typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR',
        path: error.path ? error.path.map(String) : null,
      })),
    };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { data: null, errors: [{ message: error.message, code: error.code, path: null }] };
  }
}
