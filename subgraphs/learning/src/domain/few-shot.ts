import { createHash } from 'node:crypto';
import type { Database } from '@judgify/runtime/database';
import { isUuid } from '@judgify/runtime/validation';
import { and, eq, gte, inArray, isNotNull, sql, type SQL } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import * as tables from '../db/schema.ts';
import { executions, sampleFields, sampleVectors } from '../db/schema.ts';
import { CATEGORY_WEIGHT, categoryOf, flatten, isNumber, MAX_CATEGORIES, MAX_FIELDS, nearestRows, orderedSpecs, roundDistance, vectorMatrix, vectorOf, type FieldSpec } from './similarity.ts';

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
  /** The label stamp when they were read (see labelStamp), and when. */
  count: number;
  newest: number;
  readAt: number;
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
/** The database or a transaction on it, to read with. */
type Reader = Pick<Transaction, 'select'>;

/** Labelled samples of the `workflows` most recently asked about, for the in-app path. */
export const createSampleCache = (workflows: number) => new LRUCache<string, CachedSamples>({ max: workflows });

/**
 * Widens the workflow's sample space by a newly labelled input: new fields (up to MAX_FIELDS), a
 * wider range, new categories (up to MAX_CATEGORIES a field).
 */
export async function widenSampleSpace(tx: Transaction, tenantId: string, workflowId: string, input: Record<string, unknown>): Promise<void> {
  const ofWorkflow = and(eq(sampleFields.tenantId, tenantId), eq(sampleFields.workflowId, workflowId));
  const known = new Set((await tx.select({ field: sampleFields.field }).from(sampleFields).where(ofWorkflow)).map((row) => row.field));
  for (const [field, value] of flatten(input)) {
    if (!known.has(field)) {
      if (known.size >= MAX_FIELDS) continue;
      known.add(field);
    }
    const numeric = isNumber(value);
    const category = categoryOf(value);
    await tx
      .insert(sampleFields)
      .values({ tenantId, workflowId, field, numeric, min: numeric ? value : null, max: numeric ? value : null, categories: numeric ? [] : [category] })
      .onConflictDoUpdate({
        target: [sampleFields.tenantId, sampleFields.workflowId, sampleFields.field],
        set: numeric
          ? { min: sql`least(${sampleFields.min}, ${value})`, max: sql`greatest(${sampleFields.max}, ${value})` }
          : {
              numeric: false,
              categories: sql`case when ${category} = any(${sampleFields.categories}) or cardinality(${sampleFields.categories}) >= ${MAX_CATEGORIES} then ${sampleFields.categories}
                else (select array_agg(category order by category) from unnest(${sampleFields.categories} || array[${category}]::text[]) as category) end`,
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

/**
 * How many labelled samples a workflow has and its newest label, from the samples index: a
 * sample labelled anywhere (a late commit with an earlier time too) changes the count, a
 * relabelling the newest time.
 */
async function labelStamp(db: Reader, tenantId: string, workflowId: string): Promise<{ count: number; newest: number }> {
  const [stamp] = await db
    .select({ count: sql<number>`count(*)::int`, newest: sql<Date | string | null>`max(${executions.labelledAt})` })
    .from(executions)
    .where(labelledOf(tenantId, workflowId));
  return { count: Number(stamp?.count ?? 0), newest: stamp?.newest == null ? 0 : new Date(stamp.newest).getTime() };
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
  const signature = signatureOf(specs);
  await storeVectors(deps.db, tenantId, workflowId, specs, signature);
  // Unrounded in SQL (rounding there costs more than the distance); rounded here exactly as the in-app path rounds.
  const distance = sql<number>`(${sampleVectors.embedding}::vector <-> ${vectorLiteral(query)}::vector) / sqrt(${specs.length}::float8)`;
  // Only vectors of this space: never one of another length or scale.
  const inSpace = and(eq(sampleVectors.tenantId, tenantId), eq(sampleVectors.workflowId, workflowId), eq(sampleVectors.signature, signature));
  const rounded = (rows: Array<{ executionId: string; distance: number }>) => rows.map((row) => ({ executionId: row.executionId, distance: roundDistance(Number(row.distance)) }));
  const nearest = rounded(await deps.db.select({ executionId: sampleVectors.executionId, distance }).from(sampleVectors).where(inSpace).orderBy(distance).limit(first + TIE_MARGIN));
  if (!nearest.length) return [];
  const last = nearest[Math.min(first, nearest.length) - 1]!.distance;
  let candidates = nearest.filter((row) => row.distance <= last);
  if (nearest.length === first + TIE_MARGIN && nearest.at(-1)!.distance === last) {
    const within = await deps.db.select({ executionId: sampleVectors.executionId, distance }).from(sampleVectors).where(and(inSpace, sql`${distance} <= ${last + 1e-6}`));
    candidates = rounded(within).filter((row) => row.distance <= last);
  }
  const distances = new Map(candidates.map((row) => [row.executionId, row.distance]));
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
 * Gives every labelled sample of a workflow a stored vector in this space: all of them when the
 * space has changed (a wider range, a new category or field), else the ones labelled since.
 * One writer per workflow at a time (an advisory lock), so concurrent lookups never compute the
 * same vectors twice.
 */
async function storeVectors(db: FewShotDeps['db'], tenantId: string, workflowId: string, specs: FieldSpec[], signature: string): Promise<void> {
  const stored = async (from: Reader) =>
    Number(
      (
        await from
          .select({ count: sql<number>`count(*)::int` })
          .from(sampleVectors)
          .where(and(eq(sampleVectors.tenantId, tenantId), eq(sampleVectors.workflowId, workflowId), eq(sampleVectors.signature, signature)))
      )[0]?.count ?? 0,
    );
  const { count } = await labelStamp(db, tenantId, workflowId);
  if ((await stored(db)) >= count) return;
  const embedding = sql<number[]>`array[${sql.join(componentsSql(specs), sql`, `)}]::real[]`;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`learning.sample_vectors:${tenantId}:${workflowId}`}))`);
    if ((await stored(tx)) >= (await labelStamp(tx, tenantId, workflowId)).count) return;
    const current = sql`exists (select 1 from ${sampleVectors} where ${sampleVectors.executionId} = ${executions.id} and ${sampleVectors.signature} = ${signature})`;
    await tx
      .insert(sampleVectors)
      .select(
        tx
          .select({ executionId: executions.id, tenantId: executions.tenantId, workflowId: executions.workflowId, signature: sql<string>`${signature}`.as('signature'), embedding: embedding.as('embedding') })
          .from(executions)
          .where(and(labelledOf(tenantId, workflowId), sql`not ${current}`)),
      )
      .onConflictDoUpdate({ target: sampleVectors.executionId, set: { signature, embedding: sql`excluded.embedding` } });
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

/** A label whose transaction commits this long after it was stamped is found by the next full read only. */
const LATE_COMMIT_MS = 60_000;
/** Even when the stamp has not moved, the labels read are checked again this often (a late relabelling moves neither). */
const RECHECK_MS = 10_000;

/**
 * A workflow's labelled samples for the in-app path. When the label stamp has moved, or the copy
 * is older than RECHECK_MS, only samples labelled in the last minute before the newest known label
 * are read and merged in by id, so a busy workflow is not read whole after every piece of
 * feedback; if the count still differs, it is read whole.
 */
async function cachedSamples(deps: FewShotDeps, tenantId: string, workflowId: string): Promise<CachedSamples> {
  const stamp = await labelStamp(deps.db, tenantId, workflowId);
  const key = `${tenantId}:${workflowId}`;
  const cached = deps.sampleCache.get(key);
  const now = Date.now();
  if (cached && cached.count === stamp.count && cached.newest >= stamp.newest && now - cached.readAt < RECHECK_MS) return cached;
  if (cached) {
    const since = (
      await deps.db
        .select(sampleColumns)
        .from(executions)
        .where(and(labelledOf(tenantId, workflowId), gte(executions.labelledAt, new Date(cached.newest - LATE_COMMIT_MS))))
    ).map(asSample);
    for (const sample of since) {
      const row = cached.rowOf.get(sample.id);
      // A relabelled sample keeps its row: its input, and so its vector, never changes.
      if (row !== undefined) cached.samples[row] = sample;
      else cached.rowOf.set(sample.id, cached.samples.push(sample) - 1);
    }
    if (cached.samples.length === stamp.count) return Object.assign(cached, { count: stamp.count, newest: latestOf(since, stamp.newest), readAt: now });
  }
  const samples = (await deps.db.select(sampleColumns).from(executions).where(labelledOf(tenantId, workflowId))).map(asSample);
  const fresh = { count: samples.length, newest: latestOf(samples, stamp.newest), readAt: now, samples, rowOf: new Map(samples.map((sample, row) => [sample.id, row])) };
  deps.sampleCache.set(key, fresh);
  return fresh;
}

const latestOf = (samples: readonly CachedSample[], floor: number) => samples.reduce((latest, sample) => Math.max(latest, sample.labelledAt.getTime()), floor);
