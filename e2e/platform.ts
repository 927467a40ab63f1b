import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateGatewayKeyPem, loadGatewayKey, publicKeySet, type GatewayKey } from '@judgify/runtime/gateway-keys';
import { createTestDatabase, dropRedisPrefix, testRedisPrefix, testRedisUrl } from '@judgify/runtime/testing';
import { freePort } from '@judgify/runtime/free-port';

const root = new URL('..', import.meta.url).pathname;

export const subgraphNames = ['workflow', 'judgment', 'learning', 'bi', 'chat'] as const;
export type SubgraphName = (typeof subgraphNames)[number];

export interface RunningProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: string[];
}

/** Starts a server entry as its own process and resolves with its URL once it logs that it is ready. */
export function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  logLevel = 'debug',
  isReady: (record: { url?: string; msg?: string; service?: string }) => boolean = (record) => Boolean(record.url && record.msg?.includes('ready')),
): Promise<RunningProcess> {
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: logLevel, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time:\n${output.join('\n')}`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output.join('\n')}`));
    });
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      try {
        const record = JSON.parse(line) as { url?: string; msg?: string; service?: string };
        if (record.url && isReady(record)) {
          clearTimeout(timer);
          resolve({ name, url: record.url.replace(/\/graphql$/, ''), child, output });
        }
      } catch {
        // not a JSON log line
      }
    });
  });
}

export async function stopProcess(running: RunningProcess): Promise<number | null> {
  if (running.child.exitCode !== null) return running.child.exitCode;
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)));
  running.child.kill('SIGTERM');
  return exited;
}

/**
 * Rate limits for test platforms: the defaults' shape with budgets no suite reaches, so tests
 * that judge in loops measure what they test; the limits have tests of their own.
 */
export const TEST_RATE_LIMITS = 'executeJudgment=100000/1m,generateView=100000/1m,createWorkflow=100000/1h,*=1000000/1h';

export interface Platform {
  gateway: RunningProcess;
  subgraphs: Record<SubgraphName, RunningProcess>;
  /** Another process of a subgraph, on the same database and Redis, with more env if given. */
  startSubgraphReplica(name: SubgraphName, env?: Record<string, string>): Promise<RunningProcess>;
  /** Another gateway, routing to the given subgraph processes (the first ones by default), with more env if given. */
  startGatewayReplica(routes?: Partial<Record<SubgraphName, RunningProcess>>, env?: Record<string, string>): Promise<RunningProcess>;
  /** Stops a process of this platform and starts it again on the same port, as a deploy or a crash would. */
  restart(child: RunningProcess): Promise<RunningProcess>;
  /** The platform's own PostgreSQL database (none on PGlite). */
  databaseUrl?: string;
  /** The gateway's signing key: tests mint forwarded identities and grants with it, as a compromised gateway could. */
  gatewayKey: GatewayKey;
  jwtSecret: string;
  /** Where this platform's Redis keys live, when it has Redis. */
  redisPrefix: string;
  stop(): Promise<void>;
}

/**
 * The distributed shape on one machine: every subgraph and the gateway in its own process,
 * on free ports, talking real HTTP. PostgreSQL/Redis when TEST_DATABASE_URL/TEST_REDIS_URL
 * are set, else PGlite folders and in-process buses.
 */
export async function startPlatform(
  options: { logLevel?: string; gatewayEnv?: Record<string, string>; subgraphEnv?: Record<string, string>; redisUrl?: string } = {},
): Promise<Platform> {
  const signingKeyPem = generateGatewayKeyPem();
  const gatewayKey = await loadGatewayKey(signingKeyPem);
  const jwtSecret = randomBytes(32).toString('hex');
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'judgify-e2e-'));
  const redisUrl = options.redisUrl ?? testRedisUrl();
  const redisPrefix = testRedisPrefix();
  const logLevel = options.logLevel ?? 'debug';
  const gatewayPort = String(await freePort());
  const shared: Record<string, string> = {
    JUDGIFY_DATA_DIR: dataDir,
    GATEWAY_PUBLIC_KEYS: JSON.stringify(publicKeySet([gatewayKey])),
    GATEWAY_URL: `http://localhost:${gatewayPort}`,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: redisPrefix } : {}),
    ...options.subgraphEnv,
  };
  const running = new Set<RunningProcess>();
  const relaunchers = new WeakMap<RunningProcess, (port: string) => Promise<RunningProcess>>();
  const launch = async (start: (port: string) => Promise<RunningProcess>, port = '0') => {
    const child = await start(port);
    running.add(child);
    relaunchers.set(child, start);
    return child;
  };
  const startSubgraph = (name: SubgraphName, env: Record<string, string> = {}) => (port: string) =>
    startProcess(name, `subgraphs/${name}/src/server.ts`, { ...shared, ...env, [`${name.toUpperCase()}_PORT`]: port }, logLevel);
  const startGateway = (routes: Record<SubgraphName, RunningProcess>, env: Record<string, string> = {}) => (port: string) =>
    startProcess(
      'gateway',
      'gateway/src/server.ts',
      {
        GATEWAY_SIGNING_KEY: signingKeyPem,
        JWT_SECRET: jwtSecret,
        GATEWAY_PORT: port,
        RATE_LIMITS: TEST_RATE_LIMITS,
        ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: redisPrefix } : {}),
        ...options.gatewayEnv,
        ...env,
        ...Object.fromEntries(Object.entries(routes).map(([name, running]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, `${running.url}/graphql`])),
      },
      logLevel,
    );
  const started = await Promise.all(subgraphNames.map((name) => launch(startSubgraph(name))));
  const subgraphs = Object.fromEntries(started.map((running) => [running.name, running])) as Record<SubgraphName, RunningProcess>;
  const gateway = await launch(startGateway(subgraphs), gatewayPort);
  return {
    gateway,
    subgraphs,
    gatewayKey,
    jwtSecret,
    redisPrefix,
    databaseUrl: database.url,
    startSubgraphReplica: (name, env) => launch(startSubgraph(name, env)),
    startGatewayReplica: (routes = {}, env = {}) => launch(startGateway({ ...subgraphs, ...routes }, env)),
    async restart(child) {
      await stopProcess(child);
      running.delete(child);
      return launch(relaunchers.get(child)!, new URL(child.url).port);
    },
    async stop() {
      await Promise.all([...running].map(stopProcess));
      await database.drop();
      if (redisUrl) await dropRedisPrefix(redisUrl, redisPrefix).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `npm start` as a newcomer runs it: every service in one process on free ports, embedded
 * (PGlite, in-process bus) unless TEST_DATABASE_URL / TEST_REDIS_URL are set.
 */
export async function startEmbeddedPlatform(
  options: { logLevel?: string; env?: Record<string, string> } = {},
): Promise<{ gateway: RunningProcess; jwtSecret: string; gatewayKey: GatewayKey; redisPrefix: string; stop(): Promise<void> }> {
  const jwtSecret = randomBytes(32).toString('hex');
  const signingKeyPem = generateGatewayKeyPem();
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'judgify-embedded-'));
  const redisUrl = testRedisUrl();
  const redisPrefix = testRedisPrefix();
  const ports = Object.fromEntries(['GATEWAY', ...subgraphNames.map((name) => name.toUpperCase())].map((name) => [`${name}_PORT`, '0']));
  const gateway = await startProcess(
    'platform',
    'scripts/start.ts',
    {
      ...ports,
      JWT_SECRET: jwtSecret,
      GATEWAY_SIGNING_KEY: signingKeyPem,
      JUDGIFY_DATA_DIR: dataDir,
      RATE_LIMITS: TEST_RATE_LIMITS,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: redisPrefix } : {}),
      ...options.env,
    },
    options.logLevel ?? 'info',
    (record) => record.service === 'gateway' && Boolean(record.msg?.includes('ready')),
  );
  return {
    gateway,
    jwtSecret,
    gatewayKey: await loadGatewayKey(signingKeyPem),
    redisPrefix,
    async stop() {
      await stopProcess(gateway);
      await database.drop();
      if (redisUrl) await dropRedisPrefix(redisUrl, redisPrefix).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
