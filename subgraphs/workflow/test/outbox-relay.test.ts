import { randomUUID } from 'node:crypto';
import { InProcessBus, RedisStreamsBus, type EventBus, type EventEnvelope } from '@judgify/runtime/events';
import { OutboxRelay } from '@judgify/runtime/outbox';
import { dropRedisPrefix, exampleWorkflowDefinition, identities, silentLogger, testRedisPrefix, testRedisUrl } from '@judgify/runtime/testing';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { migrationsFolder } from '../src/service.ts';

let subgraph: TestSubgraph<typeof tables>;
beforeAll(async () => {
  // The service's own relay stays stopped: these tests play its part, crashes included.
  subgraph = await createTestSubgraph({ service: 'workflow', tables, migrationsFolder, outbox: tables.outbox, holdOutbox: true, createApp });
});
afterAll(() => subgraph.close());

const redisUrl = testRedisUrl();
const prefix = testRedisPrefix();
const redisBus = (keyPrefix = prefix) => new RedisStreamsBus({ logger: silentLogger, service: 'outbox-test', reclaimIdleMs: 200 }, { url: redisUrl!, prefix: keyPrefix });
const transports: Array<[string, () => EventBus]> = [['in-process bus', () => new InProcessBus(silentLogger)]];
if (redisUrl) transports.push(['Redis Streams', () => redisBus()]);
afterAll(async () => {
  if (redisUrl) await dropRedisPrefix(redisUrl, prefix);
});

const opened: EventBus[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((bus) => bus.close()));
});

async function createWorkflow(name: string): Promise<string> {
  const result = await subgraph.execute(identities.acmeAdmin, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
    input: { name, definition: exampleWorkflowDefinition },
  });
  return result.data?.createWorkflow.id;
}

const relayOver = (bus: EventBus) =>
  new OutboxRelay({ db: subgraph.infrastructure.database.db, table: tables.outbox, bus, logger: silentLogger, owner: 'workflow' });

const eventIdOf = async (workflowId: string) => {
  const [event] = await subgraph.infrastructure.database.db
    .select({ id: tables.workflowEvents.id })
    .from(tables.workflowEvents)
    .where(eq(tables.workflowEvents.aggregateId, workflowId));
  return event!.id;
};

describe.each(transports)('outbox relay over %s', (_name, openBus) => {
  async function listen(eventId: string) {
    const bus = openBus();
    opened.push(bus);
    const received: EventEnvelope[] = [];
    bus.subscribe('workflow.created', `outbox-test-${randomUUID()}`, async (event) => {
      if (event.eventId === eventId) received.push(event);
    });
    return { bus, received };
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  /** A new consumer group on Redis reads the stream from its start, which earlier runs filled. */
  const arrival = async (received: EventEnvelope[]) => {
    const deadline = Date.now() + 10_000;
    while (!received.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await settle();
  };

  it('publishes an event committed before a crash once the relay runs again', async () => {
    const workflowId = await createWorkflow('Committed before crash');
    const eventId = await eventIdOf(workflowId);
    const { bus, received } = await listen(eventId);
    await settle();
    expect(received).toEqual([]);

    expect(await relayOver(bus).publishBatch()).toBeGreaterThanOrEqual(1);
    await arrival(received);
    expect(received.map((event) => event.eventId)).toEqual([eventId]);
    expect(received[0]).toMatchObject({ eventType: 'workflow.created', tenantId: 'acme', data: { workflowId, version: 1 } });

    expect(await relayOver(bus).publishBatch()).toBe(0);
    await settle();
    expect(received).toHaveLength(1);
  });

  it('delivers once when the relay dies between publishing and marking the row', async () => {
    const workflowId = await createWorkflow('Crash after publish');
    const eventId = await eventIdOf(workflowId);
    const { bus, received } = await listen(eventId);
    await settle();

    const dyingBus: EventBus = Object.assign(Object.create(bus), {
      publish: async (event: EventEnvelope) => {
        await bus.publish(event);
        throw new Error('process killed after publish');
      },
    });
    await expect(relayOver(dyingBus).publishBatch()).rejects.toThrow('process killed after publish');
    const [row] = await subgraph.infrastructure.database.db.select().from(tables.outbox).where(eq(tables.outbox.eventId, eventId));
    expect(row?.publishedAt).toBeNull();

    // A restarted process: on Redis a new connection, in-process the surviving bus.
    const restarted = bus.kind === 'redis' ? openBus() : bus;
    if (restarted !== bus) opened.push(restarted);
    expect(await relayOver(restarted).publishBatch()).toBeGreaterThanOrEqual(1);
    await arrival(received);
    expect(received.map((event) => event.eventId)).toEqual([eventId]);
    const [marked] = await subgraph.infrastructure.database.db.select().from(tables.outbox).where(eq(tables.outbox.eventId, eventId));
    expect(marked?.publishedAt).toBeInstanceOf(Date);
  });
});

describe('outbox relay ordering', () => {
  it('publishes in write order, one relay at a time', async () => {
    const bus = new InProcessBus(silentLogger);
    opened.push(bus);
    const order: string[] = [];
    bus.subscribe('workflow.created', 'order', async (event) => void order.push((event.data as { name: string }).name));
    const names = ['order 1', 'order 2', 'order 3'];
    for (const name of names) await createWorkflow(name);
    const [a, b] = [relayOver(bus), relayOver(bus)];
    const counts = await Promise.all([a.publishBatch(), b.publishBatch()]);
    while ((await a.publishBatch()) > 0);
    await bus.drain();
    expect(order.filter((name) => names.includes(name))).toEqual(names);
    expect(counts.filter((count) => count > 0).length).toBeLessThanOrEqual(1);
  });
});

describe.runIf(redisUrl)('outbox relay when Redis loses its data', () => {
  const rowOf = async (eventId: string) => {
    const [row] = await subgraph.infrastructure.database.db.select().from(tables.outbox).where(eq(tables.outbox.eventId, eventId));
    return row!;
  };

  it('confirms what every consumer group handled, and publishes again what a Redis restarted empty held unconfirmed', async () => {
    // This outbox now belongs to one deployment (prefix) only, as a service's outbox does.
    await subgraph.infrastructure.database.db.delete(tables.outbox);
    const keyPrefix = testRedisPrefix();
    const bus = redisBus(keyPrefix);
    opened.push(bus);
    const relay = relayOver(bus);
    const handled = new Map<string, number>();
    let auditUp = true;
    bus.subscribe('workflow.created', 'judgment', async (event) => void handled.set(event.eventId, (handled.get(event.eventId) ?? 0) + 1));
    // A second service that is down: it acknowledges nothing while `auditUp` is false.
    bus.subscribe('workflow.created', 'audit', async () => {
      if (!auditUp) throw new Error('audit service down');
    });
    await new Promise((resolve) => setTimeout(resolve, 300));

    const confirmedId = await eventIdOf(await createWorkflow('Handled by every group'));
    await relay.publishBatch();
    await expect.poll(() => handled.get(confirmedId)).toBe(1);
    await expect.poll(async () => (await relay.confirmDelivery(), (await rowOf(confirmedId)).confirmedAt)).toBeInstanceOf(Date);

    auditUp = false;
    const pendingId = await eventIdOf(await createWorkflow('Still pending in one group'));
    await relay.publishBatch();
    await expect.poll(() => handled.get(pendingId)).toBe(1);
    await relay.confirmDelivery();
    expect((await rowOf(pendingId)).confirmedAt).toBeNull();

    // Redis restarts without persistence: streams, groups, pending entries and markers are gone.
    await dropRedisPrefix(redisUrl!, keyPrefix);
    auditUp = true;
    expect(await relay.confirmDelivery()).toBe(1);
    expect((await rowOf(pendingId)).publishedAt).toBeNull();
    expect((await rowOf(confirmedId)).publishedAt).toBeInstanceOf(Date);
    await relay.publishBatch();
    // Delivered again: the consumer sees it twice, which is why consumers keep an inbox of handled ids.
    await expect.poll(() => handled.get(pendingId), { timeout: 10_000 }).toBe(2);
    expect(handled.get(confirmedId)).toBe(1);
    await expect.poll(async () => (await relay.confirmDelivery(), (await rowOf(pendingId)).confirmedAt), { timeout: 10_000 }).toBeInstanceOf(Date);
    await dropRedisPrefix(redisUrl!, keyPrefix);
  });
});
