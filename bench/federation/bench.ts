import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { freePort } from '@judgify/runtime/free-port';
import { generateGatewayKeyPem } from '@judgify/runtime/gateway-keys';
import { closedLoop, emptyResult, responseCheck, type ClosedLoopOptions, type ClosedLoopResult } from './load.ts';
import { cpuSecondsOfTrees, machineBusySeconds, peakMemoryOfTree, startService, type Service } from './processes.ts';
import { BENCH_QUERY, expectedResponse } from './query.ts';
import { subgraphNames, type BenchSubgraphName } from './subgraphs.ts';
import { composeBenchSupergraph } from './supergraph.ts';

/**
 * The Guild's federation benchmark shape (graphql-hive/graphql-gateways-benchmark): four
 * subgraphs (accounts, inventory, products, reviews), each a process answering from memory, and
 * its `TestQuery` (an 87,599-byte answer) sent by 50 closed-loop keep-alive connections. Three
 * gateways run side by side against the same subgraphs, each in its own process, taking turns
 * under load (see measureAll): ours (gateway/src/server.ts as deployed), stock
 * `@apollo/gateway` under `@apollo/server`, and Hive Gateway's CLI with `--jit`. Every response
 * is checked against the answer of a plain unfederated schema; a wrong one counts as an error.
 */
export type GatewayKey = 'ours' | 'stock' | 'hive';
export const gatewayKeys: readonly GatewayKey[] = ['ours', 'stock', 'hive'];

/** BENCH_FEDERATION_GATEWAYS: which gateways, started and first measured in that order. */
export function parseGateways(list: string): GatewayKey[] {
  const keys = list.split(',').map((key) => key.trim()).filter(Boolean);
  const unknown = keys.filter((key) => !gatewayKeys.includes(key as GatewayKey));
  if (unknown.length || !keys.length) throw new Error(`BENCH_FEDERATION_GATEWAYS must list some of ${gatewayKeys.join(', ')}; got "${list}"`);
  return keys as GatewayKey[];
}

export interface FederationBenchOptions {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  gateways: readonly GatewayKey[];
  /** Turns each gateway's `seconds` is split into, taken in rotating order. */
  rounds: number;
  subgraphDelayMs: number;
}

interface Setup {
  supergraphPath: string;
  manifestPath: string;
  jwtSecret: string;
  signingKey: string;
  /** Node options for the gateway processes (BENCH_NODE_OPTIONS, e.g. `--cpu-prof`). */
  nodeOptions: string[];
}

interface Measured {
  key: GatewayKey;
  label: string;
  load: ClosedLoopResult;
  gatewayCpuMs: number;
  subgraphCpuMs: number;
  clientCpuMs: number;
  /** CPU the rest of the machine used meanwhile: other work skews a run. */
  othersCpuMs: number;
  subgraphCalls: number;
  peakMb: number;
}

const labels: Record<GatewayKey, string> = {
  ours: 'ours (gateway/src/server.ts)',
  stock: 'stock @apollo/gateway',
  hive: 'Hive Gateway --jit',
};

const root = new URL('../..', import.meta.url).pathname;
const versionOf = (name: string) => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body });
}

/** Ready once `{ __typename }` is answered. */
const graphqlReady = (url: string, headers: Record<string, string>) => async () => (await post(url, JSON.stringify({ query: '{ __typename }' }), headers)).ok;

function startGateway(key: GatewayKey, port: number, setup: Setup, headers: Record<string, string>): Promise<Service> {
  const url = `http://127.0.0.1:${port}/graphql`;
  const ready = graphqlReady(url, headers);
  const production = { NODE_ENV: 'production' };
  switch (key) {
    case 'ours':
      // As deployed, with what e2e/platform.ts gives it: tokens verified, identities signed, the
      // production default TRUSTED_DOCUMENTS=allow with the bench query registered, rate limits on
      // (in process, budgets no run reaches), no Redis.
      return startService(key, [...setup.nodeOptions, '--import', 'tsx', 'gateway/src/server.ts'], {
        env: {
          ...production,
          GATEWAY_PORT: String(port),
          SUPERGRAPH_PATH: setup.supergraphPath,
          GATEWAY_SIGNING_KEY: setup.signingKey,
          JWT_SECRET: setup.jwtSecret,
          TRUSTED_DOCUMENTS: 'allow',
          TRUSTED_DOCUMENTS_MANIFEST: setup.manifestPath,
          RATE_LIMITS: '*=1000000000/1h',
          REDIS_URL: '',
          LOG_LEVEL: 'warn',
          LOG_FORMAT: 'json',
        },
        ready,
      });
    case 'stock':
      return startService(key, [...setup.nodeOptions, '--import', 'tsx', 'bench/federation/stock-gateway.ts'], {
        env: { ...production, PORT: String(port), SUPERGRAPH_PATH: setup.supergraphPath },
        ready,
      });
    case 'hive':
      // The benchmark's run.sh, in one process (--fork 1) like the other two; run from the temp
      // folder so no gateway config file is picked up.
      return startService(
        key,
        [
          ...setup.nodeOptions,
          join(root, 'node_modules/@graphql-hive/gateway/dist/bin.js'),
          'supergraph',
          setup.supergraphPath,
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--fork',
          '1',
          '--jit',
        ],
        { env: production, cwd: join(setup.supergraphPath, '..'), ready },
      );
  }
}

async function subgraphCalls(urls: readonly string[]): Promise<number> {
  const counts = await Promise.all(urls.map(async (url) => ((await (await fetch(url.replace(/\/graphql$/, '/stats'))).json()) as { calls: number }).calls));
  return counts.reduce((sum, count) => sum + count, 0);
}

/** A gateway under test, started once, measured in slices that add up. */
interface Contender extends Measured {
  service: Service;
  url: string;
}

/** Measures one slice of a contender's time and adds it to its totals. */
async function measureSlice(contender: Contender, seconds: number, load: Omit<ClosedLoopOptions, 'url' | 'seconds'>, subgraphs: readonly Service[], subgraphUrls: readonly string[]) {
  const subgraphPids = subgraphs.map((subgraph) => subgraph.pid);
  const before = {
    calls: await subgraphCalls(subgraphUrls),
    machine: machineBusySeconds(),
    gateway: cpuSecondsOfTrees([contender.service.pid]),
    subgraphs: cpuSecondsOfTrees(subgraphPids),
    client: process.cpuUsage(),
  };
  // New connections each slice: a server may close keep-alive sockets left idle between turns.
  await closedLoop({ ...load, url: contender.url, seconds }, contender.load);
  const client = process.cpuUsage(before.client);
  const gatewayCpuMs = (cpuSecondsOfTrees([contender.service.pid]) - before.gateway) * 1000;
  const subgraphCpuMs = (cpuSecondsOfTrees(subgraphPids) - before.subgraphs) * 1000;
  const machineMs = (machineBusySeconds() - before.machine) * 1000;
  const clientCpuMs = (client.user + client.system) / 1000;
  contender.gatewayCpuMs += gatewayCpuMs;
  contender.subgraphCpuMs += subgraphCpuMs;
  contender.clientCpuMs += clientCpuMs;
  contender.othersCpuMs += Math.max(0, machineMs - gatewayCpuMs - subgraphCpuMs - clientCpuMs);
  contender.subgraphCalls += (await subgraphCalls(subgraphUrls)) - before.calls;
}

/**
 * Every gateway is started and warmed, then measured in `rounds` slices of `seconds / rounds`,
 * taking turns (the order rotating each round), so that other work on the machine weighs on
 * each alike. Only the gateway being measured has load; the others sit idle.
 */
async function measureAll(setup: Setup, subgraphs: readonly Service[], subgraphUrls: readonly string[], options: FederationBenchOptions, headers: Record<string, string>): Promise<Measured[]> {
  const contenders: Contender[] = [];
  const load = { body: JSON.stringify({ query: BENCH_QUERY, operationName: 'TestQuery' }), headers, connections: options.connections, check: responseCheck(expectedResponse()) };
  try {
    for (const key of options.gateways) {
      const port = await freePort();
      const service = await startGateway(key, port, setup, headers);
      const contender: Contender = {
        key,
        label: labels[key],
        service,
        url: `http://127.0.0.1:${port}/graphql`,
        load: emptyResult(),
        gatewayCpuMs: 0,
        subgraphCpuMs: 0,
        clientCpuMs: 0,
        othersCpuMs: 0,
        subgraphCalls: 0,
        peakMb: 0,
      };
      contenders.push(contender);
      // The benchmark's k6 setup sends 2 × VUs requests before it measures; this warms under the same load for a while.
      const warm = await closedLoop({ ...load, url: contender.url, seconds: options.warmupSeconds });
      if (warm.firstFailure) contender.load.firstFailure = `(warm-up) ${warm.firstFailure}`;
    }
    for (let round = 0; round < options.rounds; round++) {
      const order = contenders.map((_, index) => contenders[(index + round) % contenders.length]!);
      for (const contender of order) await measureSlice(contender, options.seconds / options.rounds, load, subgraphs, subgraphUrls);
    }
    for (const contender of contenders) contender.peakMb = peakMemoryOfTree(contender.service.pid);
    return contenders;
  } finally {
    await Promise.all(contenders.map((contender) => contender.service.stop()));
  }
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function table(rows: Measured[]): string {
  const header = ['gateway', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'gw CPU ms/req', 'gw cores', 'peak RSS MB', 'subgraph calls/req', 'subgraphs CPU ms/req', 'client CPU ms/req', 'others cores'];
  const lines = rows.map((row) => {
    const { load } = row;
    const answered = load.ok + load.mismatch + load.badStatus;
    const errors = load.network + load.badStatus + load.mismatch;
    return [
      row.label,
      fixed(load.ok / load.seconds, 0),
      fixed(load.latency.percentile(50), 1),
      fixed(load.latency.percentile(99), 1),
      String(errors),
      fixed(row.gatewayCpuMs / answered, 2),
      fixed(row.gatewayCpuMs / 1000 / row.load.seconds, 2),
      fixed(row.peakMb, 0),
      fixed(row.subgraphCalls / answered, 2),
      fixed(row.subgraphCpuMs / answered, 2),
      fixed(row.clientCpuMs / answered, 2),
      fixed(row.othersCpuMs / 1000 / row.load.seconds, 2),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [format(header), ...lines.map(format)].join('\n');
}

function ratios(rows: Measured[]): string[] {
  const ours = rows.find((row) => row.key === 'ours');
  if (!ours) return [];
  const perRequest = (row: Measured) => row.gatewayCpuMs / (row.load.ok + row.load.mismatch + row.load.badStatus);
  return rows
    .filter((row) => row.key !== 'ours')
    .map((peer) => {
      const rate = ours.load.ok / ours.load.seconds / (peer.load.ok / peer.load.seconds);
      return (
        `ours ÷ ${peer.label}: req/s ${fixed(rate, 2)}×, gateway CPU per request ${fixed(perRequest(ours) / perRequest(peer), 2)}×, ` +
        `peak RSS ${fixed(ours.peakMb / peer.peakMb, 2)}×, p99 ${fixed(ours.load.latency.percentile(99) / peer.load.latency.percentile(99), 2)}×`
      );
    });
}

export async function benchFederation(options: FederationBenchOptions): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'judgify-federation-bench-'));
  const subgraphs: Service[] = [];
  try {
    const ports = await Promise.all(subgraphNames.map(() => freePort()));
    const urls = Object.fromEntries(subgraphNames.map((name, index) => [name, `http://127.0.0.1:${ports[index]}/graphql`])) as Record<BenchSubgraphName, string>;
    subgraphs.push(
      ...(await Promise.all(
        subgraphNames.map((name, index) =>
          startService(`${name} subgraph`, ['--import', 'tsx', 'bench/federation/subgraph-server.ts', name], {
            env: { PORT: String(ports[index]), SUBGRAPH_DELAY_MS: String(options.subgraphDelayMs) },
            ready: async () => (await fetch(urls[name].replace(/\/graphql$/, '/stats'))).ok,
          }),
        ),
      )),
    );
    const setup: Setup = {
      supergraphPath: join(folder, 'supergraph.graphql'),
      manifestPath: join(folder, 'trusted-documents.json'),
      jwtSecret: randomBytes(32).toString('hex'),
      signingKey: generateGatewayKeyPem(),
      nodeOptions: process.env.BENCH_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [],
    };
    writeFileSync(setup.supergraphPath, composeBenchSupergraph(urls));
    const id = createHash('sha256').update(BENCH_QUERY).digest('hex');
    writeFileSync(setup.manifestPath, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id, name: 'TestQuery', type: 'query', body: BENCH_QUERY }] }));
    // Every gateway gets the same request, a signed-in user's; only ours reads the token.
    const token = await new SignJWT({ tenant_id: 'bench', roles: ['viewer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench-user')
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(setup.jwtSecret));
    const headers = { authorization: `Bearer ${token}` };
    const rows = await measureAll(setup, subgraphs, Object.values(urls), options, headers);
    const failures = rows.filter((row) => row.load.firstFailure).map((row) => `${row.label}, first failure: ${row.load.firstFailure}`);
    return [
      `${cpus().length} cores, ${options.connections} connections, ${options.warmupSeconds} s warm-up then ${options.seconds} s per gateway in ${options.rounds} turns` +
        `${options.subgraphDelayMs ? `, subgraphs delay each answer ${options.subgraphDelayMs} ms` : ''}; ` +
        `@apollo/gateway ${versionOf('@apollo/gateway')} (ours and stock, on @apollo/server ${versionOf('@apollo/server')}), @graphql-hive/gateway ${versionOf('@graphql-hive/gateway')}; ` +
        `every answer checked against the expected ${Buffer.byteLength(expectedResponse())} bytes, req/s counts only exact ones`,
      table(rows),
      "gw cores: the gateway process's CPU seconds per second (one Node process can use about 1.00); " +
        'others cores: CPU that processes outside this bench used meanwhile (well above 0 means the figures are skewed)',
      ...ratios(rows),
      ...failures,
    ].join('\n');
  } finally {
    await Promise.all(subgraphs.map((subgraph) => subgraph.stop()));
    rmSync(folder, { recursive: true, force: true });
  }
}
