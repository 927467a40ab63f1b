import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { sha256Hex } from '../trusted-documents.ts';
import { OperationSchemaError, variablesSchema, type ObjectJsonSchema } from './json-schema.ts';

/** Where the tools' operations live: the gateway's own, so they are trusted documents too (see platform-operations.ts). */
export const MCP_OPERATIONS_DIR = fileURLToPath(new URL('../../operations', import.meta.url));
const PREFIX = 'mcp-';

/** One platform operation offered as an MCP tool. */
export interface ToolOperation {
  /** snake_case, from the file name: `mcp-get-workflow.graphql` → `get_workflow`. */
  tool: string;
  /** The leading `#` comment lines. */
  description: string;
  operationName: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The file's exact text, as the trusted documents manifest holds it. */
  body: string;
  /** `sha256:<hex>`, the GraphQL-over-HTTP persisted document id of `body`. */
  documentId: string;
  inputSchema: ObjectJsonSchema;
  /** The root fields it selects, to tell an empty answer from a missing entity. */
  rootFields: string[];
}

/** The leading comment block: what the tool is for, in the operation file's own words. */
function leadingComment(body: string): string {
  const lines: string[] = [];
  for (const line of body.split('\n')) {
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (!comment) break;
    lines.push(comment[1]!.trim());
  }
  return lines.join(' ').trim();
}

/** Reads one operation file into a tool; throws naming the file and the problem. */
export function toolOperation(schema: GraphQLSchema, fileName: string, body: string): ToolOperation {
  const where = `gateway/operations/${fileName}`;
  const description = leadingComment(body);
  if (!description) throw new OperationSchemaError(`${where}: the first line must be a "# ..." comment describing the tool`);
  const document = parse(body);
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const [operation] = operations;
  if (operations.length !== 1 || !operation?.name) throw new OperationSchemaError(`${where}: must hold exactly one named operation`);
  const invalid = validate(schema, document)[0];
  if (invalid) throw new OperationSchemaError(`${where}: does not validate against the supergraph: ${invalid.message}`);
  let inputSchema: ObjectJsonSchema;
  try {
    inputSchema = variablesSchema(schema, operation);
  } catch (error) {
    throw new OperationSchemaError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    tool: fileName.slice(PREFIX.length, -'.graphql'.length).replace(/-/g, '_'),
    description,
    operationName: operation.name.value,
    type: operation.operation,
    body,
    documentId: `sha256:${sha256Hex(body)}`,
    inputSchema,
    rootFields: operation.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.alias?.value ?? selection.name.value] : [])),
  };
}

/**
 * Every `mcp-*.graphql` in the folder, in name order. With `skip`, an operation the schema cannot
 * run (a gateway serving another supergraph) is left out and reported instead of stopping start-up.
 */
export function loadToolOperations(schema: GraphQLSchema, options: { folder?: string; skip?: (problem: string) => void } = {}): ToolOperation[] {
  const folder = options.folder ?? MCP_OPERATIONS_DIR;
  return readdirSync(folder)
    .filter((name) => name.startsWith(PREFIX) && name.endsWith('.graphql'))
    .sort()
    .flatMap((name) => {
      try {
        return [toolOperation(schema, name, readFileSync(join(folder, name), 'utf8'))];
      } catch (error) {
        if (!options.skip || !(error instanceof OperationSchemaError)) throw error;
        options.skip(error.message);
        return [];
      }
    });
}
