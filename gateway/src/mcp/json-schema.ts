import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isSpecifiedScalarType,
  Kind,
  TypeInfo,
  typeFromAST,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

/** The subset of JSON Schema (draft 2020-12) tool input schemas are written in. */
export interface JsonSchema {
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

/** An MCP tool's input schema: always an object. */
export interface ObjectJsonSchema extends JsonSchema {
  type: 'object';
  properties: Record<string, JsonSchema>;
}

/** How each built-in and platform scalar travels as JSON. Unknown custom scalars accept any JSON value. */
const SCALARS: Record<string, JsonSchema> = {
  ID: { type: 'string' },
  String: { type: 'string' },
  Int: { type: 'integer' },
  Float: { type: 'number' },
  Boolean: { type: 'boolean' },
  DateTime: { type: 'string', format: 'date-time' },
  JSON: {},
};

/** A nullable GraphQL type also takes `null`: added to `type` (or `enum`) where the schema names one. */
function orNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type !== 'string') return schema;
  return { ...schema, type: [schema.type, 'null'], ...(schema.enum ? { enum: [...schema.enum, null] } : {}) };
}

function withDescription(schema: JsonSchema, description: string | null | undefined): JsonSchema {
  return description ? { ...schema, description } : schema;
}

/**
 * The JSON Schema of a GraphQL input type: scalars by SCALARS, enums as `enum`, lists as arrays,
 * input objects as objects whose non-null fields without a default are required and which take
 * no other properties. Descriptions come from the schema. An input type met again inside itself
 * is described, not expanded (GraphQL input types may recurse through nullable fields).
 */
export function inputTypeSchema(type: GraphQLInputType, seen: ReadonlySet<string> = new Set()): JsonSchema {
  if (isNonNullType(type)) return nonNullSchema(type.ofType, seen);
  return orNull(nonNullSchema(type, seen));
}

function nonNullSchema(type: GraphQLInputType, seen: ReadonlySet<string>): JsonSchema {
  if (isListType(type)) return { type: 'array', items: inputTypeSchema(type.ofType, seen) };
  if (isScalarType(type)) return withDescription(SCALARS[type.name] ?? {}, SCALARS[type.name] ? undefined : type.description ?? `${type.name} (any JSON value)`);
  if (isEnumType(type)) {
    const values = type.getValues();
    const described = values.filter((value) => value.description).map((value) => `${value.name}: ${value.description}`);
    return withDescription({ type: 'string', enum: values.map((value) => value.name) }, [type.description, ...described].filter(Boolean).join(' · ') || undefined);
  }
  if (isInputObjectType(type)) {
    if (seen.has(type.name)) return withDescription({ type: 'object' }, `A ${type.name} (the same shape as its enclosing one).`);
    const inside = new Set([...seen, type.name]);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of Object.values(type.getFields())) {
      let schema = withDescription(inputTypeSchema(field.type, inside), field.description);
      if (field.defaultValue !== undefined) schema = { ...schema, default: field.defaultValue };
      properties[field.name] = schema;
      if (isNonNullType(field.type) && field.defaultValue === undefined) required.push(field.name);
    }
    return withDescription({ type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false }, type.description);
  }
  return {};
}

/**
 * Where each variable is used: the description of the argument or input field it fills,
 * falling back to its type's. Variables are undocumented in GraphQL; what they feed is.
 */
function variableDescriptions(schema: GraphQLSchema, operation: OperationDefinitionNode): Map<string, string> {
  const descriptions = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    operation,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        const field = typeInfo.getFieldDef();
        // `workflow(id: $id)`: the id of what the field returns, when the argument says nothing.
        const description = argument?.description ?? (argument?.name === 'id' && field ? `The id of the ${getNamedType(field.type).name}.` : undefined);
        if (node.value.kind === Kind.VARIABLE && description && !descriptions.has(node.value.name.value)) descriptions.set(node.value.name.value, description);
      },
      ObjectField(node) {
        const parent = typeInfo.getParentInputType();
        const named = parent ? getNamedType(parent) : undefined;
        const description = named && isInputObjectType(named) ? named.getFields()[node.name.value]?.description : undefined;
        if (node.value.kind === Kind.VARIABLE && description && !descriptions.has(node.value.name.value)) descriptions.set(node.value.name.value, description);
      },
    }),
  );
  return descriptions;
}

export class OperationSchemaError extends Error {}

/**
 * A tool's input schema from an operation's variable definitions: one property per variable,
 * required when it is non-null without a default, nothing else accepted.
 */
export function variablesSchema(schema: GraphQLSchema, operation: OperationDefinitionNode): ObjectJsonSchema {
  const descriptions = variableDescriptions(schema, operation);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type) throw new OperationSchemaError(`variable $${name} has a type the schema does not define`);
    let property = inputTypeSchema(type);
    const named = getNamedType(type);
    const description = descriptions.get(name) ?? (isSpecifiedScalarType(named) ? undefined : named.description);
    property = withDescription(property, description);
    if (definition.defaultValue) property = { ...property, default: valueFromASTUntyped(definition.defaultValue) };
    properties[name] = property;
    if (isNonNullType(type) && !definition.defaultValue) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}
