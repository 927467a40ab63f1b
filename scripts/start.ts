/**
 * `npm start`: the whole platform in one Node process — five subgraphs and the gateway, each
 * on its own port, talking real HTTP. Embedded by default (PGlite under JUDGIFY_DATA_DIR,
 * in-process event bus); with DATABASE_URL / REDIS_URL set it uses those instead.
 * For one process per service, run each `src/server.ts` (see docker-compose.yml).
 */
import { readFileSync } from 'node:fs';
import { loadConfig as loadBiConfig } from '../subgraphs/bi/src/config.ts';
import { startBiService } from '../subgraphs/bi/src/service.ts';
import { loadConfig as loadChatConfig } from '../subgraphs/chat/src/config.ts';
import { startChatService } from '../subgraphs/chat/src/service.ts';
import { loadConfig as loadJudgmentConfig } from '../subgraphs/judgment/src/config.ts';
import { startJudgmentService } from '../subgraphs/judgment/src/service.ts';
import { loadConfig as loadLearningConfig } from '../subgraphs/learning/src/config.ts';
import { startLearningService } from '../subgraphs/learning/src/service.ts';
import { loadConfig as loadWorkflowConfig } from '../subgraphs/workflow/src/config.ts';
import { startWorkflowService } from '../subgraphs/workflow/src/service.ts';
import { loadConfig as loadGatewayConfig } from '../gateway/src/config.ts';
import { startGateway } from '../gateway/src/service.ts';
import { ensureConsoleBuilt } from '../console/build.ts';
import { closeOnSignals } from '@judgify/runtime/http-server';
import { startTracing } from '@judgify/runtime/tracing';
import { generateGatewayKeyPem, loadGatewayKey, publicKeySet } from '@judgify/runtime/gateway-keys';
import { freePort } from '@judgify/runtime/free-port';

// One key pair per run is enough when every service lives in this process: the gateway signs
// forwarded identities with the private key, the subgraphs verify with the public one.
if (!process.env.GATEWAY_SIGNING_KEY && !process.env.GATEWAY_SIGNING_KEY_FILE) process.env.GATEWAY_SIGNING_KEY = generateGatewayKeyPem();
if (!process.env.GATEWAY_PUBLIC_KEYS && !process.env.GATEWAY_PUBLIC_KEYS_FILE && !process.env.GATEWAY_JWKS_URL) {
  const signingKey = process.env.GATEWAY_SIGNING_KEY || readFileSync(process.env.GATEWAY_SIGNING_KEY_FILE!, 'utf8');
  process.env.GATEWAY_PUBLIC_KEYS = JSON.stringify(publicKeySet([await loadGatewayKey(signingKey)]));
}
if (process.env.GATEWAY_PORT === '0') process.env.GATEWAY_PORT = String(await freePort());
process.env.GATEWAY_URL ??= `http://localhost:${process.env.GATEWAY_PORT ?? 8000}`;
// Development on one machine: action targets may be local receivers (documented; off in deployments).
process.env.ACTION_ALLOW_PRIVATE_TARGETS ??= 'true';

// One process, one traced service: its spans say which part they are in (judgify.service).
await startTracing({ service: 'platform' });
await ensureConsoleBuilt((line) => process.stdout.write(`${line}\n`));
const subgraphs = await Promise.all([
  startWorkflowService(loadWorkflowConfig(process.env)),
  startJudgmentService(loadJudgmentConfig(process.env)),
  startLearningService(loadLearningConfig(process.env)),
  startBiService(loadBiConfig(process.env)),
  startChatService(loadChatConfig(process.env)),
]);

for (const subgraph of subgraphs) {
  process.env[`SUBGRAPH_URL_${subgraph.infrastructure.service.toUpperCase()}`] ??= `${subgraph.url}/graphql`;
}
const gateway = await startGateway(loadGatewayConfig(process.env));

const usingDevIdentity = !gateway.app.authenticator.verifiesTokens;
process.stdout.write(
  [
    '',
    `  Judgify is running: database ${subgraphs[0]?.infrastructure.database.kind}, event bus ${subgraphs[0]?.infrastructure.bus.kind}.`,
    `  web console:            ${gateway.url}/`,
    `  GraphiQL / supergraph:  ${gateway.url}/graphql`,
    `  health / metrics:       ${gateway.url}/health  ${gateway.url}/metrics`,
    ...subgraphs.map((subgraph) => `  ${subgraph.infrastructure.service.padEnd(9)} subgraph:     ${subgraph.url}/graphql`),
    usingDevIdentity ? '  identity: development mode (user "dev", tenant "dev", admin); set JWT_SECRET or JWKS_URL to require tokens.' : '',
    '',
  ].join('\n') + '\n',
);

closeOnSignals(gateway.logger, async () => {
  await gateway.close();
  await Promise.all(subgraphs.map((subgraph) => subgraph.close()));
});
