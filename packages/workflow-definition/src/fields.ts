import { tokenize, type Token } from '@judgify/rule-language/lexer';

interface DefinitionShape {
  nodes?: Array<{ type?: string; rule?: string; decision?: string }>;
}

const nodesOf = (definition: unknown) => (definition as DefinitionShape | null)?.nodes ?? [];
const isPunctuation = (token: Token | undefined, value: string) => token?.type === 'punctuation' && token.value === value;

/** The field paths one rule reads, `sensor.temp` and `readings.1.v` whole; function names (`exists(…)`) are not fields. */
function pathsOf(rule: string): string[] {
  const tokens = tokenize(rule);
  const paths: string[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token.type !== 'identifier' || isPunctuation(tokens[index - 1], '.')) continue;
    if (isPunctuation(tokens[index + 1], '(')) continue;
    let path = token.value;
    while (isPunctuation(tokens[index + 1], '.') && (tokens[index + 2]?.type === 'identifier' || tokens[index + 2]?.type === 'number')) {
      path += `.${tokens[index + 2]!.value}`;
      index += 2;
    }
    paths.push(path);
  }
  return paths;
}

/** The input fields a workflow's rules read, as dotted paths, in first-use order. */
export function inputFieldsOf(definition: unknown): string[] {
  const fields = new Set<string>();
  for (const node of nodesOf(definition)) {
    if (typeof node.rule !== 'string') continue;
    try {
      for (const path of pathsOf(node.rule)) fields.add(path);
    } catch {
      // A rule that does not tokenize names no fields; the judgment itself reports it.
    }
  }
  return [...fields];
}

/** The decisions a workflow's output nodes can reach, each once. */
export function decisionsOf(definition: unknown): string[] {
  return [...new Set(nodesOf(definition).flatMap((node) => (node.type === 'output' && typeof node.decision === 'string' ? [node.decision] : [])))];
}
