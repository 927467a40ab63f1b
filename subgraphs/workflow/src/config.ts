import { parseEnv, port, subgraphEnv } from '@judgify/runtime/config';

const workflowEnv = subgraphEnv.extend({ WORKFLOW_PORT: port(8001) });

export type WorkflowConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(workflowEnv, env, 'workflow');
}
