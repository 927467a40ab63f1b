import { GraphQLError, type ExecutionResult } from 'graphql';
import { closableStream } from './closable-stream.ts';

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
  const timer = setTimeout(() => {
    expired = true;
    void stream.return(undefined);
  }, Math.max(0, expiresAt - Date.now()));
  const close = async () => {
    clearTimeout(timer);
    told = true;
    await stream.return(undefined);
  };
  return closableStream(async () => {
    if (told) return { value: undefined, done: true };
    const result = expired ? { value: undefined, done: true as const } : await stream.next();
    if (!result.done) return result;
    clearTimeout(timer);
    if (!expired) return result;
    told = true;
    return { value: { errors: [tokenExpired()] }, done: false };
  }, close);
}
