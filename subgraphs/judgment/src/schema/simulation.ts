import { builder } from '../builder.ts';
import type { RunResult } from '../domain/engine.ts';
import { MAX_SIMULATION_INPUTS, simulateWorkflow } from '../domain/simulate.ts';
import { ExecutionStatus } from './execution-status.ts';
import { JudgmentMethod } from './judgment-method.ts';

const SimulationResult = builder.objectRef<RunResult>('SimulationResult').implement({
  description: 'What a judgment would decide for one input; nothing was stored, published or delivered.',
  fields: (t) => ({
    status: t.expose('status', { type: ExecutionStatus }),
    decision: t.exposeString('decision'),
    confidence: t.exposeFloat('confidence'),
    methodUsed: t.expose('methodUsed', { type: JudgmentMethod }),
    explanation: t.exposeString('explanation'),
    path: t.exposeStringList('path'),
    nodeResults: t.expose('nodeResults', { type: 'JSON' }),
    actionsTriggered: t.expose('actions', { type: 'JSON' }),
  }),
});

builder.queryField('simulateWorkflow', (t) =>
  t.field({
    type: [SimulationResult],
    authScopes: { operator: true },
    description: `Runs a saved workflow (workflowId) or an unsaved definition on up to ${MAX_SIMULATION_INPUTS} inputs, one result per input, in order.`,
    args: {
      workflowId: t.arg.id(),
      definition: t.arg({ type: 'JSON' }),
      inputs: t.arg({ type: ['JSON'], required: true }),
      method: t.arg({ type: JudgmentMethod, defaultValue: 'HYBRID' }),
    },
    resolve: (_root, args, context) =>
      simulateWorkflow(context.deps, context.actor, {
        workflowId: args.workflowId == null ? null : String(args.workflowId),
        definition: args.definition,
        inputs: args.inputs,
        method: args.method,
      }),
  }),
);
