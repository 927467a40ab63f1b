import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  isUnionType,
  print,
  astFromValue,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/** Fields listed under one type at most; the rest are counted. */
const MAX_FIELDS_PER_TYPE = 25;
export const MAX_SEARCH_LIMIT = 50;
const DESCRIPTION_CHARS = 140;

/** The first sentence of a description, on one line, cut to DESCRIPTION_CHARS: enough for an agent to choose. */
export function shortDescription(description: string | null | undefined): string {
  if (!description) return '';
  const line = description.replace(/\s+/g, ' ').trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(line)?.[1] ?? line;
  return sentence.length > DESCRIPTION_CHARS ? `${sentence.slice(0, DESCRIPTION_CHARS - 1)}…` : sentence;
}

const suffix = (description: string | null | undefined) => {
  const short = shortDescription(description);
  return short ? ` — ${short}` : '';
};

function defaultOf(item: GraphQLArgument | GraphQLInputField): string {
  if (item.defaultValue === undefined) return '';
  const ast = astFromValue(item.defaultValue, item.type);
  return ast ? ` = ${print(ast)}` : '';
}

function fieldSignature(field: GraphQLField<unknown, unknown> | GraphQLInputField): string {
  const args = 'args' in field && field.args.length ? `(${field.args.map((arg) => `${arg.name}: ${String(arg.type)}${defaultOf(arg)}`).join(', ')})` : '';
  const fallback = 'args' in field ? '' : defaultOf(field);
  return `${field.name}${args}: ${String(field.type)}${fallback}${suffix(field.description)}`;
}

function kindOf(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'type';
  if (isInterfaceType(type)) return 'interface';
  if (isUnionType(type)) return 'union';
  if (isEnumType(type)) return 'enum';
  if (isInputObjectType(type)) return 'input';
  return 'scalar';
}

/** A type's members as lines: fields with their signatures, enum values, union members. */
function memberLines(type: GraphQLNamedType): Array<{ name: string; text: string; line: string }> {
  if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
    return Object.values(type.getFields()).map((field) => ({
      name: field.name,
      text: [field.name, field.description ?? '', ...('args' in field ? field.args.map((arg: GraphQLArgument) => arg.name) : [])].join(' '),
      line: fieldSignature(field),
    }));
  }
  if (isEnumType(type)) return type.getValues().map((value) => ({ name: value.name, text: `${value.name} ${value.description ?? ''}`, line: `${value.name}${suffix(value.description)}` }));
  if (isUnionType(type)) return type.getTypes().map((member) => ({ name: member.name, text: member.name, line: member.name }));
  return [];
}

interface Match {
  type: GraphQLNamedType;
  rank: number;
  lines: string[];
  hiddenMembers: number;
}

const ROOTS = ['Query', 'Mutation', 'Subscription'];

/**
 * Types and fields whose name or description contains `text` (case-insensitive), as compact
 * SDL-like lines an agent can read: `type Workflow — …` then `  field(args): Type — …`. A type
 * that matches itself lists all its members (up to MAX_FIELDS_PER_TYPE); one that matches only
 * through members lists those. Exact type names first, then type names, exact member names,
 * member names, descriptions; at most
 * `limit` types, with a note when more matched.
 */
export function searchSchema(schema: GraphQLSchema, text: string, limit = 15): string {
  const needle = text.trim().toLowerCase();
  const matches: Match[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    const name = type.name.toLowerCase();
    const selfMatch = name.includes(needle) || (type.description ?? '').toLowerCase().includes(needle);
    const members = memberLines(type);
    const matching = members.filter((member) => member.text.toLowerCase().includes(needle));
    if (!selfMatch && !matching.length) continue;
    const shown = selfMatch && !ROOTS.includes(type.name) ? members : matching;
    const memberNames = matching.map((member) => member.name.toLowerCase());
    const rank = name === needle ? 0 : name.includes(needle) ? 1 : memberNames.includes(needle) ? 2 : memberNames.some((member) => member.includes(needle)) ? 3 : 4;
    matches.push({
      type,
      rank,
      lines: shown.slice(0, MAX_FIELDS_PER_TYPE).map((member) => `  ${member.line}`),
      hiddenMembers: Math.max(0, shown.length - MAX_FIELDS_PER_TYPE),
    });
  }
  if (!matches.length) {
    return `No type or field matches "${text}". Try a shorter word (e.g. "workflow", "judgment", "dashboard", "feedback") or an English term from the domain.`;
  }
  const rootOrder = (type: GraphQLNamedType) => (ROOTS.includes(type.name) ? ROOTS.indexOf(type.name) : ROOTS.length);
  matches.sort((a, b) => a.rank - b.rank || rootOrder(a.type) - rootOrder(b.type) || a.type.name.localeCompare(b.type.name));
  const capped = Math.min(Math.max(1, limit), MAX_SEARCH_LIMIT);
  const blocks = matches.slice(0, capped).map((match) => {
    const header = `${kindOf(match.type)} ${match.type.name}${suffix(match.type.description)}`;
    const more = match.hiddenMembers ? [`  … ${match.hiddenMembers} more (search a field name to see them)`] : [];
    return [header, ...match.lines, ...more].join('\n');
  });
  const note =
    matches.length > capped
      ? `\n\n${capped} of ${matches.length} matching types shown. Narrow the search (a longer or more exact name) or raise "limit" (at most ${MAX_SEARCH_LIMIT}).`
      : '';
  return `${blocks.join('\n\n')}${note}`;
}
