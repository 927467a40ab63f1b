import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql } from 'graphql';
import { subgraphNames, subgraphs, type BenchSubgraphName } from './subgraphs.ts';

/**
 * One of the benchmark's subgraphs, in a process of its own: `node --import tsx
 * subgraph-server.ts <name>` with PORT (0 for any) and SUBGRAPH_DELAY_MS. Every distinct request
 * body runs through graphql-js once; after that its serialized answer is sent from memory, so the
 * gateway in front, not the subgraph, is what a load test measures. GET /stats reports how many
 * GraphQL requests it has answered.
 */
const name = process.argv[2] as BenchSubgraphName;
if (!subgraphNames.includes(name)) {
  process.stderr.write(`usage: subgraph-server.ts <${subgraphNames.join(' | ')}>\n`);
  process.exit(2);
}
const schema = buildSubgraphSchema(subgraphs[name]);
const delayMs = Number(process.env.SUBGRAPH_DELAY_MS ?? 0);
/** Beyond this many distinct bodies, answers are computed each time rather than kept. */
const MAX_CACHED = 1000;
const answers = new Map<string, Buffer>();
let calls = 0;

async function answer(body: string): Promise<Buffer> {
  const cached = answers.get(body);
  if (cached) return cached;
  let result: unknown;
  try {
    const { query, variables, operationName } = JSON.parse(body) as { query: string; variables?: Record<string, unknown>; operationName?: string };
    result = await graphql({ schema, source: query, variableValues: variables, operationName });
  } catch (error) {
    result = { errors: [{ message: `bad request: ${error instanceof Error ? error.message : String(error)}` }] };
  }
  const bytes = Buffer.from(JSON.stringify(result));
  if (answers.size < MAX_CACHED) answers.set(body, bytes);
  return bytes;
}

function send(response: ServerResponse, status: number, bytes: Buffer) {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  response.end(bytes);
}

const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  if (request.method === 'GET' && request.url === '/stats') {
    send(response, 200, Buffer.from(JSON.stringify({ calls, distinctBodies: answers.size })));
    return;
  }
  if (request.method !== 'POST' || !request.url?.startsWith('/graphql')) {
    send(response, 404, Buffer.from('{"errors":[{"message":"POST /graphql"}]}'));
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    calls++;
    const reply = () => answer(Buffer.concat(chunks).toString()).then((bytes) => send(response, 200, bytes));
    if (delayMs > 0) setTimeout(reply, delayMs);
    else void reply();
  });
});
// Gateways keep their pooled connections open between bursts.
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ msg: `${name} subgraph ready`, url: `http://127.0.0.1:${address.port}/graphql` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
