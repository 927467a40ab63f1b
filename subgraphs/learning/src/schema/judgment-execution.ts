import { builder } from '../builder.ts';

/** Owned by the judgment subgraph; learning only adds the feedback given on it. */
export const JudgmentExecution = builder.externalRef('JudgmentExecution', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({
    id: t.exposeID('id'),
  }),
});
