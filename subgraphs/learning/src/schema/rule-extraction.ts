import { builder } from '../builder.ts';
import { jobStatuses, ruleAlgorithms, type JobNote as Note, type RuleCandidateRow, type RuleExtractionJobRow, type SampleSplit as Split } from '../db/schema.ts';
import { jobUpdates } from '../domain/live.ts';
import { promoteRule, type Promotion } from '../domain/promotion.ts';
import { jobCursor, listJobs, requestExtraction } from '../domain/rule-jobs.ts';
import { Workflow } from './workflow.ts';

const JobStatus = builder.enumType('RuleExtractionStatus', { values: jobStatuses });
const RuleAlgorithm = builder.enumType('RuleAlgorithm', {
  description: 'FREQUENCY: thresholds, category tests and their conjunctions; DECISION_TREE: CART paths; LLM_PATTERN: rules an LLM proposed.',
  values: ruleAlgorithms,
});

const SampleSplit = builder.objectRef<Split>('SampleSplit').implement({
  description: 'How a job split its samples: stratified by outcome, 70 % to learn from, 30 % held out to score on.',
  fields: (t) => ({
    seed: t.exposeInt('seed', { description: 'Splitting again with this seed gives the same split.' }),
    trainCount: t.exposeInt('trainCount'),
    testCount: t.exposeInt('testCount'),
    positiveLabels: t.exposeStringList('positiveLabels', { description: 'Labels meaning the node’s "true" outcome: what a rule must match.' }),
    negativeLabels: t.exposeStringList('negativeLabels', { description: 'Labels meaning its "false" outcome.' }),
    excluded: t.exposeInt('excluded', { description: 'Samples left out: their label belongs to neither outcome of the node.' }),
  }),
});

const JobNote = builder.objectRef<Note>('RuleExtractionNote').implement({
  description: 'Something a job skipped or dropped, and why.',
  fields: (t) => ({
    algorithm: t.field({ type: RuleAlgorithm, nullable: true, resolve: (note) => note.algorithm ?? null }),
    message: t.exposeString('message'),
  }),
});

export const RuleCandidate = builder.objectRef<RuleCandidateRow>('RuleCandidate');
export const RuleExtractionJob = builder.objectRef<RuleExtractionJobRow>('RuleExtractionJob');

RuleCandidate.implement({
  description: 'A rule learned from labelled samples, in the rule language, with scores measured only on samples it was not learned from.',
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    job: t.field({ type: RuleExtractionJob, nullable: true, resolve: (row, _args, context) => context.loaders.job.load(row.jobId) }),
    workflow: t.field({ type: Workflow, resolve: (row) => ({ id: row.workflowId }) }),
    workflowVersion: t.exposeInt('workflowVersion', { description: 'The version it was learned for: it can be promoted only while the workflow is still there.' }),
    nodeId: t.exposeString('nodeId', { description: 'The judgment node it was learned for.' }),
    algorithm: t.expose('algorithm', { type: RuleAlgorithm }),
    expression: t.exposeString('expression', { description: 'True means the node’s "true" outcome, e.g. `temperature > 80 AND vibration > 50`.' }),
    precision: t.exposeFloat('precision', { description: 'Held out: of the samples it matches, the share that are "true". Becomes the node’s rule confidence when promoted.' }),
    negativePredictiveValue: t.exposeFloat('negativePredictiveValue', {
      description: 'Held out: of the samples it does not match, the share that are "false". Becomes the node’s rule confidence when the rule says false.',
    }),
    recall: t.exposeFloat('recall', { description: 'Held out: of the "true" samples, the share it matches.' }),
    f1: t.exposeFloat('f1'),
    accuracy: t.exposeFloat('accuracy', { description: 'Held out: the share of samples it decides right.' }),
    support: t.exposeInt('support', { description: 'Held-out samples it matches.' }),
    trainCount: t.exposeInt('trainCount', { description: 'Samples it was learned from.' }),
    testCount: t.exposeInt('testCount', { description: 'Held-out samples it was scored on.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    promotedAt: t.expose('promotedAt', { type: 'DateTime', nullable: true }),
    promotedBy: t.exposeString('promotedBy', { nullable: true }),
    promotedVersion: t.exposeInt('promotedVersion', { nullable: true, description: 'The workflow version promotion wrote.' }),
  }),
});

builder.asEntity(RuleCandidate, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (reference, context) => context.loaders.candidate.load(String(reference.id ?? '')),
});

RuleExtractionJob.implement({
  description: 'A rule extraction run on one judgment node: queued, run, then SUCCEEDED with candidates or FAILED saying why.',
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    workflow: t.field({ type: Workflow, resolve: (row) => ({ id: row.workflowId }) }),
    workflowVersion: t.exposeInt('workflowVersion'),
    nodeId: t.exposeString('nodeId'),
    status: t.expose('status', { type: JobStatus }),
    progress: t.exposeFloat('progress', { description: '0–1.' }),
    attempts: t.exposeInt('attempts', { description: 'Workers that took it: more than one means a worker stopped while running it.' }),
    split: t.expose('split', { type: SampleSplit, nullable: true, description: 'Once it has run.' }),
    notes: t.expose('notes', { type: [JobNote] }),
    error: t.exposeString('error', { nullable: true, description: 'Why it FAILED.' }),
    candidates: t.field({
      type: [RuleCandidate],
      description: 'Best held-out F1 first.',
      resolve: (row, _args, context) => context.loaders.candidatesOfJob.load(row.id),
    }),
    createdBy: t.exposeString('createdBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    cursor: t.string({ description: 'Pass as `after` to `ruleExtractionJobs` to continue after this job.', resolve: jobCursor }),
  }),
});

builder.asEntity(RuleExtractionJob, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (reference, context) => context.loaders.job.load(String(reference.id ?? '')),
});

const RulePromotion = builder.objectRef<Promotion>('RulePromotion').implement({
  fields: (t) => ({
    candidate: t.field({ type: RuleCandidate, resolve: (promotion) => promotion.candidate }),
    workflow: t.field({ type: Workflow, resolve: (promotion) => ({ id: promotion.workflowId }) }),
    workflowVersion: t.exposeInt('workflowVersion', { description: 'The new version, whose node runs the rule.' }),
  }),
});

builder.queryFields((t) => ({
  ruleExtractionJob: t.field({
    type: RuleExtractionJob,
    nullable: true,
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.loaders.job.load(String(id)),
  }),
  ruleExtractionJobs: t.field({
    type: [RuleExtractionJob],
    authScopes: { viewer: true },
    description: 'Extraction jobs of your tenant, newest first; only of one workflow when `workflowId` is given.',
    args: {
      workflowId: t.arg.id(),
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last job of the previous page.' }),
    },
    resolve: (_root, { workflowId, ...page }, context) =>
      listJobs(context.deps, context.identity.tenantId, { workflowId: workflowId == null ? null : String(workflowId), ...page }),
  }),
  ruleCandidate: t.field({
    type: RuleCandidate,
    nullable: true,
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.loaders.candidate.load(String(id)),
  }),
}));

builder.mutationFields((t) => ({
  extractRules: t.field({
    type: RuleExtractionJob,
    authScopes: { admin: true },
    description:
      'Learns candidate rules for a judgment node (the start node’s, or the first, when none is named) from the workflow’s labelled samples. Returns the queued job: follow it with `ruleExtractionJobUpdated` or poll `ruleExtractionJob`.',
    args: { workflowId: t.arg.id({ required: true }), nodeId: t.arg.string() },
    resolve: (_root, args, context) => requestExtraction(context.deps, context, context.identity, { workflowId: String(args.workflowId), nodeId: args.nodeId }),
  }),
  promoteRule: t.field({
    type: RulePromotion,
    authScopes: { admin: true },
    description:
      'Puts a candidate rule on a judgment node (the one it was learned for, when none is named) as a new workflow version, its held-out precision as the node’s rule confidence. Refused when the workflow is not at `expectedVersion` or changed since the candidate was learned. Roll back by updating the workflow to the earlier version’s definition.',
    args: { candidateId: t.arg.id({ required: true }), nodeId: t.arg.string(), expectedVersion: t.arg.int({ required: true }) },
    resolve: (_root, args, context) =>
      promoteRule(context.deps, context, context.identity, { candidateId: String(args.candidateId), nodeId: args.nodeId, expectedVersion: args.expectedVersion }),
  }),
}));

builder.subscriptionField('ruleExtractionJobUpdated', (t) =>
  t.field({
    type: RuleExtractionJob,
    authScopes: { viewer: true },
    description: 'The job as it is, then after each change of status or progress; ends once it has SUCCEEDED or FAILED.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, context) => jobUpdates(context.live, context.deps, context.identity.tenantId, String(id)),
    resolve: (job: RuleExtractionJobRow, _args, context) => {
      // Every event of a subscription runs in its one context: what the loaders cached for the last event is stale now.
      context.loaders.candidatesOfJob.clear(job.id);
      return job;
    },
  }),
);
