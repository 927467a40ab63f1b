import { builder } from '../builder.ts';
import type { LearningSummary as Summary } from '../domain/samples.ts';

const LabelCount = builder.objectRef<{ label: string; count: number }>('LabelCount').implement({
  fields: (t) => ({ label: t.exposeString('label'), count: t.exposeInt('count') }),
});

const LearningSummary = builder.objectRef<Summary & { version: number }>('LearningSummary').implement({
  description: 'What people have said about a workflow’s judgments, and how the current version fares.',
  fields: (t) => ({
    labelledCount: t.exposeInt('labelledCount', { description: 'Executions with feedback: labelled samples to learn from.' }),
    labelMix: t.field({ type: [LabelCount], description: 'Labelled samples per label, most frequent first.', resolve: (summary) => summary.labelMix }),
    currentVersion: t.exposeInt('version', { description: 'The workflow version the accuracy is of.' }),
    currentVersionAccuracy: t.exposeFloat('currentVersionAccuracy', {
      nullable: true,
      description: 'Share of feedback on judgments of the current version that said CORRECT, 0–1; null before any.',
    }),
    currentVersionFeedbackCount: t.exposeInt('currentVersionFeedbackCount', { description: 'Judgments of the current version with feedback.' }),
    recentWrongCount: t.exposeInt('recentWrongCount', { description: 'Judgments found INCORRECT by feedback given in the last 7 days.' }),
  }),
});

/** Owned by the workflow subgraph; learning adds what feedback says of its judgments. */
export const Workflow = builder.externalRef('Workflow', builder.selection<{ id: string }>('id')).implement({
  externalFields: (t) => ({ version: t.int() }),
  fields: (t) => ({
    id: t.exposeID('id'),
    learningSummary: t.field({
      type: LearningSummary,
      authScopes: { viewer: true },
      requires: builder.selection<{ version: number }>('version'),
      resolve: async (workflow, _args, context) => ({
        ...(await context.loaders.learningSummary.load({ workflowId: workflow.id, version: workflow.version })),
        version: workflow.version,
      }),
    }),
  }),
});
