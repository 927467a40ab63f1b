import { builder } from '../builder.ts';

/** Owned by the workflow subgraph; judgment only adds what it knows from executions. */
export const Workflow = builder.externalRef('Workflow', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    successRate: t.float({
      nullable: true,
      authScopes: { viewer: true },
      description: 'Share of executions that succeeded, 0–1; null before the first execution.',
      resolve: async (workflow, _args, context) => (await context.loaders.workflowStats.load(workflow.id)).successRate,
    }),
    avgExecutionTimeMs: t.float({
      nullable: true,
      authScopes: { viewer: true },
      description: 'Mean execution time in milliseconds; null before the first execution.',
      resolve: async (workflow, _args, context) => (await context.loaders.workflowStats.load(workflow.id)).avgExecutionTimeMs,
    }),
  }),
});
