import { tokenize } from '@judgify/rule-language/lexer';

interface DefinitionShape {
  nodes?: Array<{ type?: string; rule?: string; decision?: string }>;
}

const nodesOf = (definition: unknown) => (definition as DefinitionShape | null)?.nodes ?? [];

/** The input fields a workflow's rules read: the identifiers of its rule expressions, in first-use order. */
export function inputFieldsOf(definition: unknown): string[] {
  const fields = new Set<string>();
  for (const node of nodesOf(definition)) {
    if (typeof node.rule !== 'string') continue;
    try {
      for (const token of tokenize(node.rule)) if (token.type === 'identifier') fields.add(token.value);
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
