import { builder } from '../builder.ts';

/** Entities of other subgraphs an answer attaches, by id: the gateway fetches their fields from their owners. */
export const JudgmentExecution = builder.externalRef('JudgmentExecution', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});

export const Feedback = builder.externalRef('Feedback', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});

export const Workflow = builder.externalRef('Workflow', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});
