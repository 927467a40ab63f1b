import { useCallback, useEffect, useState } from 'preact/hooks';
import { request } from './graphql.ts';
import { forgetRefusedToken, token } from './session.ts';

export type QueryState<T> = { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'done'; data: T };

/** Runs a query as the signed-in user on mount and on `reload`; an expired token sends the user back to sign-in. */
export function useQuery<T>(document: string, variables: Record<string, unknown> = {}): [QueryState<T>, () => void] {
  const [state, setState] = useState<QueryState<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    request<T>(document, variables, token.value).then(
      (data) => current && setState({ status: 'done', data }),
      (error: unknown) => {
        forgetRefusedToken(error);
        if (current) setState({ status: 'error', error });
      },
    );
    return () => {
      current = false;
    };
  }, [document, key, round, token.value]);
  return [state, useCallback(() => setRound((value) => value + 1), [])];
}

/** Runs a mutation as the signed-in user. */
export function mutate<T>(document: string, variables: Record<string, unknown>): Promise<T> {
  return request<T>(document, variables, token.value).catch((error: unknown) => {
    forgetRefusedToken(error);
    throw error;
  });
}
