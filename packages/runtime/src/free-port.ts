import { createServer } from 'node:net';

/**
 * A port nobody listens on right now, for a process whose address others need before it starts
 * (the gateway, which subgraphs call back; a test's own Redis). Another process could take it in
 * between; where that matters, listen on port 0 instead.
 */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
