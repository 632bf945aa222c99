import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/**
 * msal-node's network module on a given `fetch`, so token requests trust exactly the CAs the caller's
 * fetch trusts (tls-trust.ts) instead of the process defaults. msal parses the JSON body itself.
 */
export function fetchNetworkModule(fetchImpl: typeof globalThis.fetch): INetworkModule {
  const send = async <T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions, timeoutMs?: number): Promise<NetworkResponse<T>> => {
    const res = await fetchImpl(url, {
      method,
      headers: options?.headers,
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await res.text();
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      // an HTML error page from a proxy: give msal an error body it understands rather than a parse crash
      body = { error: 'invalid_response', error_description: `HTTP ${res.status} from the token endpoint was not JSON` } as T;
    }
    return { headers, body, status: res.status };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send(url, 'GET', options, timeout),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
}
