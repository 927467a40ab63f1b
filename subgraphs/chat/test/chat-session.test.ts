import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { Identity } from '@judgify/runtime/identity';
import { encodeCursor } from '@judgify/runtime/pagination';
import { identities } from '@judgify/runtime/testing';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
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

describe('chat sessions', () => {
  it('serves the committed schema.graphql', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(printSubgraphSchema(schema)).toBe(committed);
  });

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

  it('lets viewers read but not chat', async () => {
    const result = await subgraph.execute(identities.acmeViewer, CREATE, { input: {} });
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toContain('Mutation.createChatSession');
    expect(await subgraph.execute(identities.acmeViewer, `{ chatSessions { id } }`)).toEqual({ data: { chatSessions: [] } });
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

  it('refuses page sizes over 100 and cursors it did not issue with a clear error', async () => {
    const tooMany = await subgraph.execute(identities.acmeOperator, `{ chatSessions(first: 101) { id } }`);
    expect(tooMany.errors?.[0]).toMatchObject({ message: '"first" must be between 1 and 100; got 101.', extensions: { code: 'BAD_USER_INPUT' } });
    const forged = encodeCursor({ createdAt: new Date(), id: 'not-a-uuid' });
    for (const after of ['garbage', forged]) {
      const result = await subgraph.execute(identities.acmeOperator, `query($after: String) { chatSessions(after: $after) { id } }`, { after });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('answers null for an id that is not a UUID instead of failing', async () => {
    const result = await subgraph.execute(identities.acmeOperator, `{ chatSession(id: "not-a-uuid") { id } }`);
    expect(result).toEqual({ data: { chatSession: null } });
  });

  it('refuses requests that did not come through the gateway', async () => {
    const response = await subgraph.yoga.fetch('http://subgraph/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
