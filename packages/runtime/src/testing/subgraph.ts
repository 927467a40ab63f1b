import { readFileSync } from 'node:fs';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import type { Identity } from '../identity.ts';
import { InProcessBus } from '../events.ts';
import { packageVersion, subgraphChecks } from '../health-checks.ts';
import { createMetrics } from '../metrics.ts';
import { OutboxRelay, type OutboxTable } from '../outbox.ts';
import { createLiveUpdates } from '../pubsub.ts';
import type { SubgraphInfrastructure } from '../subgraph-service.ts';
import { createSupergraphClient } from '../supergraph-client.ts';
import type { SubgraphYoga } from '../subgraph-yoga.ts';
import { createVersionFence } from '../version-fence.ts';
import { createTestDatabase, forwardedHeaders, silentLogger, testGatewayKeys } from './index.ts';

export interface GraphQLResponseBody {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface TestSubgraph<TSchema extends Record<string, unknown>> {
  yoga: SubgraphYoga;
  infrastructure: SubgraphInfrastructure<TSchema>;
  /** Runs an operation as `identity`, forwarded the way the gateway does it (with extra headers, such as a delegation grant). */
  execute(identity: Identity, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponseBody>;
  close(): Promise<void>;
}

/** Builds a subgraph app in-process on a fresh database (PostgreSQL when TEST_DATABASE_URL is set). */
export async function createTestSubgraph<TSchema extends Record<string, unknown>>(options: {
  service: string;
  tables: TSchema;
  migrationsFolder: string;
  outbox?: OutboxTable;
  /** Leave the outbox relay stopped, to test what happens before it runs. */
  holdOutbox?: boolean;
  /** Where delegated calls go (a gateway the test runs); none by default. */
  gatewayUrl?: string;
  /** Installs pgvector where the test database has it (PGlite does). */
  vector?: boolean;
  createApp(infrastructure: SubgraphInfrastructure<TSchema>): SubgraphYoga;
}): Promise<TestSubgraph<TSchema>> {
  const testDatabase = await createTestDatabase();
  const database = await openDatabase({
    owner: options.service,
    schema: options.tables,
    migrationsFolder: options.migrationsFolder,
    databaseUrl: testDatabase.url,
    vector: options.vector,
    logger: silentLogger,
  });
  const bus = new InProcessBus(silentLogger);
  const appClosers: Array<() => Promise<void>> = [];
  const relay =
    options.outbox && new OutboxRelay({ db: database.db, table: options.outbox, bus, logger: silentLogger, owner: options.service, pollIntervalMs: 50 });
  const infrastructure: SubgraphInfrastructure<TSchema> = {
    service: options.service,
    version: packageVersion(options.migrationsFolder),
    logger: silentLogger,
    metrics: createMetrics(options.service),
    database,
    bus,
    outbox: options.outbox && relay ? { table: options.outbox, relay } : undefined,
    live: createLiveUpdates({ logger: silentLogger, service: options.service }),
    fence: createVersionFence({ logger: silentLogger, service: options.service }),
    supergraph: createSupergraphClient({ url: options.gatewayUrl ?? 'http://127.0.0.1:9', service: options.service, logger: silentLogger }),
    gatewayKeys: testGatewayKeys,
    ...subgraphChecks({ service: options.service, database, bus, outbox: relay }),
    onClose: (closer) => void appClosers.push(closer),
  };
  const yoga = options.createApp(infrastructure);
  if (!options.holdOutbox) relay?.start();
  return {
    yoga,
    infrastructure,
    async execute(identity, query, variables, headers = {}) {
      const response = await yoga.fetch('http://subgraph/graphql', {
        method: 'POST',
        headers: { ...(await forwardedHeaders(identity, options.service)), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponseBody;
    },
    async close() {
      await relay?.stop();
      await Promise.allSettled(appClosers.map((close) => close()));
      await bus.close();
      await database.close();
      await testDatabase.drop();
    },
  };
}

/**
 * What every subgraph must do, whatever it owns: serve the committed SDL, answer only the
 * gateway, treat malformed ids as absent, and guard its page sizes and cursors.
 */
export function describeSubgraphBasics(options: {
  subgraph: () => TestSubgraph<any>;
  schema: GraphQLSchema;
  committedSchema: URL;
  reader: Identity;
  /** Root fields taking `id: ID!`. */
  lookups?: string[];
  /** Root list fields taking `first` and `after`. */
  lists?: string[];
}): void {
  describe('subgraph basics', () => {
    it('serves the committed schema.graphql', () => {
      expect(printSubgraphSchema(options.schema)).toBe(readFileSync(options.committedSchema, 'utf8'));
    });

    it('refuses requests that did not come through the gateway', async () => {
      const response = await options.subgraph().yoga.fetch('http://subgraph/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      expect(response.status).toBe(401);
      expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it('answers _entities with an unknown __typename as bad input naming it, not as an internal error', async () => {
      const result = await options.subgraph().execute(options.reader, `{ _entities(representations: [{ __typename: "NoSuchType", id: "x" }]) { __typename } }`);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toMatch(/^Cannot resolve _entities: representations\[0\]\.__typename "NoSuchType" is not an entity of this subgraph; its entities are /);
      const missing = await options.subgraph().execute(options.reader, `query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, { r: [{ id: 'x' }] });
      expect(missing.errors?.[0]).toMatchObject({ message: 'Cannot resolve _entities: representations[0] has no "__typename" string.', extensions: { code: 'BAD_USER_INPUT' } });
    });

    it('refuses a document nested too deeply for the parser with a 400 naming the limit, before parsing it', async () => {
      for (const query of ['{ a'.repeat(3000), `{ ${'a(x: '.repeat(3000)}`, `{ a(x: ${'['.repeat(3000)}) }`]) {
        const response = await options.subgraph().yoga.fetch('http://subgraph/graphql', {
          method: 'POST',
          headers: { ...(await forwardedHeaders(options.reader, options.subgraph().infrastructure.service)), accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query }),
        });
        expect(response.status).toBe(400);
        expect((await response.json()).errors[0]).toMatchObject({ message: expect.stringContaining('nests more than 64 levels'), extensions: { code: 'BAD_REQUEST' } });
      }
      const long = await options.subgraph().execute(options.reader, `{ ${'__typename '.repeat(25_000)}}`);
      expect(long.errors?.[0]?.message).toMatch(/^Syntax Error: Document contains more th\w+ 20000 tokens/);
    });

    for (const field of options.lookups ?? []) {
      it(`answers null from ${field} for an id that is not a UUID`, async () => {
        const result = await options.subgraph().execute(options.reader, `{ ${field}(id: "not-a-uuid") { id } }`);
        expect(result).toEqual({ data: { [field]: null } });
      });
    }

    for (const field of options.lists ?? []) {
      it(`refuses ${field} page sizes over 100 and cursors it did not issue`, async () => {
        const tooMany = await options.subgraph().execute(options.reader, `{ ${field}(first: 101) { id } }`);
        expect(tooMany.errors?.[0]).toMatchObject({ message: '"first" must be between 1 and 100; got 101.', extensions: { code: 'BAD_USER_INPUT' } });
        const forged = Buffer.from(JSON.stringify([new Date().toISOString(), 'not-a-uuid'])).toString('base64url');
        for (const after of ['garbage', forged]) {
          const result = await options.subgraph().execute(options.reader, `query($after: String) { ${field}(after: $after) { id } }`, { after });
          expect(result.errors?.[0]?.extensions?.code, after).toBe('BAD_USER_INPUT');
        }
      });
    }
  });
}
