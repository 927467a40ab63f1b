import { createClient, type Client } from 'graphql-ws';

/** An error the gateway returned, with its code (`UNAUTHENTICATED`, `FORBIDDEN`, `BAD_USER_INPUT`, …). */
export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string };
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorShape[];
}

const firstError = (errors: GraphQLErrorShape[]) => new GraphQLRequestError(errors.map((error) => error.message).join(' · '), errors[0]?.extensions?.code ?? 'GRAPHQL_ERROR');

/** One operation over HTTP as the signed-in user; every error comes back as a GraphQLRequestError. */
export async function request<T>(document: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: document, variables }),
    });
  } catch {
    throw new GraphQLRequestError('The gateway cannot be reached: is it running?', 'NETWORK_ERROR');
  }
  let body: GraphQLResponse<T>;
  try {
    body = (await response.json()) as GraphQLResponse<T>;
  } catch {
    throw new GraphQLRequestError(`The gateway answered ${response.status} without a GraphQL response.`, 'NETWORK_ERROR');
  }
  if (body.errors?.length) throw firstError(body.errors);
  if (!body.data) throw new GraphQLRequestError(`The gateway answered ${response.status} with no data.`, 'GRAPHQL_ERROR');
  return body.data;
}

export interface Subscription<T> {
  next(data: T): void;
  error(error: GraphQLRequestError): void;
}

const clients = new Map<string, Client>();

/** The gateway's close codes for the token: 4401 expired, 4403 refused. */
const REFUSED_TOKEN = new Set([4401, 4403]);

/** What a closed live connection means to the user. */
export function closeError(code: number, reason: string): GraphQLRequestError {
  if (code === 4401) return new GraphQLRequestError('Your token expired: sign in again.', 'UNAUTHENTICATED');
  if (code === 4403) return new GraphQLRequestError('The live connection was refused: your token is not accepted.', 'UNAUTHENTICATED');
  return new GraphQLRequestError(`The live connection closed (${code}${reason ? `: ${reason}` : ''}).`, 'CONNECTION_CLOSED');
}

/** One graphql-ws connection per token, shared by every live view of the page. */
function clientFor(token: string | undefined): Client {
  const key = token ?? '';
  let client = clients.get(key);
  if (!client) {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    client = createClient({
      url,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      lazy: true,
      retryAttempts: 5,
      // A refused or expired token will not get better by retrying.
      shouldRetry: (event) => !(event instanceof CloseEvent && REFUSED_TOKEN.has(event.code)),
    });
    clients.set(key, client);
  }
  return client;
}

/** Subscribes over graphql-ws; returns how to stop. */
export function subscribe<T>(document: string, variables: Record<string, unknown>, token: string | undefined, sink: Subscription<T>): () => void {
  return clientFor(token).subscribe<T>(
    { query: document, variables },
    {
      next: (result) => {
        if (result.errors?.length) sink.error(firstError(result.errors as GraphQLErrorShape[]));
        else if (result.data) sink.next(result.data);
      },
      error: (error) => {
        if (Array.isArray(error)) sink.error(firstError(error as GraphQLErrorShape[]));
        else if (error instanceof CloseEvent) sink.error(closeError(error.code, error.reason));
        else sink.error(new GraphQLRequestError(error instanceof Error ? error.message : 'The live connection failed.', 'CONNECTION_FAILED'));
      },
      complete: () => {},
    },
  );
}

/** Closes the connections of tokens no longer in use (after signing out). */
export function closeConnections(): void {
  for (const client of clients.values()) void client.dispose();
  clients.clear();
}
