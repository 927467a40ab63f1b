import { randomUUID } from 'node:crypto';
import type { Identity } from '@judgify/runtime/identity';
import { identities } from '@judgify/runtime/testing';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { migrationsFolder } from '../src/service.ts';

const olga: Identity = { userId: 'olga', tenantId: 'acme', roles: ['operator'] };
const otto = identities.acmeOperator;

const POST = /* GraphQL */ `
  mutation Post($input: PostChatMessageInput!) {
    postChatMessage(input: $input) { id role content createdAt cursor session { id title updatedAt } }
  }
`;
const MESSAGES = /* GraphQL */ `
  query($id: ID!, $first: Int, $after: String) {
    chatSession(id: $id) { updatedAt messages(first: $first, after: $after) { id content cursor } }
  }
`;

let subgraph: TestSubgraph<typeof tables>;
beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'chat', tables, migrationsFolder, createApp });
});
afterAll(() => subgraph.close());

async function createSession(identity: Identity, title: string): Promise<string> {
  const result = await subgraph.execute(identity, `mutation($title: String) { createChatSession(input: { title: $title }) { id } }`, { title });
  return result.data?.createChatSession.id;
}

const post = (identity: Identity, sessionId: string, content: string) => subgraph.execute(identity, POST, { input: { sessionId, content } });

async function contentsOf(identity: Identity, sessionId: string): Promise<string[]> {
  const result = await subgraph.execute(identity, MESSAGES, { id: sessionId, first: 100 });
  return result.data?.chatSession.messages.map((message: { content: string }) => message.content);
}

describe('chat messages', () => {
  it('stores a trimmed user message and marks its session as active', async () => {
    const sessionId = await createSession(otto, 'line 3');
    const posted = await post(otto, sessionId, '  why did line 3 stop?\n');
    expect(posted.errors).toBeUndefined();
    const message = posted.data?.postChatMessage;
    expect(message).toMatchObject({ role: 'USER', content: 'why did line 3 stop?', session: { id: sessionId, title: 'line 3' } });
    expect(message.session.updatedAt).toBe(message.createdAt);
  });

  it('lists messages oldest first, in posting order even within one millisecond, and pages with cursors', async () => {
    const sessionId = await createSession(otto, 'many');
    const contents = Array.from({ length: 7 }, (_, index) => `message ${index + 1}`);
    for (const content of contents) expect((await post(otto, sessionId, content)).errors).toBeUndefined();
    expect(await contentsOf(otto, sessionId)).toEqual(contents);

    const page1 = (await subgraph.execute(otto, MESSAGES, { id: sessionId, first: 3 })).data?.chatSession;
    expect(page1.messages.map((m: { content: string }) => m.content)).toEqual(contents.slice(0, 3));
    const page2 = (await subgraph.execute(otto, MESSAGES, { id: sessionId, first: 3, after: page1.messages[2].cursor })).data?.chatSession;
    expect(page2.messages.map((m: { content: string }) => m.content)).toEqual(contents.slice(3, 6));
    const page3 = (await subgraph.execute(otto, MESSAGES, { id: sessionId, first: 3, after: page2.messages[2].cursor })).data?.chatSession;
    expect(page3.messages.map((m: { content: string }) => m.content)).toEqual(contents.slice(6));
  });

  it('gives concurrent posts into one session distinct, increasing times', async () => {
    const sessionId = await createSession(otto, 'burst');
    const results = await Promise.all(Array.from({ length: 5 }, (_, index) => post(otto, sessionId, `burst ${index}`)));
    expect(results.every((result) => result.errors === undefined)).toBe(true);
    const listed = (await subgraph.execute(otto, `query($id: ID!) { chatSession(id: $id) { updatedAt messages { createdAt } } }`, { id: sessionId }))
      .data?.chatSession;
    const times: string[] = listed.messages.map((message: { createdAt: string }) => message.createdAt);
    expect(times).toHaveLength(5);
    expect(new Set(times).size).toBe(5);
    expect([...times].sort()).toEqual(times);
    expect(listed.updatedAt).toBe(times.at(-1));
  });

  it('loads a page per session when several sessions are listed at once', async () => {
    const a = await createSession(olga, 'a');
    const b = await createSession(olga, 'b');
    for (const content of ['a1', 'a2', 'a3']) await post(olga, a, content);
    for (const content of ['b1', 'b2']) await post(olga, b, content);
    const result = await subgraph.execute(olga, `{ chatSessions { title messages(first: 2) { content } } }`);
    expect(result.data?.chatSessions).toEqual([
      { title: 'b', messages: [{ content: 'b1' }, { content: 'b2' }] },
      { title: 'a', messages: [{ content: 'a1' }, { content: 'a2' }] },
    ]);
  });

  it('reports invalid content with its path', async () => {
    const sessionId = await createSession(otto, 'validation');
    for (const [content, message] of [
      ['   ', 'content must not be empty'],
      ['c'.repeat(4001), 'content must be at most 4000 characters'],
    ]) {
      const result = await post(otto, sessionId, content!);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'input.content', message }] });
    }
    expect(await contentsOf(otto, sessionId)).toEqual([]);
  });

  it('answers NOT_FOUND when posting into a session that is not yours', async () => {
    const ottos = await createSession(otto, 'private');
    const globex = await createSession(identities.globexAdmin, 'globex');
    for (const [identity, sessionId] of [
      [olga, ottos],
      [identities.acmeAdmin, ottos],
      [otto, globex],
      [otto, randomUUID()],
      [otto, 'not-a-uuid'],
    ] as const) {
      const result = await post(identity, sessionId, 'hello?');
      expect(result.errors?.[0]).toMatchObject({
        message: `You have no chat session with id "${sessionId}"; start one with createChatSession.`,
        extensions: { code: 'NOT_FOUND' },
      });
    }
    expect(await contentsOf(otto, ottos)).toEqual([]);
  });

  it('lets viewers read but not post', async () => {
    const result = await post(identities.acmeViewer, randomUUID(), 'hello');
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toContain('Mutation.postChatMessage');
  });

  it('resolves a message entity only for the owner of its session', async () => {
    const sessionId = await createSession(otto, 'entities');
    const messageId = (await post(otto, sessionId, 'mine')).data?.postChatMessage.id;
    const query = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on ChatMessage { id content session { id } } } }`;
    const reps = [
      { __typename: 'ChatMessage', id: messageId },
      { __typename: 'ChatMessage', id: 'not-a-uuid' },
    ];
    expect(await subgraph.execute(otto, query, { reps })).toEqual({
      data: { _entities: [{ id: messageId, content: 'mine', session: { id: sessionId } }, null] },
    });
    for (const other of [olga, identities.acmeAdmin, identities.globexAdmin]) {
      expect(await subgraph.execute(other, query, { reps })).toEqual({ data: { _entities: [null, null] } });
    }
  });

  it('refuses message page sizes over 100', async () => {
    const sessionId = await createSession(otto, 'limits');
    const result = await subgraph.execute(otto, MESSAGES, { id: sessionId, first: 101 });
    expect(result.errors?.[0]).toMatchObject({ message: '"first" must be between 1 and 100; got 101.', extensions: { code: 'BAD_USER_INPUT' } });
  });
});
