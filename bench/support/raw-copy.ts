import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createTlsTrust } from '../../api/src/net/tls-trust.js';

/**
 * The pipeline bench's baseline: the same bytes over the same emulator endpoints with nothing of the
 * app in between. One app-only token from the Entra emulator (client credentials), one
 * `GET {graph}/v1.0/users/{organizer}/onlineMeetings/{meeting}/recordings/{id}/content`, its body
 * cut into chunks of `chunkSize` and each POSTed, one at a time as the app does, to Kaltura's
 * `uploadToken.upload` as the multipart body kaltura-client sends (a `json` part with ks,
 * uploadTokenId, resume, resumeAt, finalChunk; a `fileData` part with the bytes). Plain fetch: no
 * store, queue, rate limiter, msal, Graph SDK or kaltura-client. The clock starts before the token
 * request and stops when the final chunk is acknowledged.
 *
 * Run as its own process (`RAW_COPY_JOB='{…}' node raw-copy.js`), so that it does not share an event
 * loop with the emulators, just as the app does not; prints one JSON line: {bytes, ms, uploadTokenId}.
 */
export interface RawCopyJob {
  entraUrl: string;
  graphUrl: string;
  kalturaUrl: string;
  caCertFile: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  organizerId: string;
  meetingId: string;
  recordingId: string;
  partnerId: number;
  adminSecret: string;
  chunkSize: number;
}

export interface RawCopyResult {
  bytes: number;
  ms: number;
  uploadTokenId: string;
}

export async function rawCopy(job: RawCopyJob): Promise<RawCopyResult> {
  const trust = createTlsTrust(await readFile(job.caCertFile, 'utf8'));
  try {
    // the Kaltura session and upload token are set up before the clock starts, as the app's are before its upload
    const ks = await kalturaCall<string>(trust.fetch, job.kalturaUrl, 'session', 'start', { secret: job.adminSecret, partnerId: job.partnerId, type: 2 });
    const token = await kalturaCall<{ id: string }>(trust.fetch, job.kalturaUrl, 'uploadtoken', 'add', { ks, uploadToken: { objectType: 'KalturaUploadToken', fileName: 'raw.mp4' } });

    const started = performance.now();
    const tokenRes = await trust.fetch(`${job.entraUrl}/${job.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: job.clientId, client_secret: job.clientSecret, scope: job.scope }).toString(),
    });
    const { access_token: accessToken } = (await tokenRes.json()) as { access_token?: string };
    if (!tokenRes.ok || !accessToken) throw new Error(`token request failed: HTTP ${tokenRes.status}`);
    const e = encodeURIComponent;
    const content = await trust.fetch(
      `${job.graphUrl}/v1.0/users/${e(job.organizerId)}/onlineMeetings/${e(job.meetingId)}/recordings/${e(job.recordingId)}/content`,
      { headers: { authorization: `Bearer ${accessToken}` } },
    );
    if (!content.ok || !content.body) throw new Error(`content download failed: HTTP ${content.status}`);
    const total = Number(content.headers.get('content-length'));

    const buffer = Buffer.allocUnsafe(job.chunkSize);
    let filled = 0;
    let position = 0;
    const send = async (final: boolean) => {
      await uploadChunk(trust.fetch, job.kalturaUrl, { ks, uploadTokenId: token.id, resume: position > 0, resumeAt: position, finalChunk: final }, buffer.subarray(0, filled));
      position += filled;
      filled = 0;
    };
    for await (const piece of content.body as unknown as AsyncIterable<Uint8Array>) {
      let data = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      while (data.length > 0) {
        const take = Math.min(job.chunkSize - filled, data.length);
        data.copy(buffer, filled, 0, take);
        filled += take;
        data = data.subarray(take);
        if (filled === job.chunkSize && position + filled < total) await send(false);
      }
    }
    await send(true);
    const ms = performance.now() - started;
    if (position !== total) throw new Error(`copied ${position} of ${total} bytes`);
    return { bytes: position, ms, uploadTokenId: token.id };
  } finally {
    await trust.dispatcher.close();
  }
}

async function kalturaCall<T>(fetchFn: typeof fetch, base: string, service: string, action: string, params: Record<string, unknown>): Promise<T> {
  const res = await fetchFn(`${base}/api_v3/service/${service}/action/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ format: 1, ...params }),
  });
  const body = (await res.json()) as T & { objectType?: string; message?: string };
  if (body && typeof body === 'object' && body.objectType === 'KalturaAPIException') throw new Error(`${service}.${action}: ${body.message}`);
  return body;
}

async function uploadChunk(fetchFn: typeof fetch, base: string, params: Record<string, unknown>, bytes: Buffer): Promise<void> {
  const boundary = `---------------------------raw${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `\r\n--${boundary}\r\nContent-Disposition: form-data; name="json"\r\n\r\n${JSON.stringify({ format: 1, ...params })}` +
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="fileData"; filename="chunk"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--`);
  const res = await fetchFn(`${base}/api_v3/service/uploadtoken/action/upload`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat([head, bytes, tail]),
  });
  const body = (await res.json()) as { objectType?: string; message?: string };
  if (!res.ok || body.objectType === 'KalturaAPIException') throw new Error(`uploadToken.upload at ${String(params.resumeAt)}: ${body.message ?? res.status}`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  rawCopy(JSON.parse(process.env.RAW_COPY_JOB ?? '{}') as RawCopyJob).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`raw copy failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
