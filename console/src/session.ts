import { signal } from '@preact/signals';
import { closeConnections, GraphQLRequestError, request } from './graphql.ts';
import { operations } from './operations.ts';

/** What the gateway says about itself at `/console-settings.json`. */
export interface ConsoleSettings {
  /** `development`: every request acts as the development identity; `token`: a JWT is required. */
  identity: 'development' | 'token';
}

export interface Claims {
  sub?: string;
  tenant_id?: string;
  roles?: string[];
  exp?: number;
}

// sessionStorage, never localStorage or a cookie: the token lives as long as the tab.
const TOKEN_KEY = 'judgify.token';

export const settings = signal<ConsoleSettings | undefined>(undefined);
export const token = signal<string | undefined>(sessionStorage.getItem(TOKEN_KEY) ?? undefined);

export async function loadSettings(): Promise<void> {
  const response = await fetch('/console-settings.json');
  if (!response.ok) throw new GraphQLRequestError(`The gateway did not describe itself (${response.status}).`, 'NETWORK_ERROR');
  settings.value = (await response.json()) as ConsoleSettings;
}

/** What a token says of its user, for display only: the gateway verifies it on every request. */
export function claimsOf(jwt: string): Claims | undefined {
  const [, payload] = jwt.split('.');
  if (!payload) return undefined;
  try {
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Claims;
  } catch {
    return undefined;
  }
}

/** Checks a pasted token against the gateway before keeping it; throws the gateway's reason when it is refused. */
export async function signIn(pasted: string): Promise<void> {
  const candidate = pasted.trim().replace(/^bearer\s+/i, '');
  await request(operations.signIn, {}, candidate);
  sessionStorage.setItem(TOKEN_KEY, candidate);
  token.value = candidate;
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  closeConnections();
  token.value = undefined;
}

/** A request refused for the token itself (expired, revoked): back to sign-in, saying why. */
export const signInReason = signal<string | undefined>(undefined);

export function forgetRefusedToken(error: unknown): void {
  if (error instanceof GraphQLRequestError && error.code === 'UNAUTHENTICATED' && settings.value?.identity === 'token') {
    signInReason.value = error.message;
    signOut();
  }
}
