import { openDatabase } from '../database.ts';
import type { Identity } from '../identity.ts';
import { InProcessBus } from '../events.ts';
import { createMetrics } from '../metrics.ts';
import type { SubgraphInfrastructure } from '../subgraph-service.ts';
import type { SubgraphYoga } from '../subgraph-yoga.ts';
import { createTestDatabase, forwardedHeaders, silentLogger, TEST_INTERNAL_SECRET } from './index.ts';

export interface GraphQLResponseBody {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface TestSubgraph<TSchema extends Record<string, unknown>> {
  yoga: SubgraphYoga;
  infrastructure: SubgraphInfrastructure<TSchema>;
  /** Runs an operation as `identity`, forwarded the way the gateway does it. */
  execute(identity: Identity, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponseBody>;
  close(): Promise<void>;
}

/** Builds a subgraph app in-process on a fresh database (PostgreSQL when TEST_DATABASE_URL is set). */
export async function createTestSubgraph<TSchema extends Record<string, unknown>>(options: {
  service: string;
  tables: TSchema;
  migrationsFolder: string;
  createApp(infrastructure: SubgraphInfrastructure<TSchema>): SubgraphYoga;
}): Promise<TestSubgraph<TSchema>> {
  const testDatabase = await createTestDatabase();
  const database = await openDatabase({
    owner: options.service,
    schema: options.tables,
    migrationsFolder: options.migrationsFolder,
    databaseUrl: testDatabase.url,
    logger: silentLogger,
  });
  const bus = new InProcessBus(silentLogger);
  const infrastructure: SubgraphInfrastructure<TSchema> = {
    service: options.service,
    logger: silentLogger,
    metrics: createMetrics(options.service),
    database,
    bus,
    internalSecret: TEST_INTERNAL_SECRET,
    readiness: { database: database.ping },
  };
  const yoga = options.createApp(infrastructure);
  return {
    yoga,
    infrastructure,
    async execute(identity, query, variables) {
      const response = await yoga.fetch('http://subgraph/graphql', {
        method: 'POST',
        headers: await forwardedHeaders(identity),
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponseBody;
    },
    async close() {
      await bus.close();
      await database.close();
      await testDatabase.drop();
    },
  };
}
