import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Idle sockets close well before a subgraph's own keep-alive timeout (65 s), so none is reused as the server closes it. */
const IDLE_SOCKET_MS = 30_000;

export interface SubgraphHttpResponse {
  status: number;
  contentType: string;
  body: string;
}

export class SubgraphTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/**
 * POSTs over pooled keep-alive sockets with node:http. Node's `fetch` costs the gateway more CPU
 * than everything else it does per subgraph call (web streams, Headers, an AbortSignal per call);
 * a timer and a buffered body are all a JSON round trip needs.
 */
export function createSubgraphHttp() {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
  };
  const post = (url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SubgraphHttpResponse> =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const send = secure ? httpsRequest : httpRequest;
      const request = send(url, {
        method: 'POST',
        agent: secure ? agents['https:'] : agents['http:'],
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      });
      const timer = setTimeout(() => request.destroy(new SubgraphTimeoutError(timeoutMs)), timeoutMs);
      request.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.once('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        response.once('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      request.end(body);
    });
  return {
    post,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

export type SubgraphHttp = ReturnType<typeof createSubgraphHttp>;
