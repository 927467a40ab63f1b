import { builder } from '../builder.ts';
import { executeJudgments, MAX_BATCH_INPUTS, type JudgmentBatch as Batch, type JudgmentBatchError as BatchError, type JudgmentBatchItem as BatchItem } from '../domain/execute.ts';
import { JudgmentExecution } from './judgment-execution.ts';
import { JudgmentMethod } from './judgment-method.ts';

// The batch's three small types live together: they only ever appear as this mutation's payload.
const JudgmentBatchError = builder.objectRef<BatchError>('JudgmentBatchError').implement({
  description: 'Why one input of a batch has no execution: nothing was stored for it.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'As in `extensions.code`: LLM_UNAVAILABLE, INTERNAL_SERVER_ERROR (its chunk could not be stored), …' }),
    message: t.exposeString('message'),
  }),
});

const JudgmentBatchItem = builder.objectRef<BatchItem>('JudgmentBatchItem').implement({
  description: 'One input of a batch: its execution, or its error.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'The position of the input in `input.inputs`, from 0.' }),
    execution: t.field({ type: JudgmentExecution, nullable: true, resolve: (item) => item.execution }),
    error: t.field({ type: JudgmentBatchError, nullable: true, resolve: (item) => item.error }),
  }),
});

const JudgmentBatch = builder.objectRef<Batch>('JudgmentBatch').implement({
  description: 'The result of executeJudgments: one item per input, in input order.',
  fields: (t) => ({
    results: t.field({ type: [JudgmentBatchItem], resolve: (batch) => batch.results }),
    succeeded: t.exposeInt('succeeded', { description: 'Inputs stored as an execution, whatever its status (an UNDECIDED run is one).' }),
    failed: t.exposeInt('failed', { description: 'Inputs with an error and no execution.' }),
  }),
});

const ExecuteJudgmentsInput = builder.inputType('ExecuteJudgmentsInput', {
  fields: (t) => ({
    workflowId: t.id({ required: true }),
    inputs: t.field({
      type: ['JSON'],
      required: true,
      description: `1 to ${MAX_BATCH_INPUTS} records to judge, each a JSON object of at most 1 MB nested at most 10 levels (the request body limit bounds them all together).`,
    }),
    method: t.field({ type: JudgmentMethod, defaultValue: 'HYBRID' }),
    workflowVersion: t.int({ description: 'Run exactly this version of the workflow; by default the latest, as executeJudgment does.' }),
  }),
});

builder.mutationField('executeJudgments', (t) =>
  t.field({
    type: JudgmentBatch,
    authScopes: { operator: true },
    description:
      `Decides up to ${MAX_BATCH_INPUTS} records with one workflow in one call and stores each execution, in chunks of 100 that are stored all or nothing. ` +
      'Results come back in input order, each with its execution or its error. Counts as one call of its own rate-limit budget.',
    args: { input: t.arg({ type: ExecuteJudgmentsInput, required: true }) },
    resolve: (_root, { input }, context) =>
      executeJudgments(context.deps, context.actor, {
        workflowId: String(input.workflowId),
        inputs: input.inputs,
        method: input.method,
        workflowVersion: input.workflowVersion,
      }),
  }),
);
