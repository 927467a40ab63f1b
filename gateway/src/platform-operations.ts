import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import { parse, validate } from 'graphql';
import { CompositionError } from './supergraph.ts';
import { MANIFEST_FORMAT, sha256Hex, type TrustedDocument } from './trusted-documents.ts';

/** The operations the platform's own tools send, written by `npm run compose`. */
export const PLATFORM_MANIFEST_PATH = fileURLToPath(new URL('../trusted-documents.json', import.meta.url));

/** Workspace folders whose `operations/*.graphql` the platform's own tools send (explorer, console, services). */
function workspaceFolders(root: string): string[] {
  const { workspaces = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: string[] };
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    return readdirSync(parent).map((name) => join(parent, name)).filter((path) => statSync(path).isDirectory());
  });
}

function operationFiles(root: string): string[] {
  return workspaceFolders(root).flatMap((folder) => {
    const operations = join(folder, 'operations');
    let names: string[];
    try {
      names = readdirSync(operations);
    } catch {
      return [];
    }
    return names.filter((name) => name.endsWith('.graphql')).sort().map((name) => join(operations, name));
  });
}

/**
 * The platform's trusted documents manifest: one entry per operation file, each checked against
 * the supergraph's API schema, so a schema change that breaks a tool fails `npm run compose`.
 */
export function buildPlatformManifest(root: string, supergraphSdl: string): string {
  const schema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const problems: string[] = [];
  const operations: TrustedDocument[] = [];
  for (const file of operationFiles(root)) {
    const where = relative(root, file);
    const body = readFileSync(file, 'utf8');
    try {
      const document = parse(body);
      const defined = document.definitions.flatMap((definition) => (definition.kind === 'OperationDefinition' ? [definition] : []));
      const [operation] = defined;
      if (defined.length !== 1 || !operation?.name) {
        problems.push(`${where}: must hold exactly one named operation`);
        continue;
      }
      const errors = validate(schema, document);
      if (errors.length) {
        problems.push(...errors.map((error) => `${where}: ${error.message}`));
        continue;
      }
      operations.push({ id: sha256Hex(body), name: operation.name.value, type: operation.operation, body });
    } catch (error) {
      problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const names = operations.map((operation) => operation.name);
  for (const name of new Set(names.filter((name, index) => names.indexOf(name) !== index))) problems.push(`operation name ${name} is used twice`);
  if (problems.length) throw new CompositionError(problems);
  return `${JSON.stringify({ format: MANIFEST_FORMAT, version: 1, operations: operations.sort((a, b) => a.name.localeCompare(b.name)) }, null, 2)}\n`;
}
