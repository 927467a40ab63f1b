import { randomUUID } from 'node:crypto';
import { openDatabase, type DatabaseHandle } from '@judgify/runtime/database';
import { createTestDatabase, silentLogger } from '@judgify/runtime/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tables from '../src/db/schema.ts';
import { createSampleCache, similarSamples, widenSampleSpace, type FewShotDeps } from '../src/domain/few-shot.ts';
import { seededRandom } from '../src/domain/rules/dataset.ts';
import { migrationsFolder } from '../src/service.ts';

/**
 * The two ways similar samples are found — pgvector in the database (PGlite ships it), and in the
 * app where the database lacks it (the PostgreSQL here) — must give the same neighbours in the
 * same order at the same distances.
 */
const workflowId = randomUUID();
const random = seededRandom(7);
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

function sampleInput(): Record<string, unknown> {
  const input: Record<string, unknown> = {
    temperature: Math.round(random() * 1200) / 10,
    line: pick(['L1', 'L2', 'L3']),
    sensor: { vibration: Math.round(random() * 100), status: pick(['ok', 'warn', null]) },
    shift: pick(['day', 'night', 3]),
    readings: [Math.round(random() * 10), Math.round(random() * 10)],
  };
  if (random() < 0.2) delete input.temperature;
  if (random() < 0.2) input.urgent = random() < 0.5;
  return input;
}

let server: { url: string | undefined; drop(): Promise<void> };
let inApp: DatabaseHandle<typeof tables>;
let withVector: DatabaseHandle<typeof tables>;
const deps = (database: DatabaseHandle<typeof tables>): FewShotDeps => ({
  db: database.db,
  hasVector: database.hasVector,
  sampleCache: createSampleCache(10),
});

beforeAll(async () => {
  server = await createTestDatabase();
  inApp = await openDatabase({ owner: 'learning', schema: tables, migrationsFolder, databaseUrl: server.url, logger: silentLogger });
  withVector = await openDatabase({ owner: 'learning', schema: tables, migrationsFolder, vector: true, logger: silentLogger });
  const inputs = Array.from({ length: 250 }, sampleInput);
  // Some inputs twice, so ties are broken the same way too.
  inputs.push(...inputs.slice(0, 20).map((input) => structuredClone(input)));
  const started = Date.now();
  const rows = inputs.map((inputData, index) => ({
    id: randomUUID(),
    tenantId: 'acme',
    workflowId,
    workflowVersion: 1,
    inputData,
    decision: 'STOP_LINE',
    methodUsed: 'RULE',
    confidence: 1,
    judgedAt: new Date(started - 10_000),
    label: pick(['STOP_LINE', 'OK']),
    verdict: 'CORRECT' as const,
    // Every fifth pair labelled in the same millisecond: ties fall back to the id.
    labelledAt: new Date(started - Math.floor(index / 2) * (index % 5 === 0 ? 1 : 2)),
  }));
  for (const database of [inApp, withVector]) {
    await database.db.transaction(async (tx) => {
      await tx.insert(tables.executions).values(rows);
      for (const row of rows) await widenSampleSpace(tx, 'acme', workflowId, row.inputData);
    });
  }
}, 120_000);

afterAll(async () => {
  await inApp?.close();
  await withVector?.close();
  await server?.drop();
});

describe('similar samples in the database (pgvector) and in the app', () => {
  it('runs both ways: PGlite has pgvector, the other database is searched in the app', () => {
    expect(withVector.hasVector).toBe(true);
    expect(inApp.hasVector).toBe(false);
  });

  it('finds the same neighbours, in the same order, at the same distances', async () => {
    const queries = [
      ...Array.from({ length: 25 }, sampleInput),
      {},
      { temperature: 500, line: 'L9', extra: 'never seen' },
      { sensor: 'not an object' },
    ];
    const appDeps = deps(inApp);
    const vectorDeps = deps(withVector);
    for (const input of queries) {
      const [fromApp, fromVector] = await Promise.all([similarSamples(appDeps, 'acme', workflowId, input, 15), similarSamples(vectorDeps, 'acme', workflowId, input, 15)]);
      expect(fromApp).toHaveLength(15);
      expect(fromVector.map((sample) => [sample.executionId, sample.distance])).toEqual(fromApp.map((sample) => [sample.executionId, sample.distance]));
      expect(fromApp.map((sample) => sample.distance)).toEqual([...fromApp.map((sample) => sample.distance)].sort((a, b) => a - b));
    }
  });

  it('stay the same as samples are labelled later, in the space they had or one they widen', async () => {
    const appDeps = deps(inApp);
    const vectorDeps = deps(withVector);
    const both = (probe: Record<string, unknown>) => Promise.all([similarSamples(appDeps, 'acme', workflowId, probe, 10), similarSamples(vectorDeps, 'acme', workflowId, probe, 10)]);
    const probe = { temperature: 60, line: 'L2', sensor: { vibration: 40 } };
    await both(probe);
    for (const inputData of [{ temperature: 61, line: 'L2', sensor: { vibration: 40 } }, { temperature: 400, line: 'L7', sensor: { vibration: 40 } }]) {
      const row = { id: randomUUID(), tenantId: 'acme', workflowId, workflowVersion: 1, inputData, decision: 'OK', methodUsed: 'RULE', confidence: 1, judgedAt: new Date(), label: 'OK', verdict: 'CORRECT' as const, labelledAt: new Date() };
      for (const database of [inApp, withVector]) {
        await database.db.transaction(async (tx) => {
          await tx.insert(tables.executions).values(row);
          await widenSampleSpace(tx, 'acme', workflowId, inputData);
        });
      }
      for (const query of [probe, inputData]) {
        const [fromApp, fromVector] = await both(query);
        expect(fromVector.map((sample) => [sample.executionId, sample.distance])).toEqual(fromApp.map((sample) => [sample.executionId, sample.distance]));
      }
      const [[own]] = await both(inputData);
      expect(own).toMatchObject({ executionId: row.id, distance: 0 });
    }
    // Labelled long before the newest label, committed only now (a slow transaction): found all the same.
    const late = { temperature: 5, line: 'L3', sensor: { vibration: 99 } };
    const lateRow = { id: randomUUID(), tenantId: 'acme', workflowId, workflowVersion: 1, inputData: late, decision: 'OK', methodUsed: 'RULE', confidence: 1, judgedAt: new Date(), label: 'OK', verdict: 'CORRECT' as const, labelledAt: new Date(Date.now() - 5 * 60_000) };
    for (const database of [inApp, withVector]) await database.db.insert(tables.executions).values(lateRow);
    const [lateApp, lateVector] = await both(late);
    expect(lateApp[0]).toMatchObject({ executionId: lateRow.id, distance: 0 });
    expect(lateVector.map((sample) => sample.executionId)).toEqual(lateApp.map((sample) => sample.executionId));
    // Relabelled: the same sample, its new label.
    const [relabelled] = await inApp.db.select().from(tables.executions).where(eq(tables.executions.workflowId, workflowId)).limit(1);
    for (const database of [inApp, withVector]) {
      await database.db.update(tables.executions).set({ label: 'RELABELLED', labelledAt: new Date() }).where(eq(tables.executions.id, relabelled!.id));
    }
    const [fromApp, fromVector] = await both(relabelled!.inputData);
    expect(fromApp[0]).toMatchObject({ executionId: relabelled!.id, label: 'RELABELLED', distance: 0 });
    expect(fromVector.map((sample) => [sample.executionId, sample.label, sample.distance])).toEqual(fromApp.map((sample) => [sample.executionId, sample.label, sample.distance]));
  });

  it('break ties among many samples of one input the same way: the most recently labelled first', async () => {
    const inputData = { temperature: 33.3, line: 'L1', sensor: { vibration: 3, status: 'ok' }, shift: 'day', readings: [1, 1] };
    const now = Date.now();
    const rows = Array.from({ length: 40 }, (_, index) => ({
      id: randomUUID(), tenantId: 'acme', workflowId, workflowVersion: 1, inputData, decision: 'OK', methodUsed: 'RULE', confidence: 1,
      judgedAt: new Date(now), label: index % 2 ? 'OK' : 'STOP_LINE', verdict: 'CORRECT' as const, labelledAt: new Date(now - Math.floor(index / 3)),
    }));
    for (const database of [inApp, withVector]) {
      await database.db.transaction(async (tx) => {
        await tx.insert(tables.executions).values(rows);
        await widenSampleSpace(tx, 'acme', workflowId, inputData);
      });
    }
    const [fromApp, fromVector] = await Promise.all([similarSamples(deps(inApp), 'acme', workflowId, inputData, 15), similarSamples(deps(withVector), 'acme', workflowId, inputData, 15)]);
    const expected = [...rows].sort((a, b) => b.labelledAt.getTime() - a.labelledAt.getTime() || (a.id < b.id ? 1 : -1)).slice(0, 15).map((row) => row.id);
    expect(fromApp.map((sample) => sample.executionId)).toEqual(expected);
    expect(fromVector.map((sample) => sample.executionId)).toEqual(expected);
  });

  it('finds an input’s own sample first, at distance 0, and nothing in another tenant or workflow', async () => {
    const [own] = await inApp.db.select().from(tables.executions).limit(1);
    for (const database of [inApp, withVector]) {
      const [first] = await similarSamples(deps(database), 'acme', workflowId, own!.inputData, 1);
      expect(first?.distance).toBe(0);
      expect(await similarSamples(deps(database), 'globex', workflowId, own!.inputData, 5)).toEqual([]);
      expect(await similarSamples(deps(database), 'acme', randomUUID(), own!.inputData, 5)).toEqual([]);
    }
  });
});
