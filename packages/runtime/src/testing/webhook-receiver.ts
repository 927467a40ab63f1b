import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** How the receiver answers the n-th request (0-based): a status, headers and body, or something worse. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string | Buffer }
  | { hang: true }
  | { closeMidResponse: true }
  | { bodyBytes: number };

export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Sets how later requests are answered. */
  reply(next: (index: number, request: ReceivedRequest) => Reply): void;
  close(): Promise<void>;
}

/** A real local HTTP receiver for delivery tests: it records every request and answers as scripted (200 by default). */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  let script: (index: number, request: ReceivedRequest) => Reply = () => ({ status: 200, body: 'ok' });
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      received.push(entry);
      const reply = script(received.length - 1, entry);
      if ('hang' in reply) return void hanging.add(response);
      if ('closeMidResponse' in reply) {
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
        response.write('partial');
        setTimeout(() => response.socket?.destroy(), 20);
        return;
      }
      if ('bodyBytes' in reply) {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        const block = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        const pump = () => {
          while (sent < reply.bodyBytes) {
            sent += block.length;
            if (!response.write(block)) return void response.once('drain', pump);
          }
          response.end();
        };
        response.on('error', () => undefined);
        return pump();
      }
      response.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      response.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    reply: (next) => void (script = next),
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
