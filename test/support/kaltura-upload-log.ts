import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One `uploadToken.upload` call as the app sent it: the parameters from its multipart `json` part. */
export interface UploadCall {
  /** Date.now() when the request arrived */
  at: number;
  uploadTokenId: string | null;
  resume: boolean | null;
  resumeAt: number | null;
  finalChunk: boolean | null;
  /** bytes of the whole request body (multipart framing + json + the chunk) */
  bodyBytes: number;
  /** the emulator's HTTP status, or null when the caller went away before an answer */
  status: number | null;
}

export interface KalturaUploadLog {
  /** point the app here instead of at the Kaltura emulator */
  url: string;
  uploads: UploadCall[];
  close(): Promise<void>;
}

const UPLOAD_PATH = /\/service\/uploadtoken\/action\/upload\b/i;
const PEEK_BYTES = 64 * 1024;

/**
 * A pass-through loopback proxy in front of the Kaltura emulator that records the parameters of every
 * upload call (the emulator's own request log has only method, path and query; kaltura-client puts
 * `resume`, `resumeAt` and `finalChunk` in the multipart body). Bodies are streamed through untouched;
 * only the first 64 KiB of an upload are looked at, where kaltura-client writes its `json` part.
 * When the caller dies mid-request, the upstream request is torn down too, as a socket close would.
 */
export async function startKalturaUploadLog(target: string): Promise<KalturaUploadLog> {
  const upstream = new URL(target);
  const uploads: UploadCall[] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isUpload = req.method === 'POST' && UPLOAD_PATH.test(req.url ?? '');
    const call: UploadCall | undefined = isUpload
      ? { at: Date.now(), uploadTokenId: null, resume: null, resumeAt: null, finalChunk: null, bodyBytes: 0, status: null }
      : undefined;
    if (call) uploads.push(call);
    let head = Buffer.alloc(0);

    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (call) call.status = answer.statusCode ?? null;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      if (call) {
        call.bodyBytes += chunk.length;
        if (head.length < PEEK_BYTES) {
          head = Buffer.concat([head, chunk.subarray(0, PEEK_BYTES - head.length)]);
          readParams(head, call);
        }
      }
    });
    req.on('aborted', () => out.destroy());
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    uploads,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** kaltura-client's multipart: `name="json"\r\n\r\n{…}\r\n--boundary`; fills the call once the part is complete. */
function readParams(head: Buffer, call: UploadCall): void {
  if (call.uploadTokenId !== null) return;
  const text = head.toString('latin1');
  const start = text.indexOf('name="json"');
  if (start < 0) return;
  const bodyStart = text.indexOf('\r\n\r\n', start);
  if (bodyStart < 0) return;
  const end = text.indexOf('\r\n--', bodyStart + 4);
  if (end < 0) return;
  try {
    const json = JSON.parse(text.slice(bodyStart + 4, end)) as Record<string, unknown>;
    call.uploadTokenId = typeof json.uploadTokenId === 'string' ? json.uploadTokenId : null;
    call.resume = typeof json.resume === 'boolean' ? json.resume : null;
    call.resumeAt = typeof json.resumeAt === 'number' ? json.resumeAt : json.resumeAt !== undefined ? Number(json.resumeAt) : null;
    call.finalChunk = typeof json.finalChunk === 'boolean' ? json.finalChunk : null;
  } catch {
    // not kaltura-client's shape: leave the parameters unknown, which the test's assertions will show
  }
}
