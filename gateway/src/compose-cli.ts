import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildPlatformManifest, PLATFORM_MANIFEST_PATH } from './platform-operations.ts';
import { CompositionError, composeSupergraph } from './supergraph.ts';

/**
 * `npm run compose` writes supergraph.graphql next to supergraph.yaml, and the platform's
 * trusted documents manifest (gateway/trusted-documents.json) from every workspace's
 * `operations/*.graphql`; `npm run compose -- --check` fails when either committed file is stale.
 */
const check = process.argv.includes('--check');
const configPath = resolve(process.argv.find((arg) => arg.endsWith('.yaml') || arg.endsWith('.yml')) ?? 'supergraph.yaml');
const root = dirname(configPath);

function writeOrCheck(path: string, content: string): boolean {
  if (!check) {
    writeFileSync(path, content);
    process.stdout.write(`wrote ${path}\n`);
    return true;
  }
  let committed = '';
  try {
    committed = readFileSync(path, 'utf8');
  } catch {
    // a missing file is stale too
  }
  if (committed !== content) {
    process.stderr.write(`${path} is stale: run \`npm run compose\` and commit the result.\n`);
    return false;
  }
  process.stdout.write(`${path} is up to date.\n`);
  return true;
}

try {
  const supergraphSdl = composeSupergraph(configPath);
  const fresh = [writeOrCheck(resolve(root, 'supergraph.graphql'), supergraphSdl), writeOrCheck(PLATFORM_MANIFEST_PATH, buildPlatformManifest(root, supergraphSdl))];
  if (!fresh.every(Boolean)) process.exit(1);
} catch (error) {
  process.stderr.write(`${error instanceof CompositionError ? error.message : String(error)}\n`);
  process.exit(1);
}
