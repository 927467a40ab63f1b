import { useCallback, useEffect, useState } from 'preact/hooks';
import { subscribe, type GraphQLRequestError } from './graphql.ts';
import { forgetRefusedToken, token } from './session.ts';

export type LiveState<T> = { status: 'connecting' } | { status: 'error'; error: GraphQLRequestError } | { status: 'live'; data: T };

/** A subscription as the signed-in user, folded into state with `reduce`; restarts when its variables change or on `retry`. */
export function useSubscription<E, T>(document: string, variables: Record<string, unknown>, reduce: (state: T | undefined, event: E) => T): [LiveState<T>, () => void] {
  const [state, setState] = useState<LiveState<T>>({ status: 'connecting' });
  const [round, setRound] = useState(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    setState({ status: 'connecting' });
    let folded: T | undefined;
    return subscribe<E>(document, variables, token.value, {
      next: (event) => {
        folded = reduce(folded, event);
        setState({ status: 'live', data: folded });
      },
      error: (error) => {
        forgetRefusedToken(error);
        setState({ status: 'error', error });
      },
    });
  }, [document, key, round, token.value]);
  return [state, useCallback(() => setRound((value) => value + 1), [])];
}
