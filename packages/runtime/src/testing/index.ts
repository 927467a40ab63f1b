import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { mintForwardedIdentity } from '../forwarded-identity.ts';
import { generateGatewayKeyPem, loadGatewayKey, publicKeySet, verificationKeys } from '../gateway-keys.ts';
import { audienceOf, IDENTITY_HEADER, type Identity } from '../identity.ts';
import { createLogger } from '../logger.ts';

/** The gateway key tests mint forwarded identities with, made once per test process. */
export const testGatewayKey = await loadGatewayKey(generateGatewayKeyPem());
/** Its public half, as a subgraph under test verifies with it. */
export const testGatewayKeys = verificationKeys({ jwks: publicKeySet([testGatewayKey]) });

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

export async function forwardedHeaders(identity: Identity, subgraph: string, key = testGatewayKey): Promise<Record<string, string>> {
  return { [IDENTITY_HEADER]: await mintForwardedIdentity(identity, key, audienceOf(subgraph)), 'content-type': 'application/json' };
}

/** A Redis key prefix of its own for each test, so tests sharing one Redis never see each other's keys. */
export const testRedisPrefix = (): string => `judgify-test-${randomUUID().slice(0, 8)}:`;

/** Deletes every key under a test's prefix. */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export const identities: Record<'acmeAdmin' | 'acmeOperator' | 'acmeViewer' | 'globexAdmin', Identity> = {
  acmeAdmin: { userId: 'ada', tenantId: 'acme', roles: ['admin'] },
  acmeOperator: { userId: 'otto', tenantId: 'acme', roles: ['operator'] },
  acmeViewer: { userId: 'vera', tenantId: 'acme', roles: ['viewer'] },
  globexAdmin: { userId: 'gina', tenantId: 'globex', roles: ['admin'] },
};

/** The minimal definition of the spec: stop the line when it runs hot and shakes. */
/**
 * A workflow whose rule's true branch passes an action node (`action`: a webhook to a `target`
 * or an inline `url`, with its payload template) before deciding STOP_LINE; OK otherwise.
 */
export function notifyingWorkflowDefinition(action: Record<string, unknown>, rule = 'temperature > 80') {
  return {
    startNode: 'check',
    nodes: [
      { id: 'check', type: 'judgment', rule },
      { id: 'notify', type: 'action', action: 'webhook', ...action },
      { id: 'stop', type: 'output', decision: 'STOP_LINE' },
      { id: 'ok', type: 'output', decision: 'OK' },
    ],
    edges: [
      { from: 'check', to: 'notify', when: 'true' },
      { from: 'notify', to: 'stop' },
      { from: 'check', to: 'ok', when: 'false' },
    ],
  };
}

export { exampleWorkflowDefinition } from '../example-workflow.ts';
