import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { audienceOf, IDENTITY_HEADER, mintForwardedIdentity, type Identity } from '../identity.ts';
import { createLogger } from '../logger.ts';

/** The secret tests mint forwarded identities with. */
export const TEST_INTERNAL_SECRET = 'test-internal-secret-that-is-long-enough';

export const silentLogger = createLogger('test', 'silent');

export const testRedisUrl = (): string | undefined => process.env.TEST_REDIS_URL || undefined;

/**
 * A fresh, empty database for one test file: a new PostgreSQL database on the server named
 * by TEST_DATABASE_URL, or nothing (undefined) to use an in-memory PGlite.
 */
export async function createTestDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return { url: undefined, drop: async () => {} };
  const name = `judgify_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function forwardedHeaders(identity: Identity, subgraph: string, secret = TEST_INTERNAL_SECRET): Promise<Record<string, string>> {
  return { [IDENTITY_HEADER]: await mintForwardedIdentity(identity, secret, audienceOf(subgraph)), 'content-type': 'application/json' };
}

export const identities: Record<'acmeAdmin' | 'acmeOperator' | 'acmeViewer' | 'globexAdmin', Identity> = {
  acmeAdmin: { userId: 'ada', tenantId: 'acme', roles: ['admin'] },
  acmeOperator: { userId: 'otto', tenantId: 'acme', roles: ['operator'] },
  acmeViewer: { userId: 'vera', tenantId: 'acme', roles: ['viewer'] },
  globexAdmin: { userId: 'gina', tenantId: 'globex', roles: ['admin'] },
};

/** The minimal definition of the spec: stop the line when it runs hot and shakes. */
export const exampleWorkflowDefinition = {
  startNode: 'check',
  nodes: [
    { id: 'check', type: 'judgment', rule: 'temperature > 80 AND vibration > 50' },
    { id: 'stop', type: 'output', decision: 'STOP_LINE' },
    { id: 'ok', type: 'output', decision: 'OK' },
  ],
  edges: [
    { from: 'check', to: 'stop', when: 'true' },
    { from: 'check', to: 'ok', when: 'false' },
  ],
};
