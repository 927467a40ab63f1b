import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTestDatabase, testRedisUrl } from '@judgify/runtime/testing';

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

export interface Platform {
  gateway: RunningProcess;
  subgraphs: Record<SubgraphName, RunningProcess>;
  /** Another process of a subgraph, on the same database and Redis. */
  startSubgraphReplica(name: SubgraphName): Promise<RunningProcess>;
  /** Another gateway, routing to the given subgraph processes (the first ones by default). */
  startGatewayReplica(routes?: Partial<Record<SubgraphName, RunningProcess>>): Promise<RunningProcess>;
  /** Stops a process of this platform and starts it again on the same port, as a deploy or a crash would. */
  restart(child: RunningProcess): Promise<RunningProcess>;
  internalSecret: string;
  jwtSecret: string;
  stop(): Promise<void>;
}

/**
 * The distributed shape on one machine: every subgraph and the gateway in its own process,
 * on free ports, talking real HTTP. PostgreSQL/Redis when TEST_DATABASE_URL/TEST_REDIS_URL
 * are set, else PGlite folders and in-process buses.
 */
export async function startPlatform(options: { logLevel?: string; gatewayEnv?: Record<string, string> } = {}): Promise<Platform> {
  const internalSecret = randomBytes(32).toString('hex');
  const jwtSecret = randomBytes(32).toString('hex');
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'judgify-e2e-'));
  const redisUrl = testRedisUrl();
  const logLevel = options.logLevel ?? 'debug';
  const shared: Record<string, string> = {
    INTERNAL_SECRET: internalSecret,
    JUDGIFY_DATA_DIR: dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  const running = new Set<RunningProcess>();
  const relaunchers = new WeakMap<RunningProcess, (port: string) => Promise<RunningProcess>>();
  const launch = async (start: (port: string) => Promise<RunningProcess>, port = '0') => {
    const child = await start(port);
    running.add(child);
    relaunchers.set(child, start);
    return child;
  };
  const startSubgraph = (name: SubgraphName) => (port: string) =>
    startProcess(name, `subgraphs/${name}/src/server.ts`, { ...shared, [`${name.toUpperCase()}_PORT`]: port }, logLevel);
  const startGateway = (routes: Record<SubgraphName, RunningProcess>) => (port: string) =>
    startProcess(
      'gateway',
      'gateway/src/server.ts',
      {
        INTERNAL_SECRET: internalSecret,
        JWT_SECRET: jwtSecret,
        GATEWAY_PORT: port,
        ...options.gatewayEnv,
        ...Object.fromEntries(Object.entries(routes).map(([name, running]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, `${running.url}/graphql`])),
      },
      logLevel,
    );
  const started = await Promise.all(subgraphNames.map((name) => launch(startSubgraph(name))));
  const subgraphs = Object.fromEntries(started.map((running) => [running.name, running])) as Record<SubgraphName, RunningProcess>;
  const gateway = await launch(startGateway(subgraphs));
  return {
    gateway,
    subgraphs,
    internalSecret,
    jwtSecret,
    startSubgraphReplica: (name) => launch(startSubgraph(name)),
    startGatewayReplica: (routes = {}) => launch(startGateway({ ...subgraphs, ...routes })),
    async restart(child) {
      await stopProcess(child);
      running.delete(child);
      return launch(relaunchers.get(child)!, new URL(child.url).port);
    },
    async stop() {
      await Promise.all([...running].map(stopProcess));
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `npm start` as a newcomer runs it: every service in one process on free ports, embedded
 * (PGlite, in-process bus) unless TEST_DATABASE_URL / TEST_REDIS_URL are set.
 */
export async function startEmbeddedPlatform(options: { logLevel?: string } = {}): Promise<{ gateway: RunningProcess; jwtSecret: string; stop(): Promise<void> }> {
  const jwtSecret = randomBytes(32).toString('hex');
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'judgify-embedded-'));
  const redisUrl = testRedisUrl();
  const ports = Object.fromEntries(['GATEWAY', ...subgraphNames.map((name) => name.toUpperCase())].map((name) => [`${name}_PORT`, '0']));
  const gateway = await startProcess(
    'platform',
    'scripts/start.ts',
    {
      ...ports,
      JWT_SECRET: jwtSecret,
      JUDGIFY_DATA_DIR: dataDir,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    },
    options.logLevel ?? 'info',
    (record) => record.service === 'gateway' && Boolean(record.msg?.includes('ready')),
  );
  return {
    gateway,
    jwtSecret,
    async stop() {
      await stopProcess(gateway);
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
