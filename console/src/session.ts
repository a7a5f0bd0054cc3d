// The signed-in session: the bearer token lives in memory and in this tab's sessionStorage (same
// origin only, gone when the tab closes); never in a URL or localStorage. Sign-in methods plug in
// here: a pasted token, or the ID token of an OIDC provider's login (oidc.ts: code + PKCE).
import { useSyncExternalStore } from 'react';

const KEY = 'kubenova.token';

let token: string | null = read();
const listeners = new Set<() => void>();

function read(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function set(next: string | null): void {
  token = next;
  try {
    if (next === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, next);
  } catch {
    // Storage refused (private mode): the session lives in memory for this page only.
  }
  for (const l of listeners) l();
}

export const session = {
  token: (): string | null => token,
  signIn(pasted: string): void {
    set(pasted.trim().replace(/^Bearer\s+/i, ''));
  },
  signOut(): void {
    set(null);
  },
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

export function useToken(): string | null {
  return useSyncExternalStore(session.subscribe, session.token);
}

/** Where a provider sends the browser back after its login (oidc.ts), and the sessionStorage key
 *  of a login this tab started and has not finished. */
export const CALLBACK_PATH = '/ui/callback';
export const PENDING_LOGIN = 'kubenova.oidc.pending';

/** Whether this page load is the provider's redirect back with a login of this tab to finish. */
export function isCallback(): boolean {
  try {
    return window.location.pathname === CALLBACK_PATH && sessionStorage.getItem(PENDING_LOGIN) !== null;
  } catch {
    return false;
  }
}

/** An identity provider the sign-in page offers a login button for (`GET /api/v1/auth/providers`,
 *  when the server has it). */
export interface LoginProvider {
  name: string;
  issuer: string;
  clientId: string;
  scopes: string[];
}

/** The providers to offer; none when the server lists none or has no such route yet. */
export async function loginProviders(): Promise<LoginProvider[]> {
  try {
    const res = await fetch('/api/v1/auth/providers', { headers: { accept: 'application/json' } });
    if (!res.ok) return [];
    const body = (await res.json()) as { providers?: LoginProvider[] };
    return Array.isArray(body.providers) ? body.providers : [];
  } catch {
    return [];
  }
}
