/**
 * Builds the console into `dist/` when its sources changed since the last build, so `npm start`
 * on a fresh clone serves it with no build step to know. `npm run build -w @judgify/console`
 * builds it alone (the Docker image does).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const CONSOLE_DIST = join(CONSOLE_ROOT, 'dist');
const STAMP = join(CONSOLE_DIST, '.sources-hash');
// The lockfile too: an upgraded dependency is a new bundle.
const SOURCES = ['index.html', 'vite.config.ts', 'package.json', 'src', 'operations', '../package-lock.json'];

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((name) => filesUnder(join(path, name)));
}

/** One hash over every source file's path and content. */
function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap((source) => filesUnder(join(CONSOLE_ROOT, source)))) {
    hash.update(relative(CONSOLE_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function consoleIsCurrent(): boolean {
  return existsSync(STAMP) && readFileSync(STAMP, 'utf8') === sourcesHash();
}

/** Builds unless `dist/` already holds this exact source; returns whether it built. */
export async function ensureConsoleBuilt(log: (line: string) => void = () => {}): Promise<boolean> {
  if (consoleIsCurrent()) return false;
  log('building the web console (once per change of its sources)…');
  const { build } = await import('vite');
  await build({ configFile: join(CONSOLE_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(STAMP, sourcesHash());
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await ensureConsoleBuilt((line) => process.stdout.write(`${line}\n`));
  process.stdout.write(built ? `console built into ${CONSOLE_DIST}\n` : `console in ${CONSOLE_DIST} is current\n`);
}
