import { getOperationAST, isUnionType, Kind, valueFromASTUntyped, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AppError } from './errors.ts';

/** Why an `_entities` call cannot be answered: a representation that names no entity of this subgraph. */
export function representationsProblem(schema: GraphQLSchema, representations: unknown): string | undefined {
  const union = schema.getType('_Entity');
  const entities = isUnionType(union) ? union.getTypes().map((type) => type.name) : [];
  if (!Array.isArray(representations)) return '"representations" must be a list of objects, each with a "__typename".';
  for (const [index, representation] of representations.entries()) {
    const typename = (representation as { __typename?: unknown } | null)?.__typename;
    if (typeof typename !== 'string') return `representations[${index}] has no "__typename" string.`;
    if (!entities.includes(typename)) {
      return `representations[${index}].__typename "${typename}" is not an entity of this subgraph; its entities are ${entities.join(', ') || 'none'}.`;
    }
  }
  return undefined;
}

function representationsOf(args: ExecutionArgs): unknown[] {
  const operation = getOperationAST(args.document, args.operationName);
  const found: unknown[] = [];
  for (const selection of operation?.selectionSet.selections ?? []) {
    if (selection.kind !== Kind.FIELD || selection.name.value !== '_entities') continue;
    const argument = selection.arguments?.find((given) => given.name.value === 'representations');
    if (argument) found.push(valueFromASTUntyped(argument.value, args.variableValues ?? undefined));
  }
  return found;
}

/**
 * `_entities` answers a representation of an unknown type with a plain error, which would be
 * masked as an internal one: it is bad input, and the caller is told which entry and why.
 */
export function useEntityGuard(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      for (const representations of representationsOf(args)) {
        const problem = representationsProblem(args.schema, representations);
        if (problem) {
          setResultAndStopExecution({ data: null, errors: [new AppError('BAD_USER_INPUT', `Cannot resolve _entities: ${problem}`)] });
          return;
        }
      }
    },
  };
}
