import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { describe, expect, it } from 'vitest';
import { batchEntityFetches } from './entity-batching.ts';

const ENTITIES = 'query($representations:[_Any!]!){_entities(representations:$representations){...on Workflow{name}}}';

/** A subgraph that names each workflow after its id, fails on id "bad", and records what it was asked. */
function workflowSubgraph() {
  const asked: Array<Record<string, unknown> | undefined> = [];
  const source: GraphQLDataSource = {
    async process({ request }) {
      asked.push(request.variables);
      const representations = (request.variables?.representations ?? []) as Array<{ id: string }>;
      const errors = representations.flatMap((representation, index) =>
        representation.id === 'bad' ? [{ message: 'cannot read workflow bad', path: ['_entities', index, 'name'] }] : [],
      );
      return {
        data: { _entities: representations.map(({ id }) => (id === 'bad' ? null : { name: `workflow ${id}` })) },
        ...(errors.length ? { errors } : {}),
      };
    },
  };
  return { source, asked };
}

const fetchEntities = (source: GraphQLDataSource, ids: string[], query = ENTITIES) =>
  source.process({
    request: { query, variables: { representations: ids.map((id) => ({ __typename: 'Workflow', id })) } },
  } as unknown as GraphQLDataSourceProcessOptions);

describe('entity fetch batching', () => {
  it('merges concurrent fetches of one query into one request, each distinct entity once, and hands each caller its own', async () => {
    const subgraph = workflowSubgraph();
    const batched = batchEntityFetches(subgraph.source);
    const [first, second, third] = await Promise.all([
      fetchEntities(batched, ['a', 'b']),
      fetchEntities(batched, ['b']),
      fetchEntities(batched, ['c', 'a']),
    ]);
    expect(subgraph.asked).toHaveLength(1);
    expect((subgraph.asked[0]?.representations as Array<{ id: string }>).map(({ id }) => id)).toEqual(['a', 'b', 'c']);
    expect(first?.data?._entities).toEqual([{ name: 'workflow a' }, { name: 'workflow b' }]);
    expect(second?.data?._entities).toEqual([{ name: 'workflow b' }]);
    expect(third?.data?._entities).toEqual([{ name: 'workflow c' }, { name: 'workflow a' }]);
    expect([first?.errors, second?.errors, third?.errors]).toEqual([undefined, undefined, undefined]);
  });

  it('points an entity’s error at each caller’s own index, and only at callers that asked for it', async () => {
    const subgraph = workflowSubgraph();
    const batched = batchEntityFetches(subgraph.source);
    const [clean, failing] = await Promise.all([fetchEntities(batched, ['a']), fetchEntities(batched, ['a', 'bad', 'bad'])]);
    expect(clean?.errors).toBeUndefined();
    expect(failing?.data?._entities).toEqual([{ name: 'workflow a' }, null, null]);
    expect(failing?.errors).toEqual([
      { message: 'cannot read workflow bad', path: ['_entities', 1, 'name'] },
      { message: 'cannot read workflow bad', path: ['_entities', 2, 'name'] },
    ]);
  });

  it('keeps different queries, later turns and non-entity requests apart', async () => {
    const subgraph = workflowSubgraph();
    const batched = batchEntityFetches(subgraph.source);
    await Promise.all([fetchEntities(batched, ['a']), fetchEntities(batched, ['a'], ENTITIES.replace('name', 'name version'))]);
    await fetchEntities(batched, ['a']);
    await batched.process({ request: { query: '{ workflows { id } }' } } as unknown as GraphQLDataSourceProcessOptions);
    expect(subgraph.asked).toHaveLength(4);
  });

  it('keeps fetches with different other variables apart', async () => {
    const subgraph = workflowSubgraph();
    const batched = batchEntityFetches(subgraph.source);
    const withLocale = (locale: string) =>
      batched.process({
        request: { query: ENTITIES, variables: { locale, representations: [{ __typename: 'Workflow', id: 'a' }] } },
      } as unknown as GraphQLDataSourceProcessOptions);
    await Promise.all([withLocale('ko'), withLocale('en'), withLocale('ko')]);
    expect(subgraph.asked.map((variables) => [variables?.locale, (variables?.representations as unknown[]).length])).toEqual([
      ['ko', 1],
      ['en', 1],
    ]);
  });

  it('gives errors outside `_entities`, and a response without entities, to every caller', async () => {
    const failing = batchEntityFetches({
      process: async () => ({ data: { _entities: null }, errors: [{ message: 'workflow store unavailable' }] }),
    });
    const answers = await Promise.all([fetchEntities(failing, ['a']), fetchEntities(failing, ['b'])]);
    expect(answers).toEqual([
      { data: { _entities: null }, errors: [{ message: 'workflow store unavailable' }] },
      { data: { _entities: null }, errors: [{ message: 'workflow store unavailable' }] },
    ]);
  });

  it('fails every caller, rather than mis-assigning entities, when the subgraph answers the wrong number of them', async () => {
    const short = batchEntityFetches({ process: async () => ({ data: { _entities: [{ name: 'only one' }] } }) });
    const outcomes = await Promise.allSettled([fetchEntities(short, ['a']), fetchEntities(short, ['b'])]);
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as Error).message)).toEqual([
      'the subgraph answered 1 entities for 2 representations',
      'the subgraph answered 1 entities for 2 representations',
    ]);
  });

  it('fails every caller of a batch whose request fails', async () => {
    const batched = batchEntityFetches({
      process: async () => {
        throw new Error('workflow subgraph unreachable');
      },
    });
    const outcomes = await Promise.allSettled([fetchEntities(batched, ['a']), fetchEntities(batched, ['b'])]);
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as Error).message)).toEqual([
      'workflow subgraph unreachable',
      'workflow subgraph unreachable',
    ]);
  });
});
