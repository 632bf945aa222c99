import { CodedError } from '../errors.js';

/**
 * The one map from an error's code to the HTTP status an API answers with. Anything not listed is a
 * 500: an error the app did not mean to raise. (Whether a job retries is decided elsewhere, in one
 * place too: queue/failure.ts.)
 */
const STATUS: Record<string, number> = {
  // input
  INVALID_INPUT: 400,
  BODY_INVALID: 400,
  STORE_INVALID_INPUT: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BODY_TIMEOUT: 408,
  // who is asking
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  // what is asked for
  ROUTE_NOT_FOUND: 404,
  INTEGRATION_NOT_FOUND: 404,
  RECORDING_NOT_FOUND: 404,
  STORE_NOT_FOUND: 404,
  INTEGRATION_CHANGED: 409,
  STORE_VERSION_CONFLICT: 409,
  INTEGRATION_ENABLED: 409,
  INTEGRATION_DISABLED: 409,
  INTEGRATION_NAME_TAKEN: 409,
  RECORDING_NOT_RETRYABLE: 409,
  QUEUE_INVALID_STATE: 409,
  // a secret or identifier Entra ID refused: the request was understood, its content is wrong
  SECRET_INVALID: 422,
  SECRET_EXPIRED: 422,
  UNKNOWN_TENANT: 422,
  UNKNOWN_CLIENT_ID: 422,
  SECRET_REJECTED: 422,
  // the integration's own credentials or permissions cannot do it (the editor's lookups)
  MISSING_GROUP_PERMISSION: 422,
  MISSING_TEAMS_APP_INSTALL_PERMISSION: 422,
  MISSING_APP_CATALOG_PERMISSION: 422,
  MISSING_USER_PERMISSION: 422,
  MICROSOFT_API_ACCESS_DENIED: 422,
  GRAPH_PAYMENT_REQUIRED: 422,
  KALTURA_CREDENTIALS_REJECTED: 422,
  INTEGRATION_SETTINGS_INVALID: 422,
  // Graph or Kaltura failed or answered something unusable
  GRAPH_TOKEN_REJECTED: 502,
  GRAPH_TLS_UNTRUSTED: 502,
  GRAPH_REQUEST_FAILED: 502,
  KALTURA_SESSION_INVALID: 502,
  KALTURA_BAD_RESPONSE: 502,
  KALTURA_REQUEST_FAILED: 502,
  // Graph or Kaltura cannot take it now
  GRAPH_THROTTLED: 503,
  GRAPH_UNAVAILABLE: 503,
  KALTURA_UNAVAILABLE: 503,
  // this instance cannot take it now
  SERVER_BUSY: 503,
  NOTIFICATIONS_NOT_QUEUED: 503,
  STORE_CONTENTION: 503,
};

export function httpStatusFor(err: unknown): number {
  const code = err instanceof CodedError ? err.code : undefined;
  return (code !== undefined ? STATUS[code] : undefined) ?? 500;
}

/**
 * The JSON body of an error answer, `{"error":{"code","message","field"?}}`. A 500's own message is
 * not shown (it may describe internals); its code is.
 */
export function errorBody(err: unknown): { error: { code: string; message: string; field?: string } } {
  const status = httpStatusFor(err);
  const e = err as { code?: unknown; message?: unknown; field?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'INTERNAL_ERROR';
  if (status === 500) return { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; the details are in the log.' } };
  return { error: { code, message: String(e.message ?? code), ...(typeof e.field === 'string' ? { field: e.field } : {}) } };
}
