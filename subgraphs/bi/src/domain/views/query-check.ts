import { operationLimitRules, operationLimits } from '@judgify/runtime/operation-limits';
import { GraphQLError, Kind, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export type QueryCheck = { ok: true; document: DocumentNode; operation: OperationDefinitionNode } | { ok: false; problem: string };

function describeSyntaxError(error: unknown): string {
  // graphql-js recurses per nesting level: an absurdly nested document overflows the stack.
  if (error instanceof RangeError) return 'it is nested too deeply';
  if (!(error instanceof GraphQLError)) throw error;
  const where = error.locations?.[0];
  return where ? `${error.message.replace(/^Syntax Error: /, '')} (line ${where.line}, column ${where.column})` : error.message;
}

/** A single read-only operation, in shape only: what can be checked without the schema. */
export function checkQueryShape(query: string): QueryCheck {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: operationLimits.maxTokens });
  } catch (error) {
    return { ok: false, problem: `query is not a valid GraphQL document: ${describeSyntaxError(error)}` };
  }
  if (document.definitions.some((definition) => definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION)) {
    return { ok: false, problem: 'query may contain only one query operation and its fragments, not type definitions' };
  }
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const [operation] = operations;
  if (operations.length !== 1 || !operation) return { ok: false, problem: `query must contain exactly one operation; found ${operations.length}` };
  if (operation.operation !== 'query') return { ok: false, problem: `query must be a read-only query operation, not a ${operation.operation}` };
  return { ok: true, document, operation };
}

/**
 * The whole check a view's query passes before it is saved or run: one read-only operation,
 * valid against the supergraph's API schema, within the gateway's depth, cost and alias limits.
 */
export function checkViewQuery(schema: GraphQLSchema, query: string): QueryCheck {
  const shape = checkQueryShape(query);
  if (!shape.ok) return shape;
  const errors = validate(schema, shape.document, [...specifiedRules, ...operationLimitRules()]);
  if (errors.length) return { ok: false, problem: `query does not fit the supergraph: ${errors.slice(0, 3).map((error) => error.message).join('; ')}` };
  return shape;
}

/**
 * The dotted paths of the fields an operation selects at `dataPath` (as the result names them,
 * aliases included): what rows of a chart drawn from that path can hold. Undefined when the
 * operation selects nothing at that path.
 */
export function fieldsAt(document: DocumentNode, operation: OperationDefinitionNode, dataPath: string): Set<string> | undefined {
  const fragments = new Map(document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [])));
  const children = (set: SelectionSetNode): Map<string, SelectionSetNode | null> => {
    const found = new Map<string, SelectionSetNode | null>();
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) found.set(selection.alias?.value ?? selection.name.value, selection.selectionSet ?? null);
      else {
        const inner = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)?.selectionSet;
        if (inner) for (const [name, child] of children(inner)) found.set(name, child);
      }
    }
    return found;
  };
  let set: SelectionSetNode | null = operation.selectionSet;
  for (const step of dataPath ? dataPath.split('.') : []) {
    set = set ? (children(set).get(step) ?? null) : null;
    if (!set) return undefined;
  }
  const paths = new Set<string>();
  const walk = (at: SelectionSetNode, prefix: string) => {
    for (const [name, child] of children(at)) {
      paths.add(prefix + name);
      if (child) walk(child, `${prefix}${name}.`);
    }
  };
  walk(set, '');
  return paths;
}
