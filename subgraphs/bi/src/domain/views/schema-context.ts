import { getNamedType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, printType, type GraphQLField, type GraphQLNamedType, type GraphQLSchema } from 'graphql';

/** The root fields a BI view reads from; the LLM sees these and the types they reach, not the whole supergraph. */
const BI_ROOT_FIELDS = ['judgmentMetrics', 'judgmentStats', 'workflows', 'workflow', 'judgmentExecutions'];
const MAX_TYPE_DEPTH = 3;

const printArgs = (field: GraphQLField<unknown, unknown>) =>
  field.args.length ? `(${field.args.map((arg) => `${arg.name}: ${String(arg.type)}${arg.defaultValue !== undefined ? ` = ${JSON.stringify(arg.defaultValue)}` : ''}`).join(', ')})` : '';

/**
 * The API schema pruned to what a chart can be built from: the BI root fields with their
 * descriptions, and every type they reach within a few levels, as SDL.
 */
export function biSchemaContext(schema: GraphQLSchema): string {
  const query = schema.getQueryType();
  if (!query) return '';
  const roots = BI_ROOT_FIELDS.map((name) => query.getFields()[name]).filter((field): field is GraphQLField<unknown, unknown> => Boolean(field));
  const reached = new Map<string, GraphQLNamedType>();
  const visit = (type: GraphQLNamedType, depth: number) => {
    if (reached.has(type.name) || type.name.startsWith('__') || (isScalarType(type) && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name))) return;
    reached.set(type.name, type);
    if (depth >= MAX_TYPE_DEPTH) return;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        visit(getNamedType(field.type), depth + 1);
        for (const arg of field.args) visit(getNamedType(arg.type), depth + 1);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) visit(getNamedType(field.type), depth + 1);
    }
  };
  for (const field of roots) {
    visit(getNamedType(field.type), 1);
    for (const arg of field.args) visit(getNamedType(arg.type), 1);
  }
  const rootLines = roots.map((field) => `${field.description ? `  """${field.description}"""\n` : ''}  ${field.name}${printArgs(field)}: ${String(field.type)}`);
  return [`type Query {\n${rootLines.join('\n')}\n}`, ...[...reached.values()].map((type) => printType(type))].join('\n\n');
}
