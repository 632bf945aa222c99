import { AppError, retryAfterMs } from '../errors.js';
import { accessGrants, type GraphAccess } from './graph-permissions.js';

/** A failure talking to Entra ID or Graph, classified for the pipeline (see AppError). */
export class GraphError extends AppError {}

/** Which access an operation needs: a 403 on it without a clearer reason means that access is missing. */
export type GraphPermissionArea = GraphAccess;

interface GraphErrorBody {
  error?: { code?: string; message?: string; innerError?: { code?: string; 'request-id'?: string } };
}

function parseBody(body: unknown): GraphErrorBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as GraphErrorBody;
    } catch {
      return {};
    }
  }
  return (body ?? {}) as GraphErrorBody;
}

/**
 * Turns a Graph HTTP failure into a GraphError with a stable code. `body` is the response body (the
 * error envelope, or GraphError.body from the SDK, which holds the inner `error` object).
 */
export function classifyGraphFailure(
  status: number,
  body: unknown,
  headers: { get(name: string): string | null } | undefined,
  area: GraphPermissionArea,
  what: string,
): GraphError {
  const parsed = parseBody(body);
  const err = parsed.error ?? (parsed as GraphErrorBody['error']) ?? {};
  const code = err?.code ?? '';
  const message = err?.message ?? '';
  const inner = err?.innerError?.code ?? '';
  const requestId = err?.innerError?.['request-id'] ?? headers?.get('request-id') ?? undefined;
  const detail = `${what}: Graph answered ${status}${code ? ` ${code}` : ''}${message ? ` "${message}"` : ''}${requestId ? ` (request-id ${requestId})` : ''}`;
  const opts = { status };

  if (status === 429 || status === 503 || status === 504 || status >= 500) {
    return new GraphError(status === 429 ? 'GRAPH_THROTTLED' : 'GRAPH_UNAVAILABLE', detail, {
      ...opts,
      retryable: true,
      retryAfterMs: retryAfterMs(headers?.get('retry-after')),
    });
  }
  if (status === 401) return new GraphError('GRAPH_TOKEN_REJECTED', detail, { ...opts, retryable: true });
  if (status === 402) return new GraphError('GRAPH_PAYMENT_REQUIRED', detail, { ...opts, blocking: true });
  if (status === 403) {
    if (inner === 'GraphAccessToTranscriptsDisabled' || /access to transcripts is disabled/i.test(message)) {
      return new GraphError('TRANSCRIPT_API_ACCESS_DISABLED', detail, { ...opts, blocking: true });
    }
    if (/application access policy/i.test(message) || /neither is allowed access through RSC/i.test(message)) {
      return new GraphError('APPLICATION_ACCESS_POLICY_MISSING', detail, { ...opts, blocking: true });
    }
    if (code === 'Authorization_RequestDenied' || /permission|privileges|scope|role/i.test(message) || message === '') {
      return new GraphError(accessGrants[area].code, detail, { ...opts, blocking: true });
    }
    return new GraphError('MICROSOFT_API_ACCESS_DENIED', detail, { ...opts, blocking: true });
  }
  if (status === 404) return new GraphError('GRAPH_NOT_FOUND', detail, opts);
  return new GraphError('GRAPH_REQUEST_FAILED', detail, opts);
}

/** A failure before any HTTP answer (DNS, TLS, reset): transient unless it is a certificate problem. */
export function classifyNetworkFailure(err: unknown, what: string): GraphError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const certificate = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(cause?.code ?? '');
  return new GraphError(certificate ? 'GRAPH_TLS_UNTRUSTED' : 'GRAPH_UNAVAILABLE', `${what}: ${(err as Error).message}${cause?.message ? ` (${cause.message})` : ''}`, {
    retryable: !certificate,
    blocking: certificate,
    cause: err,
  });
}
