import { AppError } from '@judgify/runtime/errors';
import type { Logger } from '@judgify/runtime/logger';
import { Histogram } from '@judgify/runtime/metrics';
import { dataOf, type DelegatedRequest, type SupergraphClient } from '@judgify/runtime/supergraph-client';
import type { JudgmentNode, WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { outcomesOfDecisions } from '@judgify/workflow-definition/outcomes';
import type { Registry } from 'prom-client';
import { FEW_SHOT_SAMPLES } from '../operations.ts';

export interface FewShotSettings {
  supergraph: SupergraphClient;
  logger: Logger;
  /** Labelled samples asked for; 0 turns few-shot examples off. */
  samples: number;
  /** The lookup's time budget: past it the LLM answers without examples. */
  timeoutMs: number;
  sampleCount: Histogram;
}

export function fewShotMetric(registry: Registry): Histogram {
  return new Histogram({
    name: 'few_shot_sample_count',
    help: 'Labelled samples shown to the LLM with one node judgment',
    buckets: [0, 1, 2, 5, 10, 15, 20],
    registers: [registry],
  });
}

export interface FewShot {
  examples: Array<{ input: unknown; decision: string }>;
  /** For the explanation: "with 12 similar labelled samples", or "without labelled samples: " and why. */
  note: string;
}

/** What a node judge asks for examples with, once per node of one run. */
export type FewShotSource = (node: JudgmentNode) => Promise<FewShot>;

interface Sample {
  inputData: unknown;
  label: string;
}

/**
 * Few-shot examples for the LLM judgments of one run: the workflow's labelled samples most like
 * the input, asked of the learning subgraph through the supergraph as the user judging (learning
 * owns them), once per run and only when a node asks the LLM, within the time budget. Each node
 * sees the samples whose label says which of its outcomes was right: a decision reached only
 * through its `true` edge is an example of `true`. Without samples the LLM still answers.
 */
export function fewShotSource(settings: FewShotSettings, on: DelegatedRequest, workflow: { id: string; definition: WorkflowDefinition }, input: unknown): FewShotSource {
  let lookup: Promise<Sample[] | string> | undefined;
  const samples = () => (lookup ??= similarSamples(settings, on, workflow.id, input));
  return async (node) => {
    const found = await samples();
    if (typeof found === 'string') {
      settings.sampleCount.observe(0);
      return { examples: [], note: `without labelled samples: ${found}` };
    }
    const outcomes = outcomesOfDecisions(workflow.definition, node.id);
    const examples = found.flatMap((sample) => {
      const decision = outcomes[sample.label] ?? (node.labels?.includes(sample.label) ? sample.label : undefined);
      return decision === undefined ? [] : [{ input: sample.inputData, decision }];
    });
    settings.sampleCount.observe(examples.length);
    if (examples.length) return { examples, note: `with ${examples.length} similar labelled sample${examples.length === 1 ? '' : 's'}` };
    return { examples, note: `without labelled samples: ${found.length ? 'none whose label tells this node’s outcome' : 'none yet'}` };
  };
}

/** The samples, or why there are none. */
async function similarSamples(settings: FewShotSettings, on: DelegatedRequest, workflowId: string, input: unknown): Promise<Sample[] | string> {
  if (settings.samples === 0) return 'few-shot examples are off';
  if (!on.delegation) return 'no user request to ask learning for';
  try {
    const data = dataOf(
      await settings.supergraph.execute<{ similarSamples: Sample[] }>(on, FEW_SHOT_SAMPLES, {
        variables: { workflowId, input, first: settings.samples },
        operationName: 'FewShotSamples',
        roles: ['viewer'],
        timeoutMs: settings.timeoutMs,
      }),
    );
    return data.similarSamples;
  } catch (error) {
    if (error instanceof AppError && error.extensions.timeoutMs !== undefined) return `the lookup took over ${settings.timeoutMs} ms`;
    settings.logger.warn({ err: error, requestId: on.requestId, workflowId }, 'few-shot samples could not be looked up; the LLM answers without them');
    return `the lookup failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
