import { setTimeout as sleep } from 'node:timers/promises';
import type { Identity } from '@judgify/runtime/identity';
import { identities } from '@judgify/runtime/testing';
import { createTestSubgraph, describeSubgraphBasics, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { schema } from '../src/schema/index.ts';
import { migrationsFolder } from '../src/service.ts';

const olga: Identity = { userId: 'olga', tenantId: 'acme', roles: ['operator'] };

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateChatSessionInput!) {
    createChatSession(input: $input) { id title createdAt updatedAt cursor messages { id } }
  }
`;
const POST = /* GraphQL */ `
  mutation Post($input: PostChatMessageInput!) { postChatMessage(input: $input) { id } }
`;
const ENTITIES = /* GraphQL */ `
  query($reps: [_Any!]!) { _entities(representations: $reps) { ... on ChatSession { id title } } }
`;

let subgraph: TestSubgraph<typeof tables>;
beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'chat', tables, migrationsFolder, createApp });
});
afterAll(() => subgraph.close());

async function createSession(identity: Identity, input: Record<string, unknown> = {}) {
  const result = await subgraph.execute(identity, CREATE, { input });
  expect(result.errors).toBeUndefined();
  return result.data?.createChatSession as { id: string; title: string; createdAt: string; updatedAt: string; cursor: string };
}

describeSubgraphBasics({
  subgraph: () => subgraph,
  schema,
  committedSchema: new URL('../schema.graphql', import.meta.url),
  reader: identities.acmeOperator,
  lookups: ['chatSession'],
  lists: ['chatSessions'],
});

describe('chat sessions', () => {

  it('starts a session for its owner, titled "New chat" unless a title is given', async () => {
    const titled = await createSession(identities.acmeOperator, { title: '  Line 3 alarms ' });
    expect(titled).toMatchObject({ title: 'Line 3 alarms', messages: [] });
    expect(titled.createdAt).toBe(titled.updatedAt);
    const untitled = await createSession(identities.acmeOperator);
    expect(untitled.title).toBe('New chat');

    const read = await subgraph.execute(identities.acmeOperator, `query($id: ID!) { chatSession(id: $id) { id title } }`, { id: titled.id });
    expect(read).toEqual({ data: { chatSession: { id: titled.id, title: 'Line 3 alarms' } } });
  });

  it('reports an invalid title with its path', async () => {
    const result = await subgraph.execute(identities.acmeOperator, CREATE, { input: { title: 't'.repeat(121) } });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [{ path: 'input.title', message: 'title must be at most 120 characters' }],
    });
  });

  it('lets viewers start sessions of their own, to talk to the assistant within their roles', async () => {
    const before = await subgraph.execute(identities.acmeViewer, `{ chatSessions { id } }`);
    expect(before).toEqual({ data: { chatSessions: [] } });
    const result = await subgraph.execute(identities.acmeViewer, CREATE, { input: {} });
    expect(result.errors).toBeUndefined();
    const after = await subgraph.execute(identities.acmeViewer, `{ chatSessions { id } }`);
    expect(after.data?.chatSessions).toHaveLength(1);
  });

  it('keeps a session private from other users of the tenant and from other tenants', async () => {
    const session = await createSession(identities.acmeOperator, { title: 'only otto' });
    for (const other of [identities.acmeAdmin, olga, identities.globexAdmin]) {
      const direct = await subgraph.execute(other, `query($id: ID!) { chatSession(id: $id) { id } }`, { id: session.id });
      expect(direct).toEqual({ data: { chatSession: null } });
      const entities = await subgraph.execute(other, ENTITIES, { reps: [{ __typename: 'ChatSession', id: session.id }] });
      expect(entities).toEqual({ data: { _entities: [null] } });
      const list = await subgraph.execute(other, `{ chatSessions(first: 100) { id } }`);
      expect(list.data?.chatSessions).not.toContainEqual({ id: session.id });
    }
    const own = await subgraph.execute(identities.acmeOperator, ENTITIES, {
      reps: [
        { __typename: 'ChatSession', id: session.id },
        { __typename: 'ChatSession', id: 'not-a-uuid' },
      ],
    });
    expect(own).toEqual({ data: { _entities: [{ id: session.id, title: 'only otto' }, null] } });
  });

  it('lists your sessions most recently active first and pages through them with cursors', async () => {
    const first = await createSession(olga, { title: 'first' });
    await createSession(olga, { title: 'second' });
    await createSession(olga, { title: 'third' });
    const titles = async (page: string) =>
      ((await subgraph.execute(olga, page)).data?.chatSessions as Array<{ title: string; cursor: string }>).map((session) => session.title);
    expect(await titles(`{ chatSessions { title } }`)).toHaveLength(3);

    // Timestamps have millisecond precision; the pause makes "most recent" unambiguous.
    await sleep(5);
    expect((await subgraph.execute(olga, POST, { input: { sessionId: first.id, content: 'back to this one' } })).errors).toBeUndefined();
    const all = (await subgraph.execute(olga, `{ chatSessions { id title updatedAt } }`)).data?.chatSessions;
    expect(all[0].title).toBe('first');
    expect(all[0].updatedAt > first.updatedAt).toBe(true);

    const page1 = (await subgraph.execute(olga, `{ chatSessions(first: 2) { id cursor } }`)).data?.chatSessions;
    const page2 = (
      await subgraph.execute(olga, `query($after: String) { chatSessions(first: 2, after: $after) { id } }`, { after: page1[1].cursor })
    ).data?.chatSessions;
    expect([...page1, ...page2].map((session: { id: string }) => session.id)).toEqual(all.map((session: { id: string }) => session.id));
  });
});
