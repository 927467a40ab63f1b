import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { guardedLookup } from './safe-address.ts';

/**
 * Connections to receivers are kept alive and reused: a delivery to a busy target costs a request,
 * not a TCP (and TLS) handshake. Addresses are checked when a connection is made, so a reused one
 * was checked too.
 */
const agents = new Map<string, HttpAgent>();
function agentFor(url: URL, allowPrivate: boolean): HttpAgent {
  const key = `${url.protocol}${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 30_000, lookup: guardedLookup(allowPrivate) as never };
    agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

export interface OutgoingDelivery {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Bytes of the answer read at most; the rest is not waited for. */
  maxResponseBytes: number;
  allowPrivate: boolean;
}

export interface DeliveryAnswer {
  statusCode?: number;
  retryAfter?: string | null;
  /** The start of the answer's body, at most RECORDED_BODY_BYTES. */
  body?: string;
  error?: string;
  durationMs: number;
}

/** What of an answer's body is kept on the attempt. */
export const RECORDED_BODY_BYTES = 2048;

/**
 * POSTs one delivery and reports how it went, never throwing: the status, the start of the
 * body (read up to a cap, then the connection is dropped), or what went wrong — a timeout, a
 * refused address, a connection closed mid-answer. Redirects are not followed.
 */
export function sendDelivery(delivery: OutgoingDelivery): Promise<DeliveryAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Omit<DeliveryAnswer, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...answer, durationMs: performance.now() - started });
    };
    let url: URL;
    try {
      url = new URL(delivery.url);
    } catch {
      return finish({ error: `"${delivery.url}" is not a URL` });
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(url, {
      method: 'POST',
      headers: { ...delivery.headers, 'content-length': String(Buffer.byteLength(delivery.body)) },
      agent: agentFor(url, delivery.allowPrivate),
    });
    const timer = setTimeout(() => {
      finish({ error: `no answer within ${delivery.timeoutMs} ms` });
      outgoing.destroy();
    }, delivery.timeoutMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      finish({ error: error.code === 'EREFUSEDTARGET' ? `refused: ${error.message}` : `${error.code ?? 'error'}: ${error.message}` });
    });
    outgoing.on('response', (response: IncomingMessage) => {
      const statusCode = response.statusCode;
      const retryAfter = response.headers['retry-after'] ?? null;
      let recorded = Buffer.alloc(0);
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (recorded.length < RECORDED_BODY_BYTES) recorded = Buffer.concat([recorded, chunk.subarray(0, RECORDED_BODY_BYTES - recorded.length)]);
        if (received > delivery.maxResponseBytes) {
          // Enough read to know how it went: a receiver cannot keep a worker busy with a huge answer.
          finish({ statusCode, retryAfter, body: recorded.toString('utf8') });
          response.destroy();
        }
      });
      response.on('end', () => finish({ statusCode, retryAfter, body: recorded.toString('utf8') }));
      response.on('aborted', () => finish({ statusCode, error: 'the connection closed before the answer was complete' }));
      response.on('error', () => finish({ statusCode, error: 'the connection closed before the answer was complete' }));
    });
    outgoing.end(delivery.body);
  });
}
