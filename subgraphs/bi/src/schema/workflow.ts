import { builder } from '../builder.ts';

/** Owned by the workflow subgraph; bi refers to it from per-workflow metrics. */
export const Workflow = builder.externalRef('Workflow', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});
