import { AppError, retryAfterMs } from '../errors.js';

/** A failure talking to Kaltura, classified for the pipeline (see AppError). */
export class KalturaError extends AppError {}

/** Kaltura codes that mean the partner credentials are wrong: nothing works until an admin fixes them. */
const credentialCodes = new Set([
  'START_SESSION_ERROR',
  'INVALID_APP_TOKEN_HASH',
  'APP_TOKEN_ID_NOT_FOUND',
  'APP_TOKEN_NOT_ACTIVE',
  'APP_TOKEN_EXPIRED',
  'INVALID_WIDGET_ID',
  'INVALID_PARTNER_ID',
  'PARTNER_BLOCKED',
  'SERVICE_FORBIDDEN',
]);

/** Server-side hiccups worth retrying. */
const transientCodes = new Set(['INTERNAL_SERVERL_ERROR', 'INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE']);

interface ApiException {
  code: string;
  message: string;
  objectType: 'KalturaAPIException';
}

export function isApiException(value: unknown): value is ApiException {
  return typeof value === 'object' && value !== null && (value as { objectType?: unknown }).objectType === 'KalturaAPIException';
}

/**
 * kaltura-client rejects with a plain `KalturaAPIException` object (HTTP 200), or with an AxiosError
 * for transport failures; this turns either into a KalturaError with a stable code.
 */
export function classifyKalturaFailure(err: unknown, what: string): KalturaError {
  if (err instanceof KalturaError) return err;
  if (isApiException(err)) {
    const message = `${what}: Kaltura ${err.code}: ${err.message}`;
    if (credentialCodes.has(err.code)) return new KalturaError('KALTURA_CREDENTIALS_REJECTED', message, { blocking: true });
    if (err.code === 'INVALID_KS') return new KalturaError('KALTURA_SESSION_INVALID', message, { retryable: true });
    if (transientCodes.has(err.code)) return new KalturaError('KALTURA_UNAVAILABLE', message, { retryable: true });
    return new KalturaError(err.code, message);
  }
  const axios = err as { isAxiosError?: boolean; response?: { status?: number; headers?: Record<string, string> }; code?: string; message?: string };
  const status = axios.response?.status;
  if (status !== undefined) {
    const transient = status === 429 || status >= 500;
    return new KalturaError(transient ? 'KALTURA_UNAVAILABLE' : 'KALTURA_REQUEST_FAILED', `${what}: Kaltura answered HTTP ${status}`, {
      retryable: transient,
      status,
      retryAfterMs: retryAfterMs(axios.response?.headers?.['retry-after']),
    });
  }
  return new KalturaError('KALTURA_UNAVAILABLE', `${what}: ${axios.code ?? ''} ${axios.message ?? String(err)}`.trim(), { retryable: true, cause: err });
}
