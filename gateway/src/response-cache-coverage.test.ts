import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { parseResponseCache } from './response-cache-config.ts';
import { CoveragePolicy, policyProblems, supergraphOwnership } from './response-cache-coverage.ts';
import { EVICTED_TYPES } from './response-cache-events.ts';

const supergraphSdl = readFileSync(new URL('../../supergraph.graphql', import.meta.url), 'utf8');
const gateway = new ApolloGateway({ supergraphSdl });
await gateway.load();
const schema = gateway.schema!;
const ownership = supergraphOwnership(supergraphSdl);

function policy(text: string) {
  const problems: string[] = [];
  const parsed = parseResponseCache(text, { addIssue: (issue: { message?: string }) => problems.push(issue.message ?? '') } as never);
  return { parsed, problems };
}

const coverage = (text: string) => new CoveragePolicy(schema, policy(text).parsed, ownership);
const decide = (text: string, query: string, operationName?: string) => coverage(text).decide(parse(query), operationName);

describe('RESPONSE_CACHE', () => {
  it('reads type and field entries with TTLs and scopes; empty or off is off', () => {
    const { parsed, problems } = policy('Workflow=30s@tenant, Query.workflows=10s,JudgmentExecution=500ms@user,Dashboard=2m,ChatSession=1h');
    expect(problems).toEqual([]);
    expect(parsed.enabled).toBe(true);
    expect(Object.fromEntries(parsed.rules)).toEqual({
      Workflow: { ttlMs: 30_000, scope: 'tenant' },
      'Query.workflows': { ttlMs: 10_000, scope: 'user' },
      JudgmentExecution: { ttlMs: 500, scope: 'user' },
      Dashboard: { ttlMs: 120_000, scope: 'user' },
      ChatSession: { ttlMs: 3_600_000, scope: 'user' },
    });
    expect(policy('').parsed.enabled).toBe(false);
    expect(policy(' off ').parsed.enabled).toBe(false);
  });

  it('names each malformed entry and what is wrong with it', () => {
    const { problems } = policy('Workflow,Query.workflows=10,Judgment Execution=1s,Workflow=0s,Dashboard=30s@team,ChatSession=25h,,Query.workflows=5s,Query.workflows=6s');
    expect(problems).toEqual([
      'RESPONSE_CACHE entry "Workflow" has no TTL: write "Workflow=30s" (or 500ms, 5m, 1h)',
      'RESPONSE_CACHE entry "Query.workflows=10": TTL "10" is not a whole number with a unit: ms, s, m or h (e.g. 30s)',
      'RESPONSE_CACHE entry "Judgment Execution=1s": "Judgment Execution" is not a type name ("Workflow") or a type and field ("Query.workflows")',
      'RESPONSE_CACHE entry "Workflow=0s": TTL must be more than 0 and at most 24h',
      'RESPONSE_CACHE entry "Dashboard=30s@team": the scope after "@" must be "user" (the default: one user\'s answers) or "tenant" (shared by the tenant\'s users with the same roles)',
      'RESPONSE_CACHE entry "ChatSession=25h": TTL must be more than 0 and at most 24h',
      'RESPONSE_CACHE has an empty entry (two commas in a row, or one at an end): e.g. "Workflow=30s@tenant,Query.workflows=10s"',
      'RESPONSE_CACHE names "Query.workflows" twice',
    ]);
  });

  it('names what the supergraph does not have or never caches', () => {
    expect(policyProblems(policy('Workflw=1s,Workflow.nmae=1s,Mutation.createWorkflow=1s,Query=1s,DateTime=1s,JudgmentMetricFields.bucket=1s,Query.workflows=1s').parsed, schema)).toEqual([
      '"Workflw": the supergraph has no type Workflw',
      '"Workflow.nmae": Workflow has no field nmae',
      '"Mutation.createWorkflow": only reads are cached; Mutation fields never are',
      '"Query": name the Query fields to cache (e.g. "Query.workflows"), or their types',
      '"DateTime": DateTime is a scalar, not an object type',
      '"JudgmentMetricFields.bucket": fields are named on object types, and JudgmentMetricFields is an interface: name the field on each type that implements it',
    ]);
  });
});

describe('what may be cached', () => {
  it('caches a read every field of which an entry covers, at the smallest TTL of the entries it relies on', () => {
    expect(decide('Workflow=30s@tenant', '{ workflows(first: 1) { id name } }')).toMatchObject({ cacheable: true, ttlMs: 30_000, scope: 'tenant', graphs: ['WORKFLOW'] });
    expect(decide('Workflow=30s@tenant,Query.workflows=10s@tenant', '{ workflows(first: 1) { id name } }')).toMatchObject({ cacheable: true, ttlMs: 10_000 });
    // A type entry covers the value objects beneath its own fields (history's events, a snapshot).
    expect(decide('Workflow=30s@tenant', 'query($id: ID!) { workflow(id: $id) { name history { id type } atVersion(version: 1) { name } } }')).toMatchObject({ cacheable: true, ttlMs: 30_000 });
  });

  it('keys by user unless every entry used is tenant-shared', () => {
    expect(decide('Workflow=30s', '{ workflows { id } }').scope).toBe('user');
    expect(decide('Workflow=30s@tenant,Query.workflows=10s', '{ workflows { id } }').scope).toBe('user');
    expect(decide('Workflow=30s@tenant,Query.workflows=10s@tenant', '{ workflows { id } }').scope).toBe('tenant');
  });

  it('does not let a type entry cover fields other subgraphs add to it, which its events do not evict', () => {
    expect(decide('Workflow=30s', '{ workflows { id successRate } }')).toMatchObject({ cacheable: false, reason: 'Workflow.successRate is not covered by RESPONSE_CACHE' });
    expect(decide('Workflow=30s', '{ workflows { learningSummary { sampleCount } } }')).toMatchObject({ cacheable: false });
    expect(decide('Workflow=30s,Workflow.successRate=5s', '{ workflows { id successRate } }')).toMatchObject({ cacheable: true, ttlMs: 5_000, graphs: ['WORKFLOW', 'JUDGMENT'] });
  });

  it('does not cache other entities beneath a type entry, but does beneath a field entry', () => {
    expect(decide('Workflow=30s', '{ workflows { executions { id } } }')).toMatchObject({ cacheable: false, reason: 'Workflow.executions is not covered by RESPONSE_CACHE' });
    expect(decide('Query.workflows=5s', '{ workflows { name executions { id decision } } }')).toMatchObject({ cacheable: true, ttlMs: 5_000 });
  });

  it('never caches mutations, subscriptions, introspection or a read of nothing covered', () => {
    expect(decide('Workflow=30s', 'mutation { deleteWorkflow(id: "x") }').cacheable).toBe(false);
    expect(decide('Workflow=30s', 'subscription { workflowUpdated { id } }').cacheable).toBe(false);
    expect(decide('Workflow=30s', '{ __schema { types { name } } }').cacheable).toBe(false);
    expect(decide('Workflow=30s', '{ __typename }').cacheable).toBe(false);
    expect(decide('Workflow=30s', '{ workflows { id } dashboards { id } }').cacheable).toBe(false);
  });

  it('follows fragments and picks the named operation', () => {
    const document = 'query A { ...Q } query B { dashboards { id } } fragment Q on Query { workflow(id: "1") { ...W } } fragment W on Workflow { id name }';
    expect(decide('Workflow=30s', document, 'A').cacheable).toBe(true);
    expect(decide('Workflow=30s', document, 'B').cacheable).toBe(false);
  });
});

describe('what a cached answer is filed under', () => {
  const tags = (query: string, data: unknown) => [...coverage('Workflow=30s,JudgmentExecution=10s').tagsOf(parse(query), undefined, data, 'acme', EVICTED_TYPES)].sort();

  it('files a workflow read alone by its id, and lists (even empty), nulls and unselected ids tenant-wide', () => {
    expect(tags('{ workflow(id: "w1") { theId: id name } }', { workflow: { theId: 'w1', name: 'a' } })).toEqual(['@WORKFLOW@acme', 'Workflow:w1']);
    expect(tags('{ workflow(id: "w1") { name } }', { workflow: { name: 'a' } })).toEqual(['@WORKFLOW@acme', 'Workflow@acme']);
    expect(tags('{ workflow(id: "w1") { id } }', { workflow: null })).toEqual(['@WORKFLOW@acme', 'Workflow@acme']);
    expect(tags('{ workflows { id } }', { workflows: [] })).toEqual(['@WORKFLOW@acme', 'Workflow@acme']);
    expect(tags('{ workflows { id history { id } } }', { workflows: [{ id: 'w1', history: [{ id: 'e1' }] }] })).toEqual(['@WORKFLOW@acme', 'Workflow@acme', 'WorkflowEvent@acme']);
  });

  it('finds workflows beneath other types and through fragments', () => {
    expect(
      tags('{ judgmentExecution(id: "j") { id workflow { ...W } } } fragment W on Workflow { id name }', { judgmentExecution: { id: 'j', workflow: { id: 'w2', name: 'b' } } }),
    ).toEqual(['@JUDGMENT@acme', '@WORKFLOW@acme', 'Workflow:w2']);
  });

  it('names the subgraphs a mutation writes to', () => {
    const policy = coverage('Workflow=30s');
    expect(policy.mutationGraphs(parse('mutation { deleteWorkflow(id: "x") }'), undefined)).toEqual(['WORKFLOW']);
    expect(policy.mutationGraphs(parse('mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }'), undefined)).toEqual(['JUDGMENT']);
  });
});
