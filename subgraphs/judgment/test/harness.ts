import { createEvent, type EventEnvelope } from '@judgify/runtime/events';
import { createLlmClient } from '@judgify/runtime/llm';
import { exampleWorkflowDefinition, silentLogger } from '@judgify/runtime/testing';
import { startOpenAiTestServer, type OpenAiTestServer } from '@judgify/runtime/testing/openai-server';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { migrationsFolder } from '../src/service.ts';

/**
 * The judgment subgraph for a test file, with the local OpenAI-compatible server as its LLM and
 * every judgment.completed it publishes kept in `completed`. Started before the file's tests.
 */
export function judgmentSubgraphForTests(options: { llmTimeoutMs: number }) {
  const harness = {
    subgraph: undefined as unknown as TestSubgraph<typeof tables>,
    llmServer: undefined as unknown as OpenAiTestServer,
    completed: [] as EventEnvelope[],
  };
  beforeAll(async () => {
    harness.llmServer = await startOpenAiTestServer();
    const llm = createLlmClient({ baseUrl: harness.llmServer.baseUrl, model: 'judge-test', timeoutMs: options.llmTimeoutMs, maxRetries: 0, logger: silentLogger });
    harness.subgraph = await createTestSubgraph({ service: 'judgment', tables, migrationsFolder, outbox: tables.outbox, createApp: (infrastructure) => createApp(infrastructure, { llm, syncTimeoutMs: 500 }) });
    harness.subgraph.infrastructure.bus.subscribe('judgment.completed', 'test', async (event) => void harness.completed.push(event));
  });
  afterAll(async () => {
    await harness.subgraph.close();
    await harness.llmServer.close();
  });
  return harness;
}

/** Polls until `condition` holds, or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export type WorkflowState = Partial<{ definition: unknown; isActive: boolean; deleted: boolean }>;

/** What the workflow subgraph publishes: the whole state, by version. */
export const workflowEvent = (workflowId: string, version: number, state: WorkflowState = {}, tenantId = 'acme') =>
  createEvent({
    eventType: version === 1 ? 'workflow.created' : 'workflow.updated',
    source: 'workflow',
    tenantId,
    data: { workflowId, version, name: `line ${workflowId.slice(0, 4)}`, definition: exampleWorkflowDefinition, isActive: true, deleted: false, changes: {}, ...state },
  });

/** Publishes a workflow event on the harness's bus and waits until the read model table has it. */
export async function publishWorkflow(harness: { subgraph: TestSubgraph<typeof tables> }, workflowId: string, version: number, state: WorkflowState = {}, tenantId = 'acme') {
  await harness.subgraph.infrastructure.bus.publish(workflowEvent(workflowId, version, state, tenantId));
  await waitFor(async () => {
    const rows = await harness.subgraph.infrastructure.database.db
      .select({ id: tables.workflowDefinitions.id, version: tables.workflowDefinitions.version })
      .from(tables.workflowDefinitions);
    return rows.some((candidate) => candidate.id === workflowId && candidate.version >= version);
  });
}

/** The spec example with its stop decision renamed HALT: a later version that decides differently. */
export const haltingDefinition = {
  ...exampleWorkflowDefinition,
  nodes: exampleWorkflowDefinition.nodes.map((node) => (node.id === 'stop' ? { ...node, decision: 'HALT' } : node)),
};
