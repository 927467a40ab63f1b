import { randomUUID } from 'node:crypto';
import { openDatabase, type DatabaseHandle } from '@judgify/runtime/database';
import { createLlmClient } from '@judgify/runtime/llm';
import { createTestDatabase, silentLogger } from '@judgify/runtime/testing';
import { compileRule } from '@judgify/rule-language/compile';
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import * as tables from '../subgraphs/learning/src/db/schema.ts';
import type { RuleAlgorithm } from '../subgraphs/learning/src/db/schema.ts';
import { createSampleCache, similarSamples, type FewShotDeps } from '../subgraphs/learning/src/domain/few-shot.ts';
import { extractRules } from '../subgraphs/learning/src/domain/rules/extract.ts';
import { exampleOf, scoreRule, stratifiedSplit } from '../subgraphs/learning/src/domain/rules/dataset.ts';
import { PLANTED_OUTCOMES, plantedCase, type PlantedCase } from '../subgraphs/learning/src/domain/rules/planted.ts';
import { fieldSpecs, flatten } from '../subgraphs/learning/src/domain/similarity.ts';
import { migrationsFolder } from '../subgraphs/learning/src/service.ts';
import { percentile } from './load.ts';

/** The LLM the machine has, if any (OPENAI_BASE_URL / OPENAI_API_KEY): LLM_PATTERN is measured only against a real one. */
const llm = createLlmClient({ apiKey: process.env.OPENAI_API_KEY, baseUrl: process.env.OPENAI_BASE_URL, model: process.env.LLM_MODEL ?? 'gpt-4o-mini', logger: silentLogger });
const algorithms: RuleAlgorithm[] = llm ? ['FREQUENCY', 'DECISION_TREE', 'LLM_PATTERN'] : ['FREQUENCY', 'DECISION_TREE'];
const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

/** The planted rule on the held-out part of the same split: what label noise leaves reachable. */
function heldOutAccuracyOfTruth(planted: PlantedCase, seed: number): number {
  const examples = planted.samples.map((sample) => exampleOf(sample.input, PLANTED_OUTCOMES[sample.label as keyof typeof PLANTED_OUTCOMES] === 'true'));
  return scoreRule(planted.truth, stratifiedSplit(examples, seed).test).accuracy;
}

/**
 * Quality on planted rules: labelled samples whose truth is a known conjunction of 1–3
 * conditions over 3–6 fields, with distractor fields and 0–5 % label noise, 300 samples each;
 * per algorithm, the share of cases where a candidate reaches 95 % held-out accuracy and the mean
 * best held-out accuracy. The reference is the truth itself, scored on the same held-out samples.
 */
export async function benchRuleQuality(casesPerCell = 12): Promise<string> {
  const rows: string[] = [
    `${'noise'.padEnd(6)}${'conditions'.padStart(11)}${'cases'.padStart(7)}  ${[...algorithms, 'ALL'].map((name) => `${name} ≥95 % / mean`.padStart(28)).join('')}${'truth (mean)'.padStart(14)}`,
  ];
  for (const noise of [0, 0.02, 0.05]) {
    for (const conditions of [1, 2, 3]) {
      const reach: Record<string, number> = {};
      const mean: Record<string, number> = {};
      let truthAccuracy = 0;
      for (let index = 0; index < casesPerCell; index++) {
        const planted = plantedCase({ seed: 9_000 + conditions * 100 + index + noise * 1e4, samples: 300, relevant: 3 + (index % 4), distractors: 2 + (index % 3), conditions, noise });
        const seed = 17 + index;
        const bestOf = async (only?: RuleAlgorithm[]) => {
          const result = await extractRules({ samples: planted.samples, outcomes: PLANTED_OUTCOMES, seed, llm, algorithms: only });
          return { best: Math.max(0, ...result.candidates.map((candidate) => candidate.score.accuracy)), result };
        };
        for (const algorithm of algorithms) {
          const { best } = await bestOf([algorithm]);
          reach[algorithm] = (reach[algorithm] ?? 0) + (best >= 0.95 ? 1 : 0);
          mean[algorithm] = (mean[algorithm] ?? 0) + best / casesPerCell;
        }
        const { best, result } = await bestOf();
        reach.ALL = (reach.ALL ?? 0) + (best >= 0.95 ? 1 : 0);
        mean.ALL = (mean.ALL ?? 0) + best / casesPerCell;
        truthAccuracy += heldOutAccuracyOfTruth(planted, result.split.seed) / casesPerCell;
      }
      rows.push(
        `${pct(noise).padEnd(6)}${String(conditions).padStart(11)}${String(casesPerCell).padStart(7)}  ${[...algorithms, 'ALL']
          .map((name) => `${`${reach[name]}/${casesPerCell}`.padStart(8)} / ${pct(mean[name]!)}`.padStart(28))
          .join('')}${pct(truthAccuracy).padStart(14)}`,
      );
    }
  }
  if (!llm) rows.push('LLM_PATTERN not measured: no LLM here (set OPENAI_BASE_URL or OPENAI_API_KEY to include it).');
  rows.push('Goal: noise-free rows, ALL column — a candidate at ≥ 95 % held-out accuracy in every case.');
  return rows.join('\n');
}

/**
 * Extraction time per algorithm for 1k, 10k and 100k samples × 10 fields (4 the planted rule may
 * use, 6 distractors, 2 % noise), with the time of one pass scoring one rule over the same
 * samples as the reference.
 */
export async function benchExtractionTime(sizes = [1_000, 10_000, 100_000]): Promise<string> {
  const rows = [`${'samples'.padStart(8)}${'FREQUENCY'.padStart(22)}${'DECISION_TREE'.padStart(22)}${'whole job'.padStart(22)}${'scoring pass'.padStart(14)}${'best held-out'.padStart(15)}`];
  for (const size of sizes) {
    const planted = plantedCase({ seed: 31, samples: size, relevant: 4, distractors: 6, conditions: 2, noise: 0.02 });
    const seconds: Partial<Record<RuleAlgorithm, number>> = {};
    const started = performance.now();
    const result = await extractRules({ samples: planted.samples, outcomes: PLANTED_OUTCOMES, seed: 5, algorithms: ['FREQUENCY', 'DECISION_TREE'], onAlgorithm: (algorithm, taken) => (seconds[algorithm] = taken) });
    const whole = (performance.now() - started) / 1000;
    const rule = compileRule(planted.truth);
    const passStarted = performance.now();
    let fired = 0;
    for (const sample of planted.samples) if (rule.evaluate(sample.input).decided) fired++;
    const pass = Math.max((performance.now() - passStarted) / 1000, 1e-6);
    const cell = (taken: number) => `${taken.toFixed(2)} s (${Math.round(taken / pass)}×)`.padStart(22);
    rows.push(
      `${size.toLocaleString('en-US').padStart(8)}${cell(seconds.FREQUENCY ?? 0)}${cell(seconds.DECISION_TREE ?? 0)}${cell(whole)}${`${(pass * 1000).toFixed(1)} ms`.padStart(14)}${pct(result.candidates[0]?.score.accuracy ?? 0).padStart(15)}`,
    );
    void fired;
  }
  rows.push('(×: times one pass evaluating the planted rule on every sample. LLM_PATTERN sends at most 40 examples, whatever the sample count: its time is the model’s.)');
  return rows.join('\n');
}

/** 100k labelled samples of one workflow, with its sample space, as feedback would have left them. */
async function seedSamples(database: DatabaseHandle<typeof tables>, workflowId: string, count: number) {
  const planted = plantedCase({ seed: 41, samples: count, relevant: 4, distractors: 6, conditions: 2, noise: 0 });
  const started = Date.now();
  for (let offset = 0; offset < count; offset += 1_000) {
    await database.db.insert(tables.executions).values(
      planted.samples.slice(offset, offset + 1_000).map((sample, index) => ({
        id: randomUUID(),
        tenantId: 'bench',
        workflowId,
        workflowVersion: 1,
        inputData: sample.input,
        decision: sample.label,
        methodUsed: 'RULE',
        confidence: 1,
        judgedAt: new Date(started),
        label: sample.label,
        verdict: 'CORRECT' as const,
        labelledAt: new Date(started - offset - index),
      })),
    );
  }
  // Statistics as autovacuum would have them by now, so the reference read uses its index.
  await database.db.execute(sql`analyze ${tables.executions}`);
  const specs = fieldSpecs(planted.samples.map((sample) => flatten(sample.input)));
  await database.db.insert(tables.sampleFields).values(
    specs.map((spec) =>
      spec.kind === 'numeric'
        ? { tenantId: 'bench', workflowId, field: spec.name, numeric: true, min: spec.min, max: spec.max, categories: [] }
        : { tenantId: 'bench', workflowId, field: spec.name, numeric: false, categories: spec.values },
    ),
  );
  return planted;
}

async function latencies(runs: number, query: () => Promise<unknown>): Promise<number[]> {
  const taken: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await query();
    taken.push(performance.now() - started);
  }
  return taken.sort((a, b) => a - b);
}

/**
 * Few-shot lookup at 100k labelled samples × 10 fields: the 15 nearest, by pgvector in PGlite and
 * in the app (on PostgreSQL when TEST_DATABASE_URL is set), each against reading the 15 newest
 * labelled samples of the same table (an indexed read, no similarity) as the reference.
 */
export async function benchFewShotLookup(count = 100_000, runs = 30): Promise<string> {
  const server = await createTestDatabase();
  const backends: Array<[string, DatabaseHandle<typeof tables>]> = [
    ['pgvector (PGlite)', await openDatabase({ owner: 'learning', schema: tables, migrationsFolder, vector: true, logger: silentLogger })],
    [`in the app (${server.url ? 'PostgreSQL' : 'PGlite'})`, await openDatabase({ owner: 'learning', schema: tables, migrationsFolder, databaseUrl: server.url, logger: silentLogger })],
  ];
  const rows = [`${'similarity'.padEnd(26)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'reference p50'.padStart(15)}${'ratio'.padStart(8)}${'first (cold)'.padStart(14)}${'after a label'.padStart(15)}`];
  try {
    for (const [label, database] of backends) {
      const workflowId = randomUUID();
      const planted = await seedSamples(database, workflowId, count);
      const deps: FewShotDeps = { db: database.db, hasVector: database.hasVector, sampleCache: createSampleCache(10) };
      let next = 0;
      const query = () => similarSamples(deps, 'bench', workflowId, planted.samples[(next += 7919) % count]!.input, 15);
      const coldStarted = performance.now();
      await query();
      const cold = performance.now() - coldStarted;
      const lookups = await latencies(runs, query);
      const labelled = and(eq(tables.executions.tenantId, 'bench'), eq(tables.executions.workflowId, workflowId), isNotNull(tables.executions.label));
      const reference = await latencies(runs, () => database.db.select().from(tables.executions).where(labelled).orderBy(desc(tables.executions.labelledAt)).limit(15));
      // One more label, in the space the samples already have: what each judgment after feedback meets.
      const [known] = await database.db.select().from(tables.executions).where(labelled).limit(1);
      await database.db.insert(tables.executions).values({ ...known!, id: randomUUID(), labelledAt: new Date() });
      const [afterLabel] = await latencies(1, query);
      const p50 = percentile(lookups, 50);
      rows.push(
        `${label.padEnd(26)}${`${p50.toFixed(1)} ms`.padStart(10)}${`${percentile(lookups, 99).toFixed(1)} ms`.padStart(10)}${`${percentile(reference, 50).toFixed(2)} ms`.padStart(15)}${`${(p50 / percentile(reference, 50)).toFixed(1)}×`.padStart(8)}${`${cold.toFixed(0)} ms`.padStart(14)}${`${afterLabel!.toFixed(0)} ms`.padStart(15)}`,
      );
    }
  } finally {
    for (const [, database] of backends) await database.close();
    await server.drop();
  }
  rows.push(`(${count.toLocaleString('en-US')} labelled samples of one workflow, 10 fields; ${runs} lookups of 15 each. The judgment's lookup budget is FEW_SHOT_TIMEOUT_MS, 1000 ms by default.)`);
  return rows.join('\n');
}
