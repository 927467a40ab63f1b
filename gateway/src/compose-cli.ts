import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CompositionError, composeSupergraph } from './supergraph.ts';

/**
 * `npm run compose` writes supergraph.graphql next to supergraph.yaml;
 * `npm run compose -- --check` fails when the committed file is stale.
 */
const check = process.argv.includes('--check');
const configPath = resolve(process.argv.find((arg) => arg.endsWith('.yaml') || arg.endsWith('.yml')) ?? 'supergraph.yaml');
const outputPath = resolve(configPath, '..', 'supergraph.graphql');

try {
  const supergraphSdl = composeSupergraph(configPath);
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(outputPath, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (committed !== supergraphSdl) {
      process.stderr.write(`${outputPath} is stale: run \`npm run compose\` and commit the result.\n`);
      process.exit(1);
    }
    process.stdout.write(`${outputPath} is up to date.\n`);
  } else {
    writeFileSync(outputPath, supergraphSdl);
    process.stdout.write(`wrote ${outputPath}\n`);
  }
} catch (error) {
  process.stderr.write(`${error instanceof CompositionError ? error.message : String(error)}\n`);
  process.exit(1);
}
