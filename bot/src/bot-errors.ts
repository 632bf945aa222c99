import { AuthError, ServerError } from '@azure/msal-node';
import { CodedError } from '../../api/src/errors.js';
import { ConnectorTransportError } from './connector-http-client.js';

/** The bot's configuration cannot work (missing ids, wrong tenant for the app type, ...). */
export class BotConfigError extends CodedError {
  readonly code = 'BOT_CONFIG_INVALID';
}

export type BotSendErrorCode =
  /** the token endpoint refused the bot's credentials (wrong id/secret/tenant) */
  | 'BOT_AUTH_FAILED'
  /** the connector refused the bot's token or does not know the bot (401) */
  | 'BOT_UNAUTHORIZED'
  /** the person cannot be messaged: app not installed for them, blocked, disabled by the admin (403) */
  | 'BOT_USER_UNREACHABLE'
  /** a stored conversation is gone (404) */
  | 'BOT_CONVERSATION_NOT_FOUND'
  /** 429 after botbuilder's own retries */
  | 'BOT_THROTTLED'
  /** 408, 412, any 5xx, token endpoint outages, network failures: worth retrying later */
  | 'BOT_TRANSIENT'
  /** the connector rejected the request itself (400, 413, ...) */
  | 'BOT_REJECTED';

const RETRYABLE: ReadonlySet<BotSendErrorCode> = new Set(['BOT_THROTTLED', 'BOT_TRANSIENT']);

/**
 * Sending a proactive message failed. `code` says what to do about it; `status` and `connectorCode`
 * are the service's own (e.g. 403 ConversationBlockedByUser); `retryAfterMs` comes from Retry-After.
 */
export class BotSendError extends CodedError {
  readonly retryable: boolean;
  /** the connector's Retry-After, where the job queue (queue/failure.ts) reads it */
  readonly retryAfterMs?: number;
  constructor(
    readonly code: BotSendErrorCode,
    message: string,
    readonly details: { status?: number; connectorCode?: string; retryAfterMs?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = RETRYABLE.has(code);
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

interface RestErrorLike {
  name: string;
  message: string;
  statusCode?: number;
  code?: string;
  response?: { headers: { get(name: string): string | undefined } };
}

/** Maps what botbuilder, its HTTP pipeline or msal-node threw onto a BotSendError. */
export function toBotSendError(err: unknown): BotSendError | BotConfigError {
  if (err instanceof BotSendError || err instanceof BotConfigError) return err;
  if (err instanceof AuthError) return fromMsal(err);
  if (err instanceof ConnectorTransportError) {
    return new BotSendError('BOT_TRANSIENT', err.message, {}, { cause: err });
  }
  const rest = err as RestErrorLike;
  if (rest && rest.name === 'RestError' && typeof rest.statusCode === 'number') return fromConnector(rest);
  if (rest && rest.name === 'RestError') {
    // core-rest-pipeline's own transport errors carry no status
    return new BotSendError('BOT_TRANSIENT', `Bot Connector request failed: ${rest.message}`, {}, { cause: err });
  }
  return new BotSendError('BOT_REJECTED', `Sending the bot message failed: ${(err as Error)?.message ?? String(err)}`, {}, { cause: err });
}

function fromConnector(err: RestErrorLike): BotSendError {
  const status = err.statusCode!;
  const details = {
    status,
    ...(err.code && err.code !== 'REQUEST_SEND_ERROR' ? { connectorCode: err.code } : {}),
    ...retryAfter(err.response?.headers.get('retry-after')),
  };
  const message = `Bot Connector answered ${status}${details.connectorCode ? ` ${details.connectorCode}` : ''}: ${err.message}`;
  const code: BotSendErrorCode =
    status === 401
      ? 'BOT_UNAUTHORIZED'
      : status === 403
        ? 'BOT_USER_UNREACHABLE'
        : status === 404
          ? 'BOT_CONVERSATION_NOT_FOUND'
          : status === 429
            ? 'BOT_THROTTLED'
            : status === 412 || status === 408 || status >= 500
              ? 'BOT_TRANSIENT'
              : 'BOT_REJECTED';
  return new BotSendError(code, message, details, { cause: err });
}

function fromMsal(err: AuthError): BotSendError | BotConfigError {
  if (err instanceof ServerError) {
    const status = err.status;
    const transient = status === undefined || status === 429 || status >= 500;
    return new BotSendError(
      transient ? 'BOT_TRANSIENT' : 'BOT_AUTH_FAILED',
      `The token endpoint refused the bot's credentials: ${err.errorCode}${err.errorNo ? ` (AADSTS${err.errorNo})` : ''}`,
      { ...(status !== undefined ? { status } : {}) },
      { cause: err },
    );
  }
  if (err.errorCode === 'network_error' || err.errorCode === 'endpoints_resolution_error') {
    return new BotSendError('BOT_TRANSIENT', `The token endpoint could not be reached: ${err.errorMessage}`, {}, { cause: err });
  }
  return new BotConfigError(`msal-node rejected the bot's configuration: ${err.errorCode} ${err.errorMessage}`);
}

function retryAfter(value: string | undefined): { retryAfterMs?: number } {
  if (!value) return {};
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return { retryAfterMs: Math.max(0, seconds * 1000) };
  const date = Date.parse(value);
  return Number.isFinite(date) ? { retryAfterMs: Math.max(0, date - Date.now()) } : {};
}
