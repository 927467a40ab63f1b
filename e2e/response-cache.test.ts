import { mintForwardedIdentity } from '@judgify/runtime/forwarded-identity';
import type { GatewayKey } from '@judgify/runtime/gateway-keys';
import { audienceOf, DELEGATION_HEADER, IDENTITY_HEADER, type Identity } from '@judgify/runtime/identity';
import { exampleWorkflowDefinition, identities, testRedisUrl } from '@judgify/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelegation } from '../gateway/src/delegation.ts';
import { createExampleWorkflow, graphql, signToken } from './client.ts';
import { startEmbeddedPlatform, startPlatform, type Platform, type RunningProcess } from './platform.ts';

const READ = 'query($id: ID!) { workflow(id: $id) { id name version } }';
const LIST = '{ workflows(first: 100) { id name } }';
const RENAME = 'mutation($id: ID!, $name: String!) { updateWorkflow(id: $id, input: { name: $name }) { id name } }';
/** Another admin of acme: the same tenant and roles as acmeAdmin, another user. */
const acmeSecondAdmin: Identity = { userId: 'adam', tenantId: 'acme', roles: ['admin'] };

/** A counter of a gateway's /metrics, summed over the series that carry `label` (all of them without). */
async function metric(url: string, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const series = text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'));
  return [...series].filter(([, labels = '']) => labels.includes(label)).reduce((sum, [, , value]) => sum + Number(value), 0);
}

/** What one request did to a gateway's response cache, read from its counters around it. */
async function cacheOutcome<T>(url: string, request: () => Promise<T>): Promise<{ result: T; hit: number; miss: number; bypass: number }> {
  const count = () => Promise.all(['hit', 'miss', 'bypass'].map((result) => metric(url, 'response_cache_requests_total', `result="${result}"`)));
  const before = await count();
  const result = await request();
  const after = await count();
  const [hit, miss, bypass] = after.map((value, index) => value - before[index]!) as [number, number, number];
  return { result, hit, miss, bypass };
}

/**
 * Creates a workflow and waits until each gateway has handled its workflow.created event: an
 * answer read while an eviction of its tenant is on its way is (rightly) not stored.
 */
async function createSettled(gateways: readonly RunningProcess[], token: string, name: string): Promise<string> {
  const evicted = () => Promise.all(gateways.map((gateway) => metric(gateway.url, 'response_cache_evictions_total', 'source="event"')));
  const before = await evicted();
  const id = await createExampleWorkflow(gateways[0]!.url, token, name);
  const deadline = Date.now() + 20_000;
  while ((await evicted()).some((count, index) => count <= before[index]!)) {
    if (Date.now() > deadline) throw new Error(`a gateway did not receive the workflow.created event of ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return id;
}

/** Renames a workflow at the workflow subgraph itself, as another gateway would: only its event can tell a gateway. */
async function renameAtSubgraph(workflowUrl: string, key: GatewayKey, id: string, name: string): Promise<void> {
  const renamed = await graphql(workflowUrl, RENAME, {
    variables: { id, name },
    headers: { [IDENTITY_HEADER]: await mintForwardedIdentity(identities.acmeAdmin, key, audienceOf('workflow')) },
  });
  expect(renamed.body.errors).toBeUndefined();
}

/** Reads until the answer shows `name` (each stale read is a hit), within a generous bound for the event to arrive. */
async function readUntilNamed(url: string, token: string, id: string, name: string): Promise<string | undefined> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const read = await graphql(url, READ, { token, variables: { id } });
    const seen = read.body.data?.workflow?.name as string | undefined;
    if (seen === name || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Separate processes see each other's events only through Redis: this is distributed mode.
describe.runIf(testRedisUrl())('the gateway response cache, a process per service (Redis)', () => {
  let platform: Platform;
  /** Keyed by user (`Workflow=1h`, the default scope). */
  let userScoped: RunningProcess;
  /** Shared by the tenant's users with the same roles (`Workflow=1h@tenant`). */
  let tenantScoped: RunningProcess;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // TTLs of an hour: within a test only an eviction can make an entry go.
    platform = await startPlatform({ logLevel: 'info', gatewayEnv: { RESPONSE_CACHE: 'Workflow=1h' } });
    userScoped = platform.gateway;
    tenantScoped = await platform.startGatewayReplica(undefined, { RESPONSE_CACHE: 'Workflow=1h@tenant' });
    for (const [name, identity] of Object.entries({ ...identities, acmeSecondAdmin })) tokens[name] = await signToken(identity, platform.jwtSecret, '1h');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('answers a repeated read from the cache: the same data, a hit counted, time saved', async () => {
    const id = await createSettled([userScoped], tokens.acmeAdmin!, 'Cached line');
    const first = await cacheOutcome(userScoped.url, () => graphql(userScoped.url, READ, { token: tokens.acmeAdmin, variables: { id } }));
    expect(first).toMatchObject({ hit: 0, miss: 1 });
    expect(first.result.body).toEqual({ data: { workflow: { id, name: 'Cached line', version: 1 } } });
    const savedBefore = await metric(userScoped.url, 'response_cache_saved_seconds_total');
    const second = await cacheOutcome(userScoped.url, () => graphql(userScoped.url, READ, { token: tokens.acmeAdmin, variables: { id } }));
    expect(second).toMatchObject({ hit: 1, miss: 0 });
    expect(second.result.body).toEqual(first.result.body);
    expect(await metric(userScoped.url, 'response_cache_saved_seconds_total')).toBeGreaterThan(savedBefore);
    // Other variables are another answer.
    const other = await createSettled([userScoped], tokens.acmeAdmin!, 'Other line');
    expect(await cacheOutcome(userScoped.url, () => graphql(userScoped.url, READ, { token: tokens.acmeAdmin, variables: { id: other } }))).toMatchObject({ hit: 0, miss: 1 });
  });

  it('shows a rename through the gateway on the next read there: its own mutation evicts', async () => {
    const id = await createSettled([userScoped], tokens.acmeAdmin!, 'Before rename');
    await graphql(userScoped.url, READ, { token: tokens.acmeAdmin, variables: { id } });
    expect((await cacheOutcome(userScoped.url, () => graphql(userScoped.url, READ, { token: tokens.acmeAdmin, variables: { id } }))).hit).toBe(1);
    const renamed = await graphql(userScoped.url, RENAME, { token: tokens.acmeAdmin, variables: { id, name: 'After rename' } });
    expect(renamed.body.data?.updateWorkflow.name).toBe('After rename');
    const next = await cacheOutcome(userScoped.url, () => graphql(userScoped.url, READ, { token: tokens.acmeAdmin, variables: { id } }));
    expect(next).toMatchObject({ hit: 0, miss: 1 });
    expect(next.result.body.data?.workflow).toEqual({ id, name: 'After rename', version: 2 });
  });

  it('evicts on the workflow.updated event on every replica, for single reads and lists alike', async () => {
    const id = await createSettled([userScoped, tenantScoped], tokens.acmeAdmin!, 'Evented line');
    for (const gateway of [userScoped, tenantScoped]) {
      for (const query of [READ, LIST]) {
        await graphql(gateway.url, query, { token: tokens.acmeAdmin, variables: { id } });
        expect((await cacheOutcome(gateway.url, () => graphql(gateway.url, query, { token: tokens.acmeAdmin, variables: { id } }))).hit, `${gateway.url} caches`).toBe(1);
      }
    }
    const evictedBefore = await Promise.all([userScoped, tenantScoped].map((gateway) => metric(gateway.url, 'response_cache_evictions_total', 'source="event"')));
    // Not through a gateway: no gateway's own mutation evicts anything, only the event can.
    await renameAtSubgraph(platform.subgraphs.workflow.url, platform.gatewayKey, id, 'Evented line renamed');
    for (const [index, gateway] of [userScoped, tenantScoped].entries()) {
      expect(await readUntilNamed(gateway.url, tokens.acmeAdmin!, id, 'Evented line renamed')).toBe('Evented line renamed');
      const list = await graphql(gateway.url, LIST, { token: tokens.acmeAdmin });
      expect(list.body.data?.workflows).toContainEqual({ id, name: 'Evented line renamed' });
      expect(await metric(gateway.url, 'response_cache_evictions_total', 'source="event"')).toBeGreaterThan(evictedBefore[index]!);
    }
  });

  it("never answers one tenant with another's entry", async () => {
    await createSettled([tenantScoped], tokens.acmeAdmin!, 'Acme only');
    await createSettled([tenantScoped], tokens.globexAdmin!, 'Globex only');
    const acme = await graphql(tenantScoped.url, LIST, { token: tokens.acmeAdmin });
    expect((await cacheOutcome(tenantScoped.url, () => graphql(tenantScoped.url, LIST, { token: tokens.acmeAdmin }))).hit).toBe(1);
    // Same document, same roles, another tenant: its own answer, not a hit.
    const globex = await cacheOutcome(tenantScoped.url, () => graphql(tenantScoped.url, LIST, { token: tokens.globexAdmin }));
    expect(globex).toMatchObject({ hit: 0, miss: 1 });
    const names = (body: typeof acme.body) => (body.data?.workflows as Array<{ name: string }>).map((workflow) => workflow.name);
    expect(names(globex.result.body)).toContain('Globex only');
    expect(names(globex.result.body)).not.toContain('Acme only');
    expect(names(acme.body)).not.toContain('Globex only');
    expect((await cacheOutcome(tenantScoped.url, () => graphql(tenantScoped.url, LIST, { token: tokens.globexAdmin }))).result.body).toEqual(globex.result.body);
  });

  it('keeps roles apart, and users apart unless the entries say @tenant', async () => {
    const id = await createSettled([tenantScoped, userScoped], tokens.acmeAdmin!, 'Roles line');
    for (const gateway of [userScoped, tenantScoped]) await graphql(gateway.url, READ, { token: tokens.acmeAdmin, variables: { id } });
    // Another role of the same tenant never shares an entry, in either scope.
    for (const gateway of [userScoped, tenantScoped]) {
      expect(await cacheOutcome(gateway.url, () => graphql(gateway.url, READ, { token: tokens.acmeViewer, variables: { id } }))).toMatchObject({ hit: 0, miss: 1 });
    }
    // Another user with the same tenant and roles shares it only where the entry is @tenant.
    expect(await cacheOutcome(userScoped.url, () => graphql(userScoped.url, READ, { token: tokens.acmeSecondAdmin, variables: { id } }))).toMatchObject({ hit: 0, miss: 1 });
    const shared = await cacheOutcome(tenantScoped.url, () => graphql(tenantScoped.url, READ, { token: tokens.acmeSecondAdmin, variables: { id } }));
    expect(shared).toMatchObject({ hit: 1, miss: 0 });
    expect(shared.result.body.data?.workflow.name).toBe('Roles line');
  });

  it('never caches mutations, answers with errors, or reads the entries do not cover', async () => {
    const create = () =>
      graphql(userScoped.url, 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id name } }', {
        token: tokens.acmeAdmin,
        variables: { input: { name: 'Mutated', definition: exampleWorkflowDefinition } },
      });
    const mutations = [await cacheOutcome(userScoped.url, create), await cacheOutcome(userScoped.url, create)];
    for (const mutation of mutations) expect(mutation).toMatchObject({ hit: 0, miss: 0, bypass: 1 });
    const [a, b] = mutations.map((mutation) => mutation.result.body.data?.createWorkflow?.id as string | undefined);
    expect(a && b && a !== b).toBe(true);

    // A page size out of range is refused with BAD_USER_INPUT: asked twice, executed twice.
    const refused = '{ workflows(first: 1000) { id } }';
    for (let round = 0; round < 2; round++) {
      const outcome = await cacheOutcome(userScoped.url, () => graphql(userScoped.url, refused, { token: tokens.acmeAdmin }));
      expect(outcome.result.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(outcome).toMatchObject({ hit: 0, miss: 1 });
    }
    // Fields another subgraph adds to Workflow are not covered by `Workflow=1h`: the read is not cached at all.
    const uncovered = 'query($id: ID!) { workflow(id: $id) { name successRate } }';
    for (let round = 0; round < 2; round++) {
      expect(await cacheOutcome(userScoped.url, () => graphql(userScoped.url, uncovered, { token: tokens.acmeAdmin, variables: { id: a } }))).toMatchObject({ hit: 0, miss: 0, bypass: 1 });
    }
  });

  it('does not cache delegated calls: a service acting for a user, its roles perhaps narrowed', async () => {
    const id = await createSettled([userScoped], tokens.acmeAdmin!, 'Delegated line');
    const delegation = createDelegation({ keys: [platform.gatewayKey], ttlSeconds: 60 });
    for (let round = 0; round < 2; round++) {
      const delegated = await cacheOutcome(userScoped.url, () =>
        graphql(userScoped.url, READ, { variables: { id }, headers: { [DELEGATION_HEADER]: delegation.mint(identities.acmeAdmin, 'chat', `r${round}`) } }),
      );
      expect(delegated).toMatchObject({ hit: 0, miss: 0, bypass: 1 });
      expect(delegated.result.body.data?.workflow.name).toBe('Delegated line');
    }
  });

  it('runs the library where it works: after the federation executor, with nothing to warn about', () => {
    // @envelop/response-cache warns on stderr when another plugin replaced the execute function it wraps.
    for (const gateway of [userScoped, tenantScoped]) expect(gateway.output.join('\n')).not.toContain('useResponseCache');
  });
});

describe('the gateway response cache, every service in one process (npm start, in-process bus)', () => {
  let platform: Awaited<ReturnType<typeof startEmbeddedPlatform>>;
  let workflowUrl: string;
  let admin: string;

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({ env: { RESPONSE_CACHE: 'Workflow=1h@tenant', REDIS_URL: '' } });
    workflowUrl = /workflow\s+subgraph:\s+(http\S+)\/graphql/.exec(platform.gateway.output.join('\n'))![1]!;
    admin = await signToken(identities.acmeAdmin, platform.jwtSecret, '1h');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('evicts on the workflow.updated event the subgraph publishes on the in-process bus', async () => {
    const url = platform.gateway.url;
    const id = await createSettled([platform.gateway], admin, 'Embedded line');
    await graphql(url, READ, { token: admin, variables: { id } });
    expect((await cacheOutcome(url, () => graphql(url, READ, { token: admin, variables: { id } }))).hit).toBe(1);
    await renameAtSubgraph(workflowUrl, platform.gatewayKey, id, 'Embedded line renamed');
    expect(await readUntilNamed(url, admin, id, 'Embedded line renamed')).toBe('Embedded line renamed');
    expect(await metric(url, 'response_cache_evictions_total', 'source="event"')).toBeGreaterThan(0);
  });
});
