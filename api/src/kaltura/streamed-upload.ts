import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type kaltura from 'kaltura-client';
import { getGlobalDispatcher, request, type Dispatcher } from 'undici';

/**
 * Sends a kaltura-client file request (uploadToken.upload) without copying its file.
 *
 * kaltura-client builds a multipart body by copying the chunk twice (`new Buffer(data)`, then
 * `Buffer.concat`) before axios sends it: for every 8 MiB of media, 16 MiB more to allocate and
 * collect, which made garbage collection the app's largest CPU cost during an upload. Everything but
 * the body stays kaltura-client's: the request is built, signed and completed by it (its URL, its
 * `json` part with ks, clientTag and apiVersion, its success and error rules), only the bytes go out
 * here, as the parts themselves, over undici.
 */
export function withStreamedBody<T>(builder: kaltura.RequestBuilder<T>, dispatcher: Dispatcher | undefined, timeoutMs: number): kaltura.RequestBuilder<T> {
  const b = builder as unknown as InternalBuilder;
  b.doHttpRequest = (client) => {
    const json = b.getData(true);
    const files = b.getFiles() ?? {};
    // kaltura-client's headers minus its JSON Content-Type, which the multipart one replaces
    const headers = Object.fromEntries(Object.entries(b.getHeaders(client)).filter(([name]) => name.toLowerCase() !== 'content-type'));
    const crlf = '\r\n';
    const boundary = `---------------------------${randomBytes(12).toString('hex')}`;
    const delimiter = `${crlf}--${boundary}`;
    // the parts, in kaltura-client's own order and framing
    const parts: Buffer[] = [
      Buffer.from(`${delimiter}${crlf}Content-Disposition: form-data; name="json"${crlf}${crlf}`),
      Buffer.from(JSON.stringify(json, (_key, value: unknown) => (value === null ? undefined : value))),
    ];
    for (const [key, data] of Object.entries(files)) {
      if (!Buffer.isBuffer(data)) throw new TypeError(`streamed upload: file part ${key} must be a Buffer`);
      parts.push(
        Buffer.from(`${delimiter}${crlf}Content-Disposition: form-data; name="${key}"; filename="chunk"${crlf}Content-Type: application/octet-stream${crlf}${crlf}`),
        data,
      );
    }
    parts.push(Buffer.from(`${delimiter}--`));
    const length = parts.reduce((n, p) => n + p.length, 0);

    void send(b.getUrl(client), {
      ...headers,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(length),
    }).then(
      (outcome) => b.callback?.(outcome.ok, outcome.value),
      (err: unknown) => b.callback?.(false, err),
    );

    async function send(url: string, requestHeaders: Record<string, string>): Promise<{ ok: boolean; value: unknown }> {
      const response = await request(url, {
        method: 'POST',
        headers: requestHeaders,
        body: Readable.from(parts),
        dispatcher: dispatcher ?? getGlobalDispatcher(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      if (response.statusCode < 200 || response.statusCode >= 300) {
        // the shape kaltura-client's rejections have (an axios error), so failures classify the same
        return { ok: false, value: { message: `HTTP ${response.statusCode}`, response: { status: response.statusCode, headers: flatHeaders(response.headers) } } };
      }
      const value = parse(text);
      if (isObject(value) && value['code'] && value['message']) return { ok: false, value };
      const result = isObject(value) ? value['result'] : undefined;
      if (isObject(result) && isObject(result['error']) && result['error']['objectType'] === 'KalturaAPIException') return { ok: false, value };
      return { ok: true, value };
    }
  };
  return builder;
}

interface InternalBuilder {
  callback: ((success: boolean, result: unknown) => void) | null;
  doHttpRequest(client: kaltura.Client): void;
  getData(sign: boolean): Record<string, unknown>;
  getFiles(): Record<string, unknown> | null;
  getHeaders(client: kaltura.Client): Record<string, string>;
  getUrl(client: kaltura.Client): string;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // as axios leaves a body that is not JSON
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
