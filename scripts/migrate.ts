/**
 * `node --import tsx scripts/migrate.ts`: applies every subgraph's committed migrations to
 * DATABASE_URL, then exits (the Kubernetes migration Job). Services also migrate at start-up,
 * under the same advisory lock, so the Job and starting pods never race. PGlite needs no Job.
 */
import { fileURLToPath } from 'node:url';
import { logEnv, parseEnv, storageEnv } from '@judgify/runtime/config';
import { openDatabase } from '@judgify/runtime/database';
import { createLogger } from '@judgify/runtime/logger';

/** Each subgraph's schema, and whether it installs pgvector. */
const OWNERS = { workflow: false, judgment: false, learning: true, bi: false, chat: false } as const;

const env = parseEnv(logEnv.extend(storageEnv.shape), process.env, 'migrate');
if (!env.DATABASE_URL) {
  process.stderr.write('[migrate] DATABASE_URL is required: PGlite folders are migrated when their service starts.\n');
  process.exit(1);
}
const logger = createLogger('migrate', env.LOG_LEVEL, { format: env.LOG_FORMAT });
for (const [owner, vector] of Object.entries(OWNERS)) {
  const database = await openDatabase({
    owner,
    schema: {},
    vector,
    poolSize: 1,
    logger,
    databaseUrl: env.DATABASE_URL,
    migrationsFolder: fileURLToPath(new URL(`../subgraphs/${owner}/src/db/migrations`, import.meta.url)),
  });
  await database.close();
  logger.info({ owner }, 'migrations applied');
}
