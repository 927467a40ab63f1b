import { builder } from '../builder.ts';
import type { WorkflowRow } from '../db/schema.ts';
import { Workflow } from './workflow.ts';

/** Not a `Workflow`: a past state must not overwrite the current one in clients' normalized caches. */
export const WorkflowSnapshot = builder.objectRef<WorkflowRow>('WorkflowSnapshot').implement({
  description: 'A workflow as it was at one version, rebuilt from its events.',
  fields: (t) => ({
    workflowId: t.exposeID('id'),
    version: t.exposeInt('version'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    definition: t.expose('definition', { type: 'JSON' }),
    isActive: t.exposeBoolean('isActive'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    updatedBy: t.exposeString('updatedBy'),
  }),
});

builder.objectField(Workflow, 'atVersion', (t) =>
  t.field({
    type: WorkflowSnapshot,
    nullable: true,
    authScopes: { viewer: true },
    description: 'This workflow as it was at `version` (time travel); null if it never had that version.',
    args: { version: t.arg.int({ required: true }) },
    resolve: (workflow, { version }, context) => context.loaders.snapshot.load({ workflowId: workflow.id, version }),
  }),
);
