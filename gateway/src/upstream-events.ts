import { boundedStream } from '@judgify/runtime/bounded-stream';
import { AppError } from '@judgify/runtime/errors';
import type { FormattedExecutionResult } from 'graphql';
import type { Client, SubscribePayload } from 'graphql-ws';

export const DEFAULT_MAX_UNRESOLVED = 1000;

type Event = FormattedExecutionResult<Record<string, unknown>, unknown>;

/**
 * A subgraph subscription's events as a stream holding at most `limit` not yet taken: a gateway
 * that cannot resolve events as fast as they come ends the subscription with a clear error
 * rather than buffering without end.
 */
export function upstreamEvents(client: Pick<Client, 'subscribe'>, payload: SubscribePayload, limit = DEFAULT_MAX_UNRESOLVED): AsyncGenerator<Event> {
  let unsubscribe: (() => void) | undefined;
  const events = boundedStream<Event>({
    limit,
    overflow: () => new AppError('SUBSCRIBER_TOO_SLOW', `Subscription closed: the gateway fell more than ${limit} events behind this stream. Subscribe again.`),
    detach: () => unsubscribe?.(),
  });
  unsubscribe = client.subscribe<Record<string, unknown>, unknown>(payload, {
    next: (event) => events.push(event),
    error: (error) => events.fail(error),
    complete: () => events.end(),
  });
  return events.stream;
}
