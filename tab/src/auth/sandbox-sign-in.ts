import type { ClientConfig } from '../api/types';

/**
 * Sign-in outside Teams (the sandbox): authorization code + PKCE (S256) against the configured
 * authority (the emulated Entra ID), the access token kept in sessionStorage with its expiry.
 */

const TOKEN_KEY = 'archiver.tab.token';
const PENDING_KEY = 'archiver.tab.pkce';
/** a token this close to its expiry counts as expired */
const EXPIRY_MARGIN_MS = 60_000;

interface StoredToken {
  accessToken: string;
  expiresAt: number;
}

interface PendingSignIn {
  state: string;
  verifier: string;
  /** the query and hash to restore after the redirect (e.g. ?theme=dark) */
  returnTo: string;
}

export function redirectUri(): string {
  return `${window.location.origin}/tab/`;
}

function tenantSegment(config: ClientConfig): string {
  return config.tenantId ?? 'organizations';
}

function authorityBase(config: ClientConfig): string {
  return config.authority.replace(/\/+$/, '');
}

function scopes(config: ClientConfig): string {
  return [config.scope, 'openid', 'profile'].filter(Boolean).join(' ');
}

export function storedToken(): string | undefined {
  const raw = sessionStorage.getItem(TOKEN_KEY);
  if (!raw) return undefined;
  try {
    const t = JSON.parse(raw) as StoredToken;
    if (typeof t.accessToken === 'string' && typeof t.expiresAt === 'number' && t.expiresAt - EXPIRY_MARGIN_MS > Date.now()) {
      return t.accessToken;
    }
  } catch {
    /* fall through */
  }
  sessionStorage.removeItem(TOKEN_KEY);
  return undefined;
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Redirects the page to the authority's sign-in page. */
export async function startSignIn(config: ClientConfig): Promise<void> {
  const verifier = randomString(64);
  const state = randomString(32);
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const pending: PendingSignIn = { state, verifier, returnTo: `${window.location.search}${window.location.hash}` };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const q = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'code',
    redirect_uri: redirectUri(),
    response_mode: 'query',
    scope: scopes(config),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  window.location.assign(`${authorityBase(config)}/${tenantSegment(config)}/oauth2/v2.0/authorize?${q.toString()}`);
}

/** True when the page was opened by the authority's redirect (a `code` or an `error` in the query). */
export function isSignInRedirect(): boolean {
  const q = new URLSearchParams(window.location.search);
  return q.has('state') && (q.has('code') || q.has('error'));
}

/**
 * Finishes a sign-in redirect: checks the state, redeems the code with the verifier and stores the
 * token; then restores the URL the sign-in started from. Throws with the authority's message.
 */
export async function completeSignIn(config: ClientConfig): Promise<void> {
  const q = new URLSearchParams(window.location.search);
  const pendingRaw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const pending = pendingRaw ? (JSON.parse(pendingRaw) as PendingSignIn) : undefined;
  const restore = () => window.history.replaceState(null, '', `${window.location.pathname}${pending?.returnTo ?? ''}`);
  try {
    if (q.has('error')) {
      throw new Error(`Sign-in failed: ${q.get('error_description') ?? q.get('error')}`);
    }
    if (!pending || pending.state !== q.get('state')) throw new Error('Sign-in failed: the answer does not match the request. Sign in again.');
    const body = new URLSearchParams({
      client_id: config.clientId,
      grant_type: 'authorization_code',
      code: q.get('code') ?? '',
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
      scope: scopes(config),
    });
    let res: Response;
    try {
      res = await fetch(`${authorityBase(config)}/${tenantSegment(config)}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
      });
    } catch (e) {
      throw new Error(`Sign-in failed: the sign-in service could not be reached (${e instanceof Error ? e.message : String(e)}).`);
    }
    const answer = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number | string;
      error?: string;
      error_description?: string;
    };
    if (!res.ok || !answer.access_token) {
      throw new Error(`Sign-in failed: ${answer.error_description ?? answer.error ?? `${res.status}`}`);
    }
    const expiresIn = Number(answer.expires_in ?? 3600);
    const expiresAt = Math.min(Date.now() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000, jwtExpiry(answer.access_token) ?? Infinity);
    const stored: StoredToken = { accessToken: answer.access_token, expiresAt };
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(stored));
  } finally {
    restore();
  }
}

function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof json.exp === 'number' ? json.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function randomString(bytes: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
