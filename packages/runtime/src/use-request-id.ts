import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from './logger.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

const requestIds = new WeakMap<Request, string>();
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Takes the caller's x-request-id (or makes one), keeps it for the context, echoes it back and
 * logs each request with it (debug level), so one request can be followed across services.
 */
export function useRequestId(logger: Logger): Plugin {
  const started = new WeakMap<Request, number>();
  return {
    onRequest({ request }) {
      const given = request.headers.get(REQUEST_ID_HEADER);
      requestIds.set(request, given && SAFE_REQUEST_ID.test(given) ? given : randomUUID());
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const requestId = requestIds.get(request);
      if (requestId) response.headers.set(REQUEST_ID_HEADER, requestId);
      const start = started.get(request);
      if (start !== undefined && logger.isLevelEnabled('debug')) {
        const { pathname } = new URL(request.url);
        logger.debug({ requestId, method: request.method, path: pathname, status: response.status, ms: performance.now() - start }, 'request');
      }
    },
  };
}

export function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    id = randomUUID();
    requestIds.set(request, id);
  }
  return id;
}
