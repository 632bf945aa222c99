import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyError, type BodyBudget } from '../http/body-budget.js';
import { errorBody, httpStatusFor } from '../http/error-status.js';
import { ServiceError } from '../integrations/service-errors.js';

/** An admin request's body, whatever route: far above any integration, small enough to refuse a flood. */
export const ADMIN_MAX_BODY_BYTES = 64 * 1024;

/** Admin answers hold tenants' settings: never kept by a browser or a proxy. */
const BASE_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  if (body === undefined) {
    res.writeHead(status, { ...BASE_HEADERS, ...headers });
    res.end();
    return;
  }
  res.writeHead(status, { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, { ...BASE_HEADERS, ...headers });
  res.end(body);
}

/**
 * The one error answer of the admin API: `{"error":{code,message,field?}}` with the status the code
 * maps to; `Retry-After` when the refusal says when to come back; the connection closes when the body
 * was left unread, so nothing goes on draining it.
 */
export function sendError(res: ServerResponse, err: unknown, options: { bodyUnread?: boolean } = {}): void {
  const status = httpStatusFor(err);
  const headers: Record<string, string> = {};
  const e = err as { retryAfterMs?: unknown; retryAfterSeconds?: unknown };
  if (typeof e?.retryAfterSeconds === 'number') headers['retry-after'] = String(e.retryAfterSeconds);
  else if (typeof e?.retryAfterMs === 'number' && status === 503) headers['retry-after'] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  if (options.bodyUnread) headers.connection = 'close';
  sendJson(res, status, errorBody(err), headers);
}

/** A refusal of the request itself (not of what it asks the service), naming what is at fault. */
export const requestError = {
  notJson: () => new ServiceError('UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON, sent with Content-Type: application/json.', { field: 'body' }),
  badJson: (why: string) => new ServiceError('BODY_INVALID', `The body is not valid JSON: ${why}`, { field: 'body' }),
  route: (method: string, path: string) => new ServiceError('ROUTE_NOT_FOUND', `There is no ${method} ${path} in the admin API.`),
};

/** True when the request's declared media type is JSON (`application/json`, any parameters, or `+json`). */
export function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
}

/**
 * The JSON body, read through the shared body budget (never restify's bodyParser, which buffers any
 * size). An empty body reads as undefined; BodyErrors (413, 408, 503) keep their code and say "body".
 */
export async function readJsonBody(req: IncomingMessage, bodies: BodyBudget): Promise<unknown> {
  const declared = req.headers['content-length'];
  const hasBody = (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !isJson(req.headers['content-type'])) throw requestError.notJson();
  let raw: Buffer;
  try {
    raw = await bodies.readBody(req, { maxBytes: ADMIN_MAX_BODY_BYTES });
  } catch (err) {
    if (err instanceof BodyError) {
      throw Object.assign(new ServiceError(err.code, `The body was refused: ${err.message}.`, { field: 'body', cause: err }), {
        retryAfterSeconds: err.retryAfterSeconds,
      });
    }
    throw err;
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw requestError.badJson((err as Error).message);
  }
}

/** One query parameter: absent → undefined; given twice → refused, so what is applied is never a guess. */
export function queryParam(query: URLSearchParams, name: string): string | undefined {
  const all = query.getAll(name);
  if (all.length > 1) throw new ServiceError('INVALID_INPUT', `${name}: give it once`, { field: name });
  return all[0];
}
