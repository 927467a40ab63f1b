import {
  getNamedType,
  getOperationAST,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { ResponseCachePolicy, ResponseCacheScope } from './response-cache-config.ts';

/**
 * Who resolves what, read from the supergraph's `@join__*` directives (the API schema the
 * gateway serves has them stripped).
 */
export interface Ownership {
  /** Types with a federation key: the subgraphs that define them (not those that only extend them). */
  owners: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per `Type.field`: the subgraphs that resolve it. */
  resolvers: ReadonlyMap<string, ReadonlySet<string>>;
}

const argument = (directive: { arguments?: readonly { name: { value: string }; value: { kind: string; value?: unknown } }[] }, name: string) =>
  directive.arguments?.find((arg) => arg.name.value === name)?.value;

export function supergraphOwnership(supergraphSdl: string): Ownership {
  const owners = new Map<string, Set<string>>();
  const resolvers = new Map<string, Set<string>>();
  for (const definition of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const typeName = definition.name.value;
    const joins = (definition.directives ?? []).filter((directive) => directive.name.value === 'join__type');
    const graphs = new Set(joins.map((join) => String(argument(join, 'graph')?.value)));
    const keyed = joins.filter((join) => argument(join, 'key'));
    if (keyed.length) {
      const defining = keyed.filter((join) => argument(join, 'extension')?.value !== true);
      owners.set(typeName, new Set((defining.length ? defining : keyed).map((join) => String(argument(join, 'graph')?.value))));
    }
    for (const field of definition.fields ?? []) {
      const resolving = (field.directives ?? [])
        .filter((directive) => directive.name.value === 'join__field' && argument(directive, 'graph') && argument(directive, 'external')?.value !== true)
        .map((directive) => String(argument(directive, 'graph')?.value));
      resolvers.set(`${typeName}.${field.name.value}`, resolving.length ? new Set(resolving) : graphs);
    }
  }
  return { owners, resolvers };
}

/** The RESPONSE_CACHE names the supergraph does not have, or that cannot be cached, each said plainly. */
export function policyProblems(policy: ResponseCachePolicy, schema: GraphQLSchema): string[] {
  const roots = new Set([schema.getMutationType()?.name, schema.getSubscriptionType()?.name].filter(Boolean));
  const problems: string[] = [];
  for (const coordinate of policy.rules.keys()) {
    const [typeName = '', fieldName] = coordinate.split('.');
    const type = schema.getType(typeName);
    if (!type) {
      problems.push(`"${coordinate}": the supergraph has no type ${typeName}`);
    } else if (roots.has(typeName)) {
      problems.push(`"${coordinate}": only reads are cached; ${typeName} fields never are`);
    } else if (fieldName === undefined) {
      if (typeName === schema.getQueryType()?.name) problems.push(`"${coordinate}": name the Query fields to cache (e.g. "Query.workflows"), or their types`);
      else if (!isCompositeType(type)) problems.push(`"${coordinate}": ${typeName} is a ${type.constructor.name.replace(/^GraphQL|Type$/g, '').toLowerCase()}, not an object type`);
    } else if (!isObjectType(type)) {
      problems.push(`"${coordinate}": fields are named on object types, and ${typeName} is ${isInterfaceType(type) ? 'an interface: name the field on each type that implements it' : 'not one'}`);
    } else if (!type.getFields()[fieldName]) {
      problems.push(`"${coordinate}": ${typeName} has no field ${fieldName}`);
    }
  }
  return problems;
}

/** Whether and how one operation's answers may be cached: decided once per document and operation. */
export interface CacheDecision {
  cacheable: boolean;
  /** Why not, for the logs and the tests. */
  reason?: string;
  ttlMs: number;
  scope: ResponseCacheScope;
  /** The subgraphs resolving some of the answer: a mutation on one of them by the tenant evicts it. */
  graphs: readonly string[];
}

interface Cover {
  ttlMs: number;
  scope: ResponseCacheScope;
  /** A field entry covers everything selected beneath it; a type entry only that type's own fields and the value objects beneath them. */
  subtree: boolean;
}

class NotCacheable extends Error {}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
}

/** The field selections that apply to an object of `type`, through inline fragments and spreads (`@skip`/`@include` ignored: a superset). */
function* fieldsFor(schema: GraphQLSchema, fragments: Map<string, FragmentDefinitionNode>, selectionSet: SelectionSetNode, type: GraphQLObjectType): Generator<FieldNode> {
  const applies = (condition: string | undefined) => {
    if (!condition || condition === type.name) return true;
    const conditionType = schema.getType(condition);
    return Boolean(conditionType && isAbstractType(conditionType) && schema.isSubType(conditionType, type));
  };
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) yield selection;
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(selection.typeCondition?.name.value)) yield* fieldsFor(schema, fragments, selection.selectionSet, type);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && applies(fragment.typeCondition.name.value)) yield* fieldsFor(schema, fragments, fragment.selectionSet, type);
    }
  }
}

const objectTypesOf = (schema: GraphQLSchema, type: GraphQLCompositeType): readonly GraphQLObjectType[] => (isAbstractType(type) ? schema.getPossibleTypes(type) : [type]);

/**
 * Decides, from the document alone, whether an operation's answers may be cached: every field it
 * selects must be covered by an entry of the policy.
 * - `Type.field=ttl` covers that field and everything selected beneath it.
 * - `Type=ttl` covers the fields of Type its owning subgraph resolves (fields other subgraphs add
 *   to an entity, like `Workflow.successRate`, need entries of their own: the owner's events do
 *   not evict them), the value objects beneath those (types without a key), and every field that
 *   returns Type.
 * The TTL is the smallest of the entries used; the answer is shared tenant-wide only if every
 * entry used says `@tenant`. Mutations, subscriptions and introspection are never cacheable.
 */
export class CoveragePolicy {
  private readonly decided = new WeakMap<DocumentNode, Map<string, CacheDecision>>();

  constructor(
    readonly schema: GraphQLSchema,
    private readonly policy: ResponseCachePolicy,
    readonly ownership: Ownership,
  ) {}

  decide(document: DocumentNode, operationName: string | null | undefined): CacheDecision {
    let byOperation = this.decided.get(document);
    if (!byOperation) this.decided.set(document, (byOperation = new Map()));
    let decision = byOperation.get(operationName ?? '');
    if (!decision) byOperation.set(operationName ?? '', (decision = this.analyse(document, operationName)));
    return decision;
  }

  /** The subgraphs a mutation's root fields write to. */
  mutationGraphs(document: DocumentNode, operationName: string | null | undefined): string[] {
    const operation = getOperationAST(document, operationName);
    const mutation = this.schema.getMutationType();
    if (!operation || !mutation) return [];
    const graphs = new Set<string>();
    for (const field of fieldsFor(this.schema, fragmentsOf(document), operation.selectionSet, mutation)) {
      for (const graph of this.ownership.resolvers.get(`${mutation.name}.${field.name.value}`) ?? []) graphs.add(graph);
    }
    return [...graphs];
  }

  private analyse(document: DocumentNode, operationName: string | null | undefined): CacheDecision {
    const operation = getOperationAST(document, operationName);
    const query = this.schema.getQueryType();
    const refused = (reason: string): CacheDecision => ({ cacheable: false, reason, ttlMs: 0, scope: 'user', graphs: [] });
    if (!operation || !query) return refused('no such operation');
    if (operation.operation !== 'query') return refused(`a ${operation.operation}`);
    const fragments = fragmentsOf(document);
    const graphs = new Set<string>();
    let ttlMs = Infinity;
    let scope: ResponseCacheScope = 'tenant';
    const use = (cover: Cover) => {
      ttlMs = Math.min(ttlMs, cover.ttlMs);
      if (cover.scope === 'user') scope = 'user';
    };
    const ruleOf = (name: string, subtree: boolean): Cover | undefined => {
      const rule = this.policy.rules.get(name);
      return rule && { ...rule, subtree };
    };
    const visit = (selectionSet: SelectionSetNode, types: readonly GraphQLObjectType[], inherited: Cover | undefined) => {
      for (const type of types) for (const field of fieldsFor(this.schema, fragments, selectionSet, type)) check(type, field, inherited);
    };
    const check = (parent: GraphQLObjectType, node: FieldNode, inherited: Cover | undefined) => {
      const name = node.name.value;
      if (name === '__typename') return;
      const coordinate = `${parent.name}.${name}`;
      const definition = parent.getFields()[name];
      if (name.startsWith('__') || !definition) throw new NotCacheable(`selects ${coordinate}`);
      const named = getNamedType(definition.type) as GraphQLNamedType;
      const owners = this.ownership.owners.get(parent.name);
      // Whose data it is: an entity's key fields, which every subgraph with the type resolves, are its owner's.
      const resolving = [...(this.ownership.resolvers.get(coordinate) ?? [])];
      const owned = owners ? resolving.filter((graph) => owners.has(graph)) : [];
      for (const graph of owned.length ? owned : resolving) graphs.add(graph);
      // Every entry that names this field, its type (for the fields its owner resolves) or what it returns applies: the smallest TTL wins.
      const entries: Cover[] = [];
      const fieldRule = ruleOf(coordinate, true);
      if (fieldRule) entries.push(fieldRule);
      const typeRule = parent === query ? undefined : ruleOf(parent.name, false);
      if (typeRule && (!owners || owned.length)) entries.push(typeRule);
      if (isCompositeType(named)) {
        const returned = ruleOf(named.name, false);
        const each = objectTypesOf(this.schema, named).map((type) => ruleOf(type.name, false));
        if (returned) entries.push(returned);
        else if (each.length && each.every(Boolean)) entries.push(...(each as Cover[]));
      }
      // Beneath a field entry everything is covered; beneath a type entry, the value objects (types without a key).
      const inheritedHere = inherited && (inherited.subtree || (!owners && parent !== query)) ? inherited : undefined;
      if (!entries.length && !inheritedHere) throw new NotCacheable(`${coordinate} is not covered by RESPONSE_CACHE`);
      entries.forEach(use);
      const cover = fieldRule ?? (inheritedHere?.subtree ? inheritedHere : (entries[0] ?? inheritedHere)!);
      if (node.selectionSet && isCompositeType(named)) visit(node.selectionSet, objectTypesOf(this.schema, named), cover);
    };
    try {
      visit(operation.selectionSet, [query], undefined);
    } catch (error) {
      if (error instanceof NotCacheable) return refused(error.message);
      throw error;
    }
    if (ttlMs === Infinity) return refused('selects nothing an entry covers');
    return { cacheable: true, ttlMs, scope, graphs: [...graphs] };
  }

  /**
   * What a cached answer is filed under, so events and mutations find it:
   * - `Type:id` for each object of an id-evicted type (`Workflow`) that sits alone at its place;
   * - `Type@tenant` for such types in a list (an event of the type may change its members, even
   *   of an empty one), in a place that is null, or whose id was not selected, and for every type
   *   evicted tenant-wide (`WorkflowEvent`);
   * - `@graph@tenant` for each subgraph resolving part of it (the tenant's mutations there).
   */
  tagsOf(document: DocumentNode, operationName: string | null | undefined, data: unknown, tenantId: string, evicted: ReadonlyMap<string, 'id' | 'tenant'>): Set<string> {
    const tags = new Set<string>(this.decide(document, operationName).graphs.map((graph) => `@${graph}@${tenantId}`));
    const operation = getOperationAST(document, operationName);
    const query = this.schema.getQueryType();
    if (!operation || !query) return tags;
    const fragments = fragmentsOf(document);
    const tenantWide = (type: GraphQLCompositeType) => {
      for (const object of objectTypesOf(this.schema, type)) if (evicted.has(object.name)) tags.add(`${object.name}@${tenantId}`);
    };
    const everyType = () => {
      for (const name of evicted.keys()) tags.add(`${name}@${tenantId}`);
    };
    const walk = (value: unknown, type: GraphQLCompositeType, selectionSet: SelectionSetNode, listed: boolean) => {
      if (value === null || value === undefined) return tenantWide(type);
      if (Array.isArray(value)) {
        tenantWide(type);
        for (const item of value) walk(item, type, selectionSet, true);
        return;
      }
      if (typeof value !== 'object') return;
      const record = value as Record<string, unknown>;
      let object: GraphQLObjectType | undefined = isObjectType(type) ? type : undefined;
      if (!object) {
        const typename = typenameOf(selectionSet, record);
        const found = typename ? this.schema.getType(typename) : undefined;
        object = found && isObjectType(found) ? found : undefined;
        // Which type it is cannot be told: it is filed under every type that events evict.
        if (!object) return everyType();
      }
      const fields = [...fieldsFor(this.schema, fragments, selectionSet, object)];
      const mode = evicted.get(object.name);
      if (mode === 'tenant') tags.add(`${object.name}@${tenantId}`);
      else if (mode === 'id' && !listed) {
        const idField = fields.find((field) => field.name.value === 'id');
        const id = idField ? record[idField.alias?.value ?? 'id'] : undefined;
        tags.add(typeof id === 'string' || typeof id === 'number' ? `${object.name}:${id}` : `${object.name}@${tenantId}`);
      }
      for (const field of fields) {
        const definition = object.getFields()[field.name.value];
        if (!field.selectionSet || !definition) continue;
        const named = getNamedType(definition.type);
        if (!isCompositeType(named)) continue;
        const key = field.alias?.value ?? field.name.value;
        walk(record[key], named, field.selectionSet, false);
      }
    };
    walk(data, query, operation.selectionSet, false);
    return tags;
  }
}

function typenameOf(selectionSet: SelectionSetNode, record: Record<string, unknown>): string | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value === '__typename') {
      const typename = record[selection.alias?.value ?? '__typename'];
      if (typeof typename === 'string') return typename;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typename = typenameOf(selection.selectionSet, record);
      if (typename) return typename;
    }
  }
  return undefined;
}
