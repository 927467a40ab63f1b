import { createExampleWorkflow, graphql, signToken } from '../e2e/client.ts';
import { startEmbeddedPlatform, startPlatform } from '../e2e/platform.ts';
import { report, runLoad } from './load.ts';

const EXECUTE = `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { decision cached } }`;

/**
 * executeJudgment on the rule path through the gateway: each call walks the spec example, stores
 * the execution and its outbox event. `embedded` runs every service in one process (`npm start`);
 * `distributed` a process per service, which needs Redis to carry workflow events to judgment.
 */
export async function benchJudgmentExecutions(options: { concurrency: number; seconds: number; shape: 'embedded' | 'distributed' }): Promise<string> {
  const platform = options.shape === 'embedded' ? await startEmbeddedPlatform({ logLevel: 'info' }) : await startPlatform({ logLevel: 'info' });
  try {
    const token = await signToken({ userId: 'bench', tenantId: 'bench', roles: ['admin'] }, platform.jwtSecret);
    const url = platform.gateway.url;
    const workflowId = await createExampleWorkflow(url, token, 'bench line');
    const execute = async (inputData: Record<string, number>) => {
      const result = await graphql(url, EXECUTE, { token, variables: { input: { workflowId, inputData, method: 'RULE' } } });
      if (result.body.errors) throw new Error(result.body.errors[0]?.message);
    };
    const deadline = Date.now() + 10_000;
    while (await execute({ temperature: 1, vibration: 1 }).then(() => false, () => Date.now() < deadline));

    let sequence = 0;
    const fresh = await runLoad('executeJudgment, rule path, new input', options, () =>
      execute({ temperature: 60 + (sequence % 50), vibration: 40 + (sequence++ % 40), serial: sequence }),
    );
    const repeated = await runLoad('executeJudgment, cache hit', options, (worker) => execute({ temperature: 90, vibration: 60, worker }));
    return report([fresh, repeated]);
  } finally {
    await platform.stop();
  }
}
