import {
  ClientAuthError,
  ClientAuthErrorCodes,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';

type FetchFn = typeof globalThis.fetch;

/**
 * msal-node's network module over a given `fetch`, so token requests go through the app's own TLS
 * trust (system roots plus an explicitly configured CA: the sandbox's, or a corporate proxy's) instead
 * of msal's global fetch, and without NODE_EXTRA_CA_CERTS.
 *
 * It answers as msal's own HttpClient does (lower-case header names, parsed JSON body, status), with
 * one difference: a non-2xx answer whose body is not JSON (a proxy's HTML page, an empty 503) comes
 * back as an OAuth-style error body carrying the status, so msal raises a ServerError with `status`
 * set (and applies its Retry-After throttling) instead of a bare "token_parsing_error".
 */
export function createMsalNetworkClient(fetchFn: FetchFn, options: { defaultTimeoutMs?: number } = {}): INetworkModule {
  const send = async <T>(url: string, method: 'GET' | 'POST', opts?: NetworkRequestOptions, timeoutMs?: number): Promise<NetworkResponse<T>> => {
    const timeout = timeoutMs ?? options.defaultTimeoutMs;
    let response: Response;
    try {
      response = await fetchFn(url, {
        method,
        headers: opts?.headers ?? {},
        ...(method === 'POST' ? { body: opts?.body ?? '' } : {}),
        ...(timeout ? { signal: AbortSignal.timeout(timeout) } : {}),
      });
    } catch (err) {
      const aborted = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      // the cause (e.g. a TLS "unable to verify the first certificate") is what an operator needs
      const cause = err instanceof Error ? describeCause(err) : 'unknown';
      throw new ClientAuthError(
        ClientAuthErrorCodes.networkError,
        opts?.correlationId ?? '',
        aborted ? 'Request timeout' : `Network request failed: ${cause}`,
      );
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    const text = await response.text();
    return { headers, body: parseBody<T>(text, response, opts?.correlationId), status: response.status };
  };

  return {
    sendGetRequestAsync: <T>(url: string, opts?: NetworkRequestOptions, timeout?: number) => send<T>(url, 'GET', opts, timeout),
    sendPostRequestAsync: <T>(url: string, opts?: NetworkRequestOptions) => send<T>(url, 'POST', opts),
  };
}

function parseBody<T>(text: string, response: Response, correlationId: string | undefined): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    if (response.ok) {
      throw new ClientAuthError(
        ClientAuthErrorCodes.tokenParsingError,
        correlationId ?? '',
        `Failed to parse response: HTTP ${response.status} with ${response.headers.get('content-type') ?? 'no content type'}`,
      );
    }
    const contentType = response.headers.get('content-type') ?? 'no content type';
    return {
      error: response.status === 429 || response.status >= 500 ? 'temporarily_unavailable' : 'invalid_response',
      error_description: `HTTP ${response.status} ${response.statusText} from the identity provider, with a non-JSON body (${contentType}, ${text.length} bytes)`,
    } as T;
  }
}

function describeCause(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return `${err.message} (${cause.message})`;
  return err.message;
}

/**
 * msal's `authorityMetadata` for an authority such as `https://login.microsoftonline.com/<tenant>`,
 * built the way msal builds its hard-coded metadata for Microsoft's own hosts. Passing it makes msal
 * skip OpenID discovery for any host (a national cloud, the sandbox), so an unknown tenant surfaces
 * the same way everywhere: as the token endpoint's ServerError AADSTS90002, not as a ClientAuthError
 * "endpoints_resolution_error" (which says nothing about the tenant) from a failed discovery request.
 */
export function authorityMetadataFor(authority: string): string {
  const url = new URL(authority);
  const tenant = url.pathname.split('/').filter(Boolean)[0];
  if (!tenant) throw new TypeError(`authority ${authority} has no tenant segment`);
  const base = `${url.origin}/${tenant}`;
  return JSON.stringify({
    token_endpoint: `${base}/oauth2/v2.0/token`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    issuer: `${base}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
  });
}
