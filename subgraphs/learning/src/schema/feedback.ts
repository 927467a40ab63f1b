import { builder } from '../builder.ts';
import type { FeedbackRow } from '../db/schema.ts';
import { feedbackCursor, listFeedback, recordFeedback } from '../domain/feedback.ts';
import { FeedbackVerdict } from './feedback-verdict.ts';
import { JudgmentExecution } from './judgment-execution.ts';

export const Feedback = builder.objectRef<FeedbackRow>('Feedback').implement({
  description: 'A person’s verdict on one judgment execution; incorrect verdicts carry the right decision.',
  // Entities are also reached through `_entities`, which no root field guards.
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    execution: t.field({
      type: JudgmentExecution,
      // Owned by the judgment subgraph, which may not (or no longer) know it: null, not a failed list.
      nullable: true,
      description: 'The execution judged; null if the judgment subgraph does not know it in your tenant.',
      resolve: (row) => ({ id: row.executionId }),
    }),
    executionId: t.exposeID('executionId'),
    verdict: t.expose('verdict', { type: FeedbackVerdict }),
    correctDecision: t.exposeString('correctDecision', {
      nullable: true,
      description: 'The decision that should have been made; only on INCORRECT verdicts.',
    }),
    comment: t.exposeString('comment', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy', { description: 'The user who gave the feedback.' }),
    cursor: t.string({
      description: 'Pass as `after` to `feedbackList` to continue after this feedback.',
      resolve: feedbackCursor,
    }),
  }),
});

builder.asEntity(Feedback, {
  key: builder.selection<{ id: string }>('id'),
  // Representations are input too: one without an id resolves to nothing rather than failing.
  resolveReference: (reference, context) => context.loaders.feedback.load(String(reference.id ?? '')),
});

builder.objectField(JudgmentExecution, 'feedback', (t) =>
  t.field({
    type: [Feedback],
    authScopes: { viewer: true },
    description: 'Feedback given on this execution, newest first.',
    resolve: (execution, _args, context) => context.loaders.feedbackOfExecution.load(execution.id),
  }),
);

const RecordFeedbackInput = builder.inputType('RecordFeedbackInput', {
  fields: (t) => ({
    executionId: t.id({ required: true, description: 'The judgment execution the feedback is about.' }),
    verdict: t.field({ type: FeedbackVerdict, required: true }),
    correctDecision: t.string({ description: 'Required for INCORRECT (1–200 characters); leave out for CORRECT.' }),
    comment: t.string({ description: 'At most 1000 characters.' }),
  }),
});

builder.queryFields((t) => ({
  feedbackList: t.field({
    type: [Feedback],
    authScopes: { viewer: true },
    description: 'Feedback of your tenant, newest first; only on one execution when `executionId` is given.',
    args: {
      executionId: t.arg.id({ description: 'Only feedback on this execution.' }),
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last feedback of the previous page.' }),
    },
    resolve: (_root, { executionId, ...page }, context) =>
      listFeedback(context.deps, context.identity.tenantId, { executionId: executionId == null ? executionId : String(executionId), ...page }),
  }),
}));

builder.mutationFields((t) => ({
  recordFeedback: t.field({
    type: Feedback,
    authScopes: { operator: true },
    description:
      'Records whether a judgment of your tenant was right, making it a labelled sample; INCORRECT verdicts must give the right decision. Later feedback on the same execution supersedes earlier.',
    args: { input: t.arg({ type: RecordFeedbackInput, required: true }) },
    resolve: (_root, { input }, context) => recordFeedback(context.deps, context, context.identity, input),
  }),
}));
