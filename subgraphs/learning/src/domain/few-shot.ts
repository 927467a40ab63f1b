import { createHash } from 'node:crypto';
import type { Database } from '@judgify/runtime/database';
import { isUuid } from '@judgify/runtime/validation';
import { and, eq, gte, inArray, isNotNull, sql, type SQL } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import * as tables from '../db/schema.ts';
import { executions, sampleFields, sampleVectors, vectorSpaces } from '../db/schema.ts';
import { CATEGORY_WEIGHT, categoryOf, flatten, isNumber, nearestRows, orderedSpecs, roundDistance, vectorMatrix, vectorOf, type FieldSpec } from './similarity.ts';

export interface FewShotDeps {
  db: Database<typeof tables>;
  /** pgvector is installed: distances are computed in the database, with `<->`, over stored vectors. */
  hasVector: boolean;
  /** Labelled samples of recently asked workflows, as vectors, for the in-app path. */
  sampleCache: LRUCache<string, CachedSamples>;
}

export interface CachedSample {
  id: string;
  inputData: Record<string, unknown>;
  label: string;
  labelledAt: Date;
}

export interface CachedSamples {
  /** The newest label when they were read: any label since, here or on another replica, is later. */
  newest: number;
  samples: CachedSample[];
  /** Each sample's place in `samples` (and row in the matrix). */
  rowOf: Map<string, number>;
  /** The vectors of the first `rows` samples, in the space whose signature is given. */
  vectors?: { signature: string; matrix: Float32Array; dimensions: number; rows: number };
}

export interface SimilarSample {
  executionId: string;
  inputData: Record<string, unknown>;
  label: string;
  labelledAt: Date;
  distance: number;
}

type Transaction = Parameters<Parameters<FewShotDeps['db']['transaction']>[0]>[0];

/** Labelled samples of the `workflows` most recently asked about, for the in-app path. */
export const createSampleCache = (workflows: number) => new LRUCache<string, CachedSamples>({ max: workflows });

/** Widens the workflow's sample space by a newly labelled input: new fields, a wider range, new categories. */
export async function widenSampleSpace(tx: Transaction, tenantId: string, workflowId: string, input: Record<string, unknown>): Promise<void> {
  for (const [field, value] of flatten(input)) {
    const numeric = isNumber(value);
    await tx
      .insert(sampleFields)
      .values({ tenantId, workflowId, field, numeric, min: numeric ? value : null, max: numeric ? value : null, categories: numeric ? [] : [categoryOf(value)] })
      .onConflictDoUpdate({
        target: [sampleFields.tenantId, sampleFields.workflowId, sampleFields.field],
        set: numeric
          ? { min: sql`least(${sampleFields.min}, ${value})`, max: sql`greatest(${sampleFields.max}, ${value})` }
          : {
              numeric: false,
              categories: sql`(select array_agg(distinct category order by category) from unnest(${sampleFields.categories} || array[${categoryOf(value)}]::text[]) as category)`,
            },
      });
  }
}

export async function sampleSpace(db: FewShotDeps['db'], tenantId: string, workflowId: string): Promise<FieldSpec[]> {
  const rows = await db.select().from(sampleFields).where(and(eq(sampleFields.tenantId, tenantId), eq(sampleFields.workflowId, workflowId)));
  return orderedSpecs(
    rows.map((row) =>
      row.numeric ? { name: row.field, kind: 'numeric' as const, min: row.min ?? 0, max: row.max ?? 0 } : { name: row.field, kind: 'categorical' as const, values: row.categories },
    ),
  );
}

/** Names one sample space: vectors computed in another are not comparable. */
const signatureOf = (specs: readonly FieldSpec[]) => createHash('sha256').update(JSON.stringify(specs)).digest('base64url');

const pathOf = (field: string) => `{${field.split('.').map((segment) => `"${segment.replace(/["\\]/g, (character) => `\\${character}`)}"`).join(',')}}`;

/** One component of the vector per field, in SQL, exactly as vectorOf computes it. */
function componentsSql(specs: readonly FieldSpec[]): SQL[] {
  const input = executions.inputData;
  return specs.flatMap((spec) => {
    const path = pathOf(spec.name);
    const at = sql`(${input} #> ${path}::text[])`;
    if (spec.kind === 'numeric') {
      const range = spec.max - spec.min;
      const value = range === 0 ? sql`0` : sql`((${input} #>> ${path}::text[])::float8 - ${spec.min}::float8) / ${range}::float8`;
      return [sql`(case when jsonb_typeof(${at}) = 'number' then ${value} else 0.5 end)`];
    }
    const category = sql`(case when ${at} is null or jsonb_typeof(${at}) = 'number' then null when jsonb_typeof(${at}) = 'string' then ${at} #>> '{}' else ${at}::text end)`;
    return spec.values.map((known) => sql`(case when ${category} = ${known} then ${CATEGORY_WEIGHT}::float8 else 0 end)`);
  });
}

const vectorLiteral = (vector: Float32Array) => `[${[...vector].join(',')}]`;

const labelledOf = (tenantId: string, workflowId: string) => and(eq(executions.tenantId, tenantId), eq(executions.workflowId, workflowId), isNotNull(executions.label));

/** The newest label of a workflow's samples (an index answers it at once); 0 without any. */
async function newestLabel(db: FewShotDeps['db'], tenantId: string, workflowId: string): Promise<number> {
  const [latest] = await db.select({ newest: sql<Date | string | null>`max(${executions.labelledAt})` }).from(executions).where(labelledOf(tenantId, workflowId));
  return latest?.newest == null ? 0 : new Date(latest.newest).getTime();
}

/**
 * The labelled samples of a workflow most like an input, nearest first (ties: the most recently
 * labelled), under the metric of similarity.ts: computed by pgvector in the database where it is
 * installed, else in the app over a cached copy of the samples — the same answer either way.
 */
export async function similarSamples(deps: FewShotDeps, tenantId: string, workflowId: string, input: Record<string, unknown>, first: number): Promise<SimilarSample[]> {
  if (!isUuid(workflowId)) return [];
  const specs = await sampleSpace(deps.db, tenantId, workflowId);
  if (!specs.length) return [];
  const query = vectorOf(flatten(input), specs);
  return deps.hasVector ? nearestInDatabase(deps, tenantId, workflowId, specs, query, first) : nearestInApp(deps, tenantId, workflowId, specs, query, first);
}

/** Rows beyond `first` read with the nearest, so ties at the last place are seen without a second scan (usually). */
const TIE_MARGIN = 16;

/**
 * pgvector over the stored vectors: the nearest by distance alone from the narrow vector table,
 * then their samples, ordered with the tie-break. When more rows tie at the last place than were
 * read, every row at that distance is read, so the answer is the in-app one exactly.
 */
async function nearestInDatabase(deps: FewShotDeps, tenantId: string, workflowId: string, specs: FieldSpec[], query: Float32Array, first: number): Promise<SimilarSample[]> {
  await storeVectors(deps.db, tenantId, workflowId, specs);
  // Unrounded in SQL (rounding there costs more than the distance); rounded here exactly as the in-app path rounds.
  const distance = sql<number>`(${sampleVectors.embedding}::vector <-> ${vectorLiteral(query)}::vector) / sqrt(${specs.length}::float8)`;
  const ofWorkflow = and(eq(sampleVectors.tenantId, tenantId), eq(sampleVectors.workflowId, workflowId));
  const rounded = (rows: Array<{ executionId: string; distance: number }>) => rows.map((row) => ({ executionId: row.executionId, distance: roundDistance(Number(row.distance)) }));
  const nearest = rounded(await deps.db.select({ executionId: sampleVectors.executionId, distance }).from(sampleVectors).where(ofWorkflow).orderBy(distance).limit(first + TIE_MARGIN));
  if (!nearest.length) return [];
  const last = nearest[Math.min(first, nearest.length) - 1]!.distance;
  let candidates = nearest.filter((row) => row.distance <= last);
  if (nearest.length === first + TIE_MARGIN && nearest.at(-1)!.distance === last) {
    const within = await deps.db.select({ executionId: sampleVectors.executionId, distance }).from(sampleVectors).where(and(ofWorkflow, sql`${distance} <= ${last + 1e-6}`));
    candidates = rounded(within).filter((row) => row.distance <= last);
  }
  const distances = new Map(candidates.map((row) => [row.executionId, Number(row.distance)]));
  const rows = await deps.db
    .select({ executionId: executions.id, inputData: executions.inputData, label: executions.label, labelledAt: executions.labelledAt })
    .from(executions)
    .where(and(labelledOf(tenantId, workflowId), inArray(executions.id, [...distances.keys()])));
  return rows
    .map((row) => ({ ...row, label: row.label!, labelledAt: row.labelledAt!, distance: distances.get(row.executionId)! }))
    .sort((a, b) => a.distance - b.distance || b.labelledAt.getTime() - a.labelledAt.getTime() || (a.executionId < b.executionId ? 1 : a.executionId > b.executionId ? -1 : 0))
    .slice(0, first);
}

/**
 * Brings a workflow's stored vectors up to date: all of them again when its sample space has
 * changed (a wider range, a new category or field), else only those of samples labelled since
 * they were last stored. Concurrent callers may both do it; the result is the same.
 */
async function storeVectors(db: FewShotDeps['db'], tenantId: string, workflowId: string, specs: FieldSpec[]): Promise<void> {
  const signature = signatureOf(specs);
  const [space] = await db.select().from(vectorSpaces).where(and(eq(vectorSpaces.tenantId, tenantId), eq(vectorSpaces.workflowId, workflowId)));
  const newest = await newestLabel(db, tenantId, workflowId);
  const current = space?.signature === signature;
  if (current && (space.coveredUntil?.getTime() ?? 0) >= newest) return;
  const since = current && space.coveredUntil ? gte(executions.labelledAt, space.coveredUntil) : undefined;
  const embedding = sql<number[]>`array[${sql.join(componentsSql(specs), sql`, `)}]::real[]`;
  await db.transaction(async (tx) => {
    await tx
      .insert(sampleVectors)
      .select(
        tx
          .select({ executionId: executions.id, tenantId: executions.tenantId, workflowId: executions.workflowId, embedding: embedding.as('embedding') })
          .from(executions)
          .where(and(labelledOf(tenantId, workflowId), since)),
      )
      .onConflictDoUpdate({ target: sampleVectors.executionId, set: { embedding: sql`excluded.embedding` } });
    const coveredUntil = newest ? new Date(newest) : null;
    await tx
      .insert(vectorSpaces)
      .values({ tenantId, workflowId, signature, coveredUntil })
      .onConflictDoUpdate({ target: [vectorSpaces.tenantId, vectorSpaces.workflowId], set: { signature, coveredUntil } });
  });
}

async function nearestInApp(deps: FewShotDeps, tenantId: string, workflowId: string, specs: FieldSpec[], query: Float32Array, first: number): Promise<SimilarSample[]> {
  const cached = await cachedSamples(deps, tenantId, workflowId);
  const { matrix, dimensions } = vectorsOf(cached, specs);
  const { samples } = cached;
  const newerFirst = (a: number, b: number) => {
    const difference = samples[a]!.labelledAt.getTime() - samples[b]!.labelledAt.getTime();
    return difference > 0 || (difference === 0 && samples[a]!.id > samples[b]!.id);
  };
  return nearestRows(matrix, dimensions, query, specs.length, first, newerFirst).map(({ row, distance }) => ({
    executionId: samples[row]!.id,
    inputData: samples[row]!.inputData,
    label: samples[row]!.label,
    labelledAt: samples[row]!.labelledAt,
    distance,
  }));
}

/** The cached samples' vectors in this space: all again when the space changed, else only those of samples added since. */
function vectorsOf(cached: CachedSamples, specs: FieldSpec[]): { matrix: Float32Array; dimensions: number } {
  const signature = signatureOf(specs);
  const { samples } = cached;
  if (cached.vectors?.signature !== signature) {
    cached.vectors = { signature, rows: samples.length, ...vectorMatrix(samples.map((sample) => flatten(sample.inputData)), specs) };
  } else if (cached.vectors.rows < samples.length) {
    const { matrix, dimensions, rows } = cached.vectors;
    const added = vectorMatrix(samples.slice(rows).map((sample) => flatten(sample.inputData)), specs).matrix;
    const grown = new Float32Array(matrix.length + added.length);
    grown.set(matrix);
    grown.set(added, matrix.length);
    cached.vectors = { signature, dimensions, rows: samples.length, matrix: grown };
  }
  return cached.vectors;
}

const sampleColumns = { id: executions.id, inputData: executions.inputData, label: executions.label, labelledAt: executions.labelledAt };
const asSample = (row: { id: string; inputData: Record<string, unknown>; label: string | null; labelledAt: Date | null }): CachedSample => ({
  id: row.id,
  inputData: row.inputData,
  label: row.label!,
  labelledAt: row.labelledAt!,
});

/**
 * A workflow's labelled samples for the in-app path. Every label, a relabelling too, moves the
 * newest labelledAt (which an index answers at once): when it has moved, only the samples labelled
 * since are read and merged in, so a busy workflow is not read whole after every piece of feedback.
 */
async function cachedSamples(deps: FewShotDeps, tenantId: string, workflowId: string): Promise<CachedSamples> {
  const newest = await newestLabel(deps.db, tenantId, workflowId);
  const key = `${tenantId}:${workflowId}`;
  const cached = deps.sampleCache.get(key);
  if (cached && cached.newest >= newest) return cached;
  if (!cached) {
    const samples = (await deps.db.select(sampleColumns).from(executions).where(labelledOf(tenantId, workflowId))).map(asSample);
    const fresh = { newest: latestOf(samples, newest), samples, rowOf: new Map(samples.map((sample, row) => [sample.id, row])) };
    deps.sampleCache.set(key, fresh);
    return fresh;
  }
  // `>=`: a label in the same millisecond as the newest read may not have been read yet.
  const since = (await deps.db.select(sampleColumns).from(executions).where(and(labelledOf(tenantId, workflowId), gte(executions.labelledAt, new Date(cached.newest))))).map(asSample);
  for (const sample of since) {
    const row = cached.rowOf.get(sample.id);
    // A relabelled sample keeps its row: its input, and so its vector, never changes.
    if (row !== undefined) cached.samples[row] = sample;
    else cached.rowOf.set(sample.id, cached.samples.push(sample) - 1);
  }
  cached.newest = latestOf(since, newest);
  return cached;
}

const latestOf = (samples: readonly CachedSample[], floor: number) => samples.reduce((latest, sample) => Math.max(latest, sample.labelledAt.getTime()), floor);
