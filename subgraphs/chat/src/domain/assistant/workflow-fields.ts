import { tokenize } from '@judgify/rule-language/lexer';

/** A workflow as the assistant sees it: its name, the input fields its rules read and the decisions it can make. */
export interface KnownWorkflow {
  id: string;
  name: string;
  fields: string[];
  decisions: string[];
}

interface DefinitionShape {
  nodes?: Array<{ type?: string; rule?: string; decision?: string }>;
}

/** The fields a workflow's rules read (identifiers of its rule expressions) and its output decisions. */
export function knownWorkflow(workflow: { id: string; name: string; definition: unknown }): KnownWorkflow {
  const nodes = (workflow.definition as DefinitionShape | null)?.nodes ?? [];
  const fields = new Set<string>();
  for (const node of nodes) {
    if (typeof node.rule !== 'string') continue;
    try {
      for (const token of tokenize(node.rule)) if (token.type === 'identifier') fields.add(token.value);
    } catch {
      // A rule that does not tokenize names no fields; the judgment itself reports it.
    }
  }
  const decisions = [...new Set(nodes.filter((node) => node.type === 'output' && typeof node.decision === 'string').map((node) => node.decision!))];
  return { id: workflow.id, name: workflow.name, fields: [...fields], decisions };
}
