import { CodedError } from '../../api/src/errors.js';
import type { ConfigurationBotFrameworkAuthentication } from 'botbuilder';

/** `connectorClientOptions.httpClient` as botbuilder types it (a core-http-compat RequestPolicy). */
export type ConnectorHttpClient = NonNullable<
  NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[4]>['httpClient']
>;

/** The parts of core-http-compat's WebResourceLike this client reads. */
interface CompatRequest {
  url: string;
  method: string;
  headers: { toJson(options?: { preserveCase?: boolean }): Record<string, string> };
  body?: unknown;
  timeout?: number;
  abortSignal?: { aborted: boolean; addEventListener(type: 'abort', listener: () => void): void };
}

/**
 * The connector's HTTP transport on a given `fetch`. botbuilder's ConnectorClient otherwise uses
 * @azure/core-rest-pipeline's own agent, which cannot be told about an extra CA; this keeps TLS
 * verification on and trusts what the caller's fetch trusts. Retries stay with botbuilder's pipeline,
 * which honours Retry-After; transport failures carry the system error code that pipeline retries on.
 */
export function fetchConnectorHttpClient(fetchImpl: typeof globalThis.fetch, defaultTimeoutMs = 30_000): ConnectorHttpClient {
  const client = {
    async sendRequest(request: CompatRequest) {
      const signal = combineSignals(request.abortSignal, request.timeout || defaultTimeoutMs);
      let res: Response;
      try {
        res = await fetchImpl(request.url, {
          method: request.method,
          headers: request.headers.toJson({ preserveCase: true }),
          body: typeof request.body === 'string' ? request.body : request.body == null ? undefined : JSON.stringify(request.body),
          signal,
        });
      } catch (err) {
        throw new ConnectorTransportError(err);
      }
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        headers[key] = value;
      });
      return {
        request,
        status: res.status,
        headers: compatHeaders(headers),
        bodyAsText: await res.text(),
      };
    },
  };
  // structurally a RequestPolicy: the compat layer only calls sendRequest and reads these fields
  return client as unknown as ConnectorHttpClient;
}

/** A request that never got an HTTP answer. `code` is the system error (ECONNRESET, ...) when known. */
export class ConnectorTransportError extends CodedError {
  readonly code: string;
  constructor(cause: unknown) {
    const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
    const name = (cause as Error)?.name;
    super(`Bot Connector request failed: ${inner?.message ?? (cause as Error)?.message ?? String(cause)}`, { cause });
    this.code = inner?.code ?? (name === 'TimeoutError' || name === 'AbortError' ? 'ETIMEDOUT' : 'CONNECTOR_TRANSPORT');
  }
}

function combineSignals(outer: CompatRequest['abortSignal'], timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  if (!outer) return timeout;
  const controller = new AbortController();
  if (outer.aborted) controller.abort();
  outer.addEventListener('abort', () => controller.abort());
  return AbortSignal.any([controller.signal, timeout]);
}

function compatHeaders(raw: Record<string, string>) {
  const map = new Map(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
  return {
    get: (name: string) => map.get(name.toLowerCase())?.value,
    contains: (name: string) => map.has(name.toLowerCase()),
    set: (name: string, value: string | number) => void map.set(name.toLowerCase(), { name, value: String(value) }),
    remove: (name: string) => map.delete(name.toLowerCase()),
    rawHeaders: () => Object.fromEntries([...map.values()].map((h) => [h.name.toLowerCase(), h.value])),
    headersArray: () => [...map.values()],
    headerNames: () => [...map.values()].map((h) => h.name),
    headerValues: () => [...map.values()].map((h) => h.value),
    toJson: (options?: { preserveCase?: boolean }) =>
      Object.fromEntries([...map.values()].map((h) => [options?.preserveCase ? h.name : h.name.toLowerCase(), h.value])),
    clone: () => compatHeaders(raw),
  };
}
