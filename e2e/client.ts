import { SignJWT } from 'jose';
import { exampleWorkflowDefinition } from '@judgify/runtime/testing';
import type { Identity } from '@judgify/runtime/identity';

export interface GraphQLResult {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; extensions?: Record<string, any> }>;
  };
}

export function signToken(identity: Identity, secret: string, expiresIn = '5m'): Promise<string> {
  return new SignJWT({ tenant_id: identity.tenantId, roles: identity.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.userId)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** POSTs an operation the way a frontend would, over real HTTP. */
export async function graphql(
  url: string,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResult> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResult['body'] };
}

/** Creates a workflow with the spec's example definition through the gateway; returns its id. */
export async function createExampleWorkflow(url: string, token: string, name: string): Promise<string> {
  const created = await graphql(url, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
    token,
    variables: { input: { name, definition: exampleWorkflowDefinition } },
  });
  const id = created.body.data?.createWorkflow?.id as string | undefined;
  if (!id) throw new Error(`createWorkflow failed: ${JSON.stringify(created.body.errors)}`);
  return id;
}

/** The sum of graphql_subscriptions_active over the series with the given label, as a process's /metrics reports it. */
async function activeSubscriptions(processUrl: string, label: string): Promise<number> {
  const metrics = await (await fetch(`${processUrl}/metrics`)).text();
  const series = metrics.matchAll(new RegExp(`^graphql_subscriptions_active\\{[^}]*${label}[^}]*\\} (\\d+)$`, 'gm'));
  return [...series].reduce((sum, [, count]) => sum + Number(count), 0);
}

/** Open upstream subscriptions from the gateway to a subgraph. */
export const upstreamsOf = (gatewayUrl: string, subgraph: string) => activeSubscriptions(gatewayUrl, `subgraph="${subgraph}"`);

/** Subscriptions a subgraph serves to gateways for one root field. */
export const subgraphSubscriptions = (subgraphUrl: string, field: string) => activeSubscriptions(subgraphUrl, `field="${field}"`);
