import { validateInput } from '@judgify/runtime/validation';
import { z } from 'zod';
import { builder } from '../builder.ts';
import type { ExecutionRow } from '../db/schema.ts';
import { similarSamples, type SimilarSample as Similar } from '../domain/few-shot.ts';
import { listSamples, sampleCursor } from '../domain/samples.ts';
import { Feedback } from './feedback.ts';
import { FeedbackVerdict } from './feedback-verdict.ts';
import { JudgmentExecution } from './judgment-execution.ts';

export const Sample = builder.objectRef<ExecutionRow>('Sample').implement({
  description: 'A judgment with feedback: its input and the decision people say is right (its label).',
  fields: (t) => ({
    execution: t.field({ type: JudgmentExecution, resolve: (row) => ({ id: row.id }) }),
    executionId: t.exposeID('id'),
    workflowVersion: t.exposeInt('workflowVersion', { description: 'The workflow version that judged it.' }),
    inputData: t.expose('inputData', { type: 'JSON' }),
    decision: t.exposeString('decision', { description: 'What the judgment decided.' }),
    methodUsed: t.exposeString('methodUsed', { description: 'RULE or LLM: what decided.' }),
    confidence: t.exposeFloat('confidence'),
    label: t.string({ description: 'The right decision: the decision if feedback said CORRECT, else the correct decision given.', resolve: (row) => row.label! }),
    verdict: t.field({ type: FeedbackVerdict, description: 'The latest feedback’s verdict.', resolve: (row) => row.verdict! }),
    feedback: t.field({
      type: Feedback,
      nullable: true,
      description: 'The latest feedback, which the label comes from.',
      resolve: (row, _args, context) => context.loaders.feedback.load(row.feedbackId!),
    }),
    judgedAt: t.expose('judgedAt', { type: 'DateTime' }),
    labelledAt: t.field({ type: 'DateTime', resolve: (row) => row.labelledAt! }),
    cursor: t.string({ description: 'Pass as `after` to `samples` to continue after this sample.', resolve: sampleCursor }),
  }),
});

const SimilarSample = builder.objectRef<Similar>('SimilarSample').implement({
  description: 'A labelled sample near an input, under the metric of docs/learning.md.',
  fields: (t) => ({
    executionId: t.exposeID('executionId'),
    inputData: t.expose('inputData', { type: 'JSON' }),
    label: t.exposeString('label'),
    labelledAt: t.expose('labelledAt', { type: 'DateTime' }),
    distance: t.exposeFloat('distance', { description: '0 for the same input, about 1 for inputs differing in every field.' }),
  }),
});

const SampleFilter = builder.inputType('SampleFilter', {
  fields: (t) => ({
    label: t.string({ description: 'Only samples with this label.' }),
    verdict: t.field({ type: FeedbackVerdict, description: 'INCORRECT for the judgments found wrong, CORRECT for those found right.' }),
    workflowVersion: t.int({ description: 'Only judgments of this workflow version.' }),
  }),
});

const similarQuery = z.object({
  input: z.record(z.string(), z.unknown(), { error: 'input must be a JSON object: the input a judgment is asked about' }),
  first: z.number().int().min(1, 'first must be 1–50').max(50, 'first must be 1–50'),
});

builder.queryFields((t) => ({
  samples: t.field({
    type: [Sample],
    authScopes: { viewer: true },
    description: 'A workflow’s labelled samples in your tenant, most recently labelled first.',
    args: {
      workflowId: t.arg.id({ required: true }),
      filter: t.arg({ type: SampleFilter }),
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last sample of the previous page.' }),
    },
    resolve: (_root, { workflowId, ...query }, context) => listSamples(context.deps, context.identity.tenantId, { workflowId: String(workflowId), ...query }),
  }),
  similarSamples: t.field({
    type: [SimilarSample],
    authScopes: { viewer: true },
    description: 'The labelled samples of a workflow most like an input, nearest first: the few-shot examples of its LLM judgments.',
    args: {
      workflowId: t.arg.id({ required: true }),
      input: t.arg({ type: 'JSON', required: true }),
      first: t.arg.int({ defaultValue: 15, description: '1–50.' }),
    },
    resolve: (_root, args, context) => {
      const { input, first } = validateInput(similarQuery, { input: args.input, first: args.first ?? 15 }, 'args');
      return similarSamples(context.deps, context.identity.tenantId, String(args.workflowId), input, first);
    },
  }),
}));
