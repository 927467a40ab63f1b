import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { Logger } from './logger.ts';

export type Database<TSchema extends Record<string, unknown>> = PgDatabase<PgQueryResultHKT, TSchema>;

export interface DatabaseHandle<TSchema extends Record<string, unknown>> {
  db: Database<TSchema>;
  /** "postgres" on a server, "pglite" when embedded. */
  kind: 'postgres' | 'pglite';
  /** Whether the pgvector extension is installed (PGlite ships it; a server may lack it). */
  hasVector: boolean;
  ping(): Promise<void>;
  /** Connections checked out of the pool now, running a query or a transaction (PGlite: its one connection). */
  activeConnections(): number;
  close(): Promise<void>;
}

export interface DatabaseOptions<TSchema extends Record<string, unknown>> {
  /** The Postgres schema this service owns; migrations bookkeeping lives there too. */
  owner: string;
  schema: TSchema;
  migrationsFolder: string;
  /** A PostgreSQL URL; without one an embedded PGlite database is used. */
  databaseUrl?: string;
  /** Where embedded data lives (a folder per owner); omitted means in memory. */
  dataDir?: string;
  /** Install pgvector when the database offers it (PGlite always does). */
  vector?: boolean;
  poolSize?: number;
  logger: Logger;
}

/**
 * Opens the service's database and applies its committed migrations before anything else
 * runs. On PostgreSQL an advisory lock lets several services and replicas start at once.
 */
export async function openDatabase<TSchema extends Record<string, unknown>>(
  options: DatabaseOptions<TSchema>,
): Promise<DatabaseHandle<TSchema>> {
  // Bookkeeping sits beside the others in the "drizzle" schema: the owner's schema is created by its first migration.
  const migrationConfig = { migrationsFolder: options.migrationsFolder, migrationsTable: `migrations_${options.owner}` };
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      keepAlive: true,
      application_name: `judgify-${options.owner}`,
    });
    pool.on('error', (error) => options.logger.error({ err: error }, 'idle database connection failed'));
    const migrationClient = await pool.connect();
    try {
      // One lock for every service: their migrations share the "drizzle" bookkeeping schema, and
      // PostgreSQL's CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent twin.
      await migrationClient.query("SELECT pg_advisory_lock(hashtext('judgify:migrate'))");
      await migratePg(drizzlePg(migrationClient), migrationConfig);
    } finally {
      await migrationClient.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      migrationClient.release();
    }
    const db = drizzlePg(pool, { schema: options.schema });
    const hasVector = options.vector ? await installVector(() => db.execute(sql`create extension if not exists vector`), options.logger) : false;
    return {
      db: db as unknown as Database<TSchema>,
      kind: 'postgres',
      hasVector,
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      activeConnections: () => pool.totalCount - pool.idleCount,
      close: () => pool.end(),
    };
  }

  let dataPath: string | undefined;
  if (options.dataDir) {
    dataPath = resolve(join(options.dataDir, options.owner));
    mkdirSync(dataPath, { recursive: true });
  }
  const client = await PGlite.create({ dataDir: dataPath, ...(options.vector ? { extensions: { vector } } : {}) });
  const db = drizzlePglite(client, { schema: options.schema });
  await migratePglite(db, migrationConfig);
  const hasVector = options.vector ? await installVector(() => client.exec('create extension if not exists vector'), options.logger) : false;
  options.logger.info({ dataPath: dataPath ?? 'memory' }, 'using embedded PGlite database');
  return {
    db: db as unknown as Database<TSchema>,
    kind: 'pglite',
    hasVector,
    ping: async () => {
      await client.query('select 1');
    },
    activeConnections: () => (client.closed ? 0 : 1),
    close: () => client.close(),
  };
}

/**
 * One SQL statement kept ready under a name: on PostgreSQL a named prepared statement, parsed and
 * planned once per pooled connection, then only bound and run; PGlite has no named statements
 * and parses it each time, in the same single round trip. Rows come back as the driver reads
 * them (snake_case columns; timestamps as Dates, jsonb parsed), with none of drizzle's query
 * building or mapping: for the few statements on a hot path. Outside any transaction: each run
 * is its own (autocommit), so a statement that writes several tables writes all of them or none.
 */
export type PreparedStatement<Row> = (params: readonly unknown[]) => Promise<Row[]>;

export function prepareStatement<Row = Record<string, unknown>>(db: Database<any>, name: string, text: string): PreparedStatement<Row> {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client instanceof pg.Pool) {
    return async (params) => (await client.query<Row & pg.QueryResultRow>({ name, text, values: params as unknown[] })).rows;
  }
  if (client instanceof PGlite) {
    return async (params) => (await client.query<Row>(text, params as unknown[])).rows;
  }
  throw new Error(`prepareStatement(${name}) needs a database opened by openDatabase (node-postgres pool or PGlite)`);
}

/** pgvector where the database has it; without it, callers compute the same in the app. */
async function installVector(install: () => Promise<unknown>, logger: Logger): Promise<boolean> {
  try {
    await install();
    return true;
  } catch (error) {
    logger.info({ reason: error instanceof Error ? error.message : String(error) }, 'pgvector is not available; similarity is computed in the app');
    return false;
  }
}
