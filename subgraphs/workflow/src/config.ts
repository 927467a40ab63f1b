import { parseEnv, port, subgraphEnvWith } from '@judgify/runtime/config';

const workflowEnv = subgraphEnvWith({ WORKFLOW_PORT: port(8001) });

export type WorkflowConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(workflowEnv, env, 'workflow');
}
