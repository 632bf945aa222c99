import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';

/**
 * Outbound HTTPS that trusts the system roots plus, when configured, one extra CA (the sandbox's, or a
 * corporate proxy's). Passed explicitly to every client that needs it; TLS verification stays on.
 */
export interface TlsTrust {
  dispatcher: Dispatcher;
  httpsAgent: HttpsAgent;
  fetch: typeof globalThis.fetch;
}

export function createTlsTrust(extraCaPem?: string): TlsTrust {
  const ca = extraCaPem ? [...rootCertificates, extraCaPem] : undefined;
  const dispatcher = new Agent({ connect: ca ? { ca } : {}, keepAliveTimeout: 10_000 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, ...(ca ? { ca } : {}) });
  const boundFetch = ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
  return { dispatcher, httpsAgent, fetch: boundFetch };
}
