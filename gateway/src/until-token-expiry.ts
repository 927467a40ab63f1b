import { GraphQLError, type ExecutionResult } from 'graphql';
import { atTime } from './at-time.ts';
import { closableStream } from '@judgify/runtime/closable-stream';

export const tokenExpired = () =>
  new GraphQLError('Token expired: subscribe again with a fresh token.', { extensions: { code: 'UNAUTHENTICATED' } });

/**
 * Ends a subscription stream when the subscriber's token expires: the stream is closed (its
 * upstream share released at once, even while it waits for an event) and the subscriber's last
 * result is the UNAUTHENTICATED error. Over WebSocket the connection closes with 4401 instead;
 * this is for streams with no socket of their own (Server-Sent Events).
 */
export function untilTokenExpiry(stream: AsyncGenerator<ExecutionResult>, expiresAt: number | undefined): AsyncGenerator<ExecutionResult> {
  if (expiresAt === undefined) return stream;
  let expired = false;
  let told = false;
  const cancel = atTime(expiresAt, () => {
    expired = true;
    // Ends a pending read; a failure to close shows as that read's error.
    stream.return(undefined).catch(() => undefined);
  });
  const close = async () => {
    cancel();
    told = true;
    await stream.return(undefined);
  };
  return closableStream(async () => {
    if (told) return { value: undefined, done: true };
    let result: IteratorResult<ExecutionResult>;
    try {
      result = expired ? { value: undefined, done: true } : await stream.next();
    } catch (error) {
      cancel();
      throw error;
    }
    if (!result.done) return result;
    cancel();
    if (!expired) return result;
    told = true;
    return { value: { errors: [tokenExpired()] }, done: false };
  }, close);
}
