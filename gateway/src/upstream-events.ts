import { GraphQLError, type FormattedExecutionResult } from 'graphql';
import type { Client, SubscribePayload } from 'graphql-ws';
import { closableStream } from '@judgify/runtime/closable-stream';

export const DEFAULT_MAX_UNRESOLVED = 1000;

type Event = FormattedExecutionResult<Record<string, unknown>, unknown>;

/**
 * A subgraph subscription's events as a stream holding at most `limit` not yet taken: a gateway
 * that cannot resolve events as fast as they come ends the subscription with a clear error
 * rather than buffering without end.
 */
export function upstreamEvents(client: Pick<Client, 'subscribe'>, payload: SubscribePayload, limit = DEFAULT_MAX_UNRESOLVED): AsyncGenerator<Event> {
  const waiting: Event[] = [];
  let failure: { error: unknown } | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const unsubscribe = client.subscribe<Record<string, unknown>, unknown>(payload, {
    next: (event) => {
      if (failure || ended) return;
      if (waiting.length < limit) waiting.push(event);
      else {
        failure = {
          error: new GraphQLError(`Subscription closed: the gateway fell more than ${limit} events behind this stream. Subscribe again.`, {
            extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
          }),
        };
        unsubscribe();
      }
      notify();
    },
    error: (error) => {
      failure ??= { error };
      notify();
    },
    complete: () => {
      ended = true;
      notify();
    },
  });
  return closableStream<Event>(
    async () => {
      for (;;) {
        const event = waiting.shift();
        if (event) return { value: event, done: false };
        if (failure) {
          const { error } = failure;
          ended = true;
          failure = undefined;
          throw error;
        }
        if (ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async () => {
      ended = true;
      waiting.length = 0;
      unsubscribe();
      notify();
    },
  );
}
