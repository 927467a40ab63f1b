import { decisionsOf, inputFieldsOf } from '@judgify/workflow-definition/fields';

/** A workflow as the assistant sees it: its name, the input fields its rules read and the decisions it can make. */
export interface KnownWorkflow {
  id: string;
  name: string;
  fields: string[];
  decisions: string[];
}

export function knownWorkflow(workflow: { id: string; name: string; definition: unknown }): KnownWorkflow {
  return { id: workflow.id, name: workflow.name, fields: inputFieldsOf(workflow.definition), decisions: decisionsOf(workflow.definition) };
}
