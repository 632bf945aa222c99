import { AuthError, ConfidentialClientApplication, LogLevel, ServerError } from '@azure/msal-node';
import { authorityMetadataFor, createMsalNetworkClient } from '../net/msal-network.js';
import { GraphError } from './graph-errors.js';

export interface AppCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface AppToken {
  accessToken: string;
  /** the application permissions granted with admin consent (the token's `roles` claim) */
  roles: string[];
  expiresOn: Date;
}

export interface AppTokenProvider {
  getToken(): Promise<AppToken>;
}

/** AADSTS numbers that mean an admin must act, with our codes (reference/microsoft-graph.md §1.4). */
const blockingSts: Record<string, string> = {
  '7000222': 'SECRET_EXPIRED',
  '7000215': 'SECRET_INVALID',
  '7000218': 'SECRET_INVALID',
  '90002': 'UNKNOWN_TENANT',
  '700016': 'UNKNOWN_CLIENT_ID',
};

function rolesOf(accessToken: string): string[] {
  try {
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * App-only tokens for one integration's app registration, from msal-node's client-credentials flow.
 * msal caches and renews the token; one instance per integration keeps the cache useful. Failures
 * become GraphErrors: a bad secret or tenant blocks the integration, an outage is retried.
 */
export function createAppTokenProvider(
  credentials: AppCredentials,
  options: { authorityHost: string; scope: string; fetch: typeof globalThis.fetch },
): AppTokenProvider {
  const authority = `${options.authorityHost}/${credentials.tenantId}`;
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      authority,
      knownAuthorities: [new URL(options.authorityHost).host],
      authorityMetadata: authorityMetadataFor(authority),
    },
    system: {
      networkClient: createMsalNetworkClient(options.fetch, { defaultTimeoutMs: 30_000 }),
      // msal's own logging could carry PII; ours says what matters
      loggerOptions: { loggerCallback: () => undefined, piiLoggingEnabled: false, logLevel: LogLevel.Error },
    },
  });
  return {
    async getToken() {
      try {
        const result = await cca.acquireTokenByClientCredential({ scopes: [options.scope] });
        if (!result?.accessToken) throw new GraphError('TOKEN_MISSING', 'Entra ID returned no access token', { retryable: true });
        return {
          accessToken: result.accessToken,
          roles: rolesOf(result.accessToken),
          expiresOn: result.expiresOn ?? new Date(Date.now() + 5 * 60_000),
        };
      } catch (err) {
        throw classifyTokenFailure(err, credentials.clientId);
      }
    },
  };
}

export function classifyTokenFailure(err: unknown, clientId: string): GraphError {
  if (err instanceof GraphError) return err;
  if (err instanceof ServerError) {
    const code = err.errorNo ? blockingSts[err.errorNo] : undefined;
    // error_description repeats trace ids; the first sentence is what an admin needs
    const description = `${err.errorCode}${err.errorNo ? ` AADSTS${err.errorNo}` : ''}: ${err.errorMessage.split(/ Trace ID:|\r?\n/)[0]}`;
    if (code) return new GraphError(code, `token request for app ${clientId} failed: ${description}`, { blocking: true, status: err.status, cause: err });
    const transient = err.status === undefined || err.status === 429 || err.status >= 500;
    return new GraphError(transient ? 'ENTRA_UNAVAILABLE' : 'MICROSOFT_API_ACCESS_DENIED', `token request for app ${clientId} failed: ${description}`, {
      retryable: transient,
      blocking: !transient,
      status: err.status,
      cause: err,
    });
  }
  if (err instanceof AuthError) {
    return new GraphError('ENTRA_UNAVAILABLE', `token request for app ${clientId} failed: ${err.errorCode}: ${err.errorMessage}`, {
      retryable: true,
      cause: err,
    });
  }
  return new GraphError('ENTRA_UNAVAILABLE', `token request for app ${clientId} failed: ${(err as Error).message}`, { retryable: true, cause: err });
}
