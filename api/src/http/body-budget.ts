import { CodedError } from '../errors.js';
import { httpStatusFor } from './error-status.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One budget for the bytes every in-flight request body may hold in memory, shared by every route that
 * reads a body. Without it, memory grows with the number of clients that start a body and never finish
 * it (600 such sockets once took the app from 135 to 748 MB). A body with a Content-Length reserves
 * all of it before a byte is read, so a slow sender holds no more than it declared and a body that
 * could never fit is refused at once; a chunked body reserves as it arrives.
 */
export interface BodyLimits {
  /** bytes all in-flight bodies together may hold */
  budgetBytes: number;
  /** a body that sends nothing for this long is answered 408 */
  idleTimeoutMs: number;
  /** a body not complete this long after reading began is answered 408 */
  timeoutMs: number;
}

export interface BodyBudget {
  /** the whole body, or a BodyError saying how to answer */
  readBody(req: IncomingMessage, options: { maxBytes: number }): Promise<Buffer>;
  /** bytes reserved now */
  reserved(): number;
}

/** a client told to come back once others' bodies are done; short, since bodies are small and quick */
const RETRY_AFTER_SECONDS = 5;

export type BodyErrorCode = 'BODY_INVALID' | 'BODY_TIMEOUT' | 'BODY_TOO_LARGE' | 'SERVER_BUSY';

export class BodyError extends CodedError {
  constructor(
    readonly code: BodyErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get status(): number {
    return httpStatusFor(this);
  }
}

function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  return /^\d{1,15}$/.test(header) ? Number(header) : Number.NaN;
}

export function createBodyBudget(limits: BodyLimits): BodyBudget {
  let reserved = 0;
  const take = (bytes: number): boolean => {
    if (reserved + bytes > limits.budgetBytes) return false;
    reserved += bytes;
    return true;
  };

  const readBody = (req: IncomingMessage, { maxBytes }: { maxBytes: number }): Promise<Buffer> =>
    new Promise<Buffer>((resolve, reject) => {
      const declared = declaredLength(req);
      if (Number.isNaN(declared)) return reject(new BodyError('BODY_INVALID', 'invalid Content-Length'));
      if (declared !== undefined && declared > maxBytes) return reject(new BodyError('BODY_TOO_LARGE', `body larger than ${maxBytes} bytes`));
      if (declared !== undefined && !take(declared)) {
        return reject(new BodyError('SERVER_BUSY', 'too many request bodies in flight', RETRY_AFTER_SECONDS));
      }
      let held = declared ?? 0;
      let size = 0;
      const chunks: Buffer[] = [];
      let idle: NodeJS.Timeout | undefined;
      const total = setTimeout(() => finish(new BodyError('BODY_TIMEOUT', 'request body not complete in time')), limits.timeoutMs);
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => finish(new BodyError('BODY_TIMEOUT', 'request body stalled')), limits.idleTimeoutMs);
      };

      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return finish(new BodyError('BODY_TOO_LARGE', `body larger than ${maxBytes} bytes`));
        if (declared === undefined) {
          if (!take(chunk.length)) return finish(new BodyError('SERVER_BUSY', 'too many request bodies in flight', RETRY_AFTER_SECONDS));
          held += chunk.length;
        }
        chunks.push(chunk);
        armIdle();
      };
      const onEnd = () => finish(undefined, Buffer.concat(chunks, size));
      const onGone = () => finish(new BodyError('BODY_INVALID', 'request body aborted'));
      const onError = () => finish(new BodyError('BODY_INVALID', 'request body could not be read'));

      let done = false;
      function finish(err: BodyError | undefined, body?: Buffer) {
        if (done) return;
        done = true;
        clearTimeout(total);
        clearTimeout(idle);
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('aborted', onGone);
        req.off('close', onGone);
        req.off('error', onError);
        reserved -= held;
        held = 0;
        chunks.length = 0;
        // stop pulling an unwanted body off the socket; the answer closes the connection
        if (err) req.pause();
        if (err) reject(err);
        else resolve(body!);
      }

      req.on('data', onData);
      req.once('end', onEnd);
      req.once('aborted', onGone);
      req.once('close', onGone);
      req.once('error', onError);
      armIdle();
    });

  return { readBody, reserved: () => reserved };
}

/**
 * Answers a body that was refused. The connection is closed after the answer so that nothing goes on
 * reading (or draining) a body nobody wants.
 */
export function sendBodyError(res: ServerResponse, err: BodyError): void {
  if (res.headersSent || res.writableEnded) return;
  const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close' };
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  res.writeHead(err.status, headers);
  res.end(JSON.stringify({ error: err.message }));
}
