import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';

type Response = Awaited<ReturnType<GraphQLDataSource['process']>>;
type ResponseError = NonNullable<Response['errors']>[number];

interface Waiting {
  representations: unknown[];
  resolve(response: Response): void;
  reject(error: unknown): void;
}

interface Batch {
  options: GraphQLDataSourceProcessOptions;
  waiting: Waiting[];
}

/**
 * Entity fetches issued in the same turn of the event loop with the same query and other
 * variables (the plan's fetches for events of one subscription resolved concurrently) become one
 * `_entities` request carrying each distinct representation once; every caller gets its own
 * entities back in its own order, with errors re-pointed at its own indexes.
 */
export function batchEntityFetches(source: GraphQLDataSource): GraphQLDataSource {
  const open = new Map<string, Batch>();
  return {
    process(options) {
      const { representations, ...others } = options.request.variables ?? {};
      if (!Array.isArray(representations)) return source.process(options);
      const key = JSON.stringify([options.request.query, options.request.operationName, others]);
      let batch = open.get(key);
      if (!batch) {
        const created: Batch = { options, waiting: [] };
        open.set(key, created);
        setImmediate(() => {
          open.delete(key);
          void dispatch(source, created); // settles every caller, never rejects
        });
        batch = created;
      }
      const joining = batch;
      return new Promise((resolve, reject) => joining.waiting.push({ representations, resolve, reject }));
    },
  };
}

async function dispatch(source: GraphQLDataSource, batch: Batch): Promise<void> {
  try {
    const indexes = new Map<string, number>();
    const merged: unknown[] = [];
    const positions = batch.waiting.map(({ representations }) =>
      representations.map((representation) => {
        const key = JSON.stringify(representation);
        let index = indexes.get(key);
        if (index === undefined) {
          index = merged.push(representation) - 1;
          indexes.set(key, index);
        }
        return index;
      }),
    );
    const { request } = batch.options;
    const response = await source.process({ ...batch.options, request: { ...request, variables: { ...request.variables, representations: merged } } });
    const entities = response.data?._entities;
    if (Array.isArray(entities) && entities.length !== merged.length) {
      throw new Error(`the subgraph answered ${entities.length} entities for ${merged.length} representations`);
    }
    const answers = positions.map((own) => {
      const errors = response.errors?.flatMap((error) => reindexed(error, own));
      return {
        ...response,
        data: Array.isArray(entities) ? { ...response.data, _entities: own.map((index) => entities[index]) } : response.data,
        errors: errors?.length ? errors : undefined,
      };
    });
    batch.waiting.forEach((waiting, caller) => waiting.resolve(answers[caller]!));
  } catch (error) {
    for (const waiting of batch.waiting) waiting.reject(error);
  }
}

/** An error about merged entity N, once for each of the caller's positions that asked for N; others as they are. */
function reindexed(error: ResponseError, own: number[]): ResponseError[] {
  const [field, index, ...rest] = error.path ?? [];
  if (field !== '_entities' || typeof index !== 'number') return [error];
  return own.flatMap((merged, position) => (merged === index ? [{ ...error, path: ['_entities', position, ...rest] }] : []));
}
