import { identities } from '@judgify/runtime/testing';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { failStaleReplies, STALE_REPLY_MS, storeMessage } from '../src/domain/assistant/assistant.ts';
import { migrationsFolder } from '../src/service.ts';

let subgraph: TestSubgraph<typeof tables>;
beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'chat', tables, migrationsFolder, createApp });
});
afterAll(() => subgraph.close());

const SEND = `mutation($s: ID!, $t: String!) { sendChatMessage(sessionId: $s, text: $t) { message { role content } replyId } }`;

async function session(): Promise<string> {
  const created = await subgraph.execute(identities.acmeOperator, `mutation { createChatSession(input: {}) { id } }`);
  return created.data!.createChatSession.id;
}

describe('sendChatMessage', () => {
  it('stores the message and a PENDING reply at once, in order, and answers later even with no gateway to route to', async () => {
    const sessionId = await session();
    const sent = await subgraph.execute(identities.acmeOperator, SEND, { s: sessionId, t: '  안녕  ' });
    expect(sent.errors).toBeUndefined();
    expect(sent.data!.sendChatMessage.message).toEqual({ role: 'USER', content: '안녕' });
    const replyId = sent.data!.sendChatMessage.replyId;
    const read = async () => (await subgraph.execute(identities.acmeOperator, `query($id: ID!) { chatSession(id: $id) { messages { id role status intent content } } }`, { id: sessionId })).data!.chatSession.messages;
    const deadline = Date.now() + 5_000;
    let messages = await read();
    while (messages[1]?.status === 'PENDING' && Date.now() < deadline) messages = await read();
    expect(messages.map((message: { role: string }) => message.role)).toEqual(['USER', 'ASSISTANT']);
    // Here the supergraph cannot be reached: the reply says how to use the assistant all the same.
    expect(messages[1]).toMatchObject({ id: replyId, status: 'COMPLETE', intent: 'HELP' });
  });

  it('refuses an empty message, one over 4000 characters, and someone else’s session, naming what is wrong', async () => {
    const sessionId = await session();
    expect((await subgraph.execute(identities.acmeOperator, SEND, { s: sessionId, t: ' ' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'input.text', message: 'text must not be empty' }] });
    expect((await subgraph.execute(identities.acmeOperator, SEND, { s: sessionId, t: 'x'.repeat(4001) })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await subgraph.execute(identities.acmeViewer, SEND, { s: sessionId, t: 'hello' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await subgraph.execute(identities.acmeOperator, SEND, { s: 'not-a-session', t: 'hello' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('marks a reply left PENDING by a process that stopped as FAILED, saying so', async () => {
    const sessionId = await session();
    const sent = await storeMessage({ db: subgraph.infrastructure.database.db }, identities.acmeOperator, { sessionId, text: 'run line 3' });
    expect(await failStaleReplies({ db: subgraph.infrastructure.database.db }, new Date())).toBe(0);
    expect(await failStaleReplies({ db: subgraph.infrastructure.database.db }, new Date(Date.now() + STALE_REPLY_MS + 1_000))).toBeGreaterThanOrEqual(1);
    const [reply] = await subgraph.infrastructure.database.db.select().from(tables.chatMessages).where(eq(tables.chatMessages.id, sent.reply.id));
    expect(reply).toMatchObject({ status: 'FAILED', content: expect.stringContaining('interrupted') });
  });
});
