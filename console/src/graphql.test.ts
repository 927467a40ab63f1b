import { describe, expect, it } from 'vitest';
import { closeError } from './graphql.ts';

describe('a closed live connection, as the console reads it', () => {
  it('treats the gateway’s token closes as sign-in problems', () => {
    expect(closeError(4401, 'Token expired: reconnect with a fresh token')).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Your token expired: sign in again.' });
    expect(closeError(4403, 'Forbidden')).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('names any other close with its code and reason', () => {
    expect(closeError(1011, 'upstream gone')).toMatchObject({ code: 'CONNECTION_CLOSED', message: 'The live connection closed (1011: upstream gone).' });
  });
});
