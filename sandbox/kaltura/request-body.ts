import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { EmulatorRequest } from '../emulator/router.js';
import { isObject, type Params } from './params.js';

/** A `fileData` part, already on disk; `hash` has seen every byte and is not yet digested. */
export interface SpooledFile {
  path: string;
  size: number;
  filename: string;
  hash: Hash;
}

export interface ApiRequest {
  params: Params;
  /** keyed by part name: `fileData`, or `<i>:fileData` inside a multirequest */
  files: Map<string, SpooledFile>;
  /** removes spooled files nobody moved away */
  discard(): Promise<void>;
}

const MAX_FIELD = 32 * 1024 * 1024;

/**
 * Reads a request the way `infraRequestUtils::getRequestParams` does: query string, then path pairs
 * (`/ks/abc/...`), then the body: JSON only when Content-Type is application/json and the body is
 * `{...}`; multipart with a `json` field (what kaltura-client sends) or plain form fields with
 * `a:b` nesting; file parts are streamed to disk, never buffered, whatever their size.
 */
export async function readApiRequest(req: EmulatorRequest, tmpDir: string, pathPairs: string[] = []): Promise<ApiRequest> {
  const params: Params = {};
  for (const [k, v] of req.query) setFlat(params, k, v);
  for (let i = 0; i + 1 < pathPairs.length; i += 2) setFlat(params, pathPairs[i] as string, pathPairs[i + 1] as string);

  const files = new Map<string, SpooledFile>();
  const discard = async (): Promise<void> => {
    await Promise.all([...files.values()].map((f) => rm(f.path, { force: true })));
  };
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();

  if (contentType.startsWith('multipart/form-data')) {
    try {
      await readMultipart(req, tmpDir, params, files);
    } catch (err) {
      await discard();
      throw err;
    }
    return { params, files, discard };
  }

  if (req.method === 'POST' || req.method === 'PUT') {
    const text = (await req.body()).toString('utf8').trim();
    if (contentType.startsWith('application/json') && text.startsWith('{') && text.endsWith('}')) {
      const json: unknown = JSON.parse(text);
      if (isObject(json)) Object.assign(params, json);
    } else if (text) {
      for (const [k, v] of new URLSearchParams(text)) setFlat(params, k, v);
    }
  }
  return { params, files, discard };
}

async function readMultipart(req: EmulatorRequest, tmpDir: string, params: Params, files: Map<string, SpooledFile>): Promise<void> {
  const writes: Array<Promise<void>> = [];
  const bb = busboy({ headers: req.headers, limits: { fieldSize: MAX_FIELD } });
  bb.on('field', (name, value) => {
    if (name === 'json') {
      try {
        const json: unknown = JSON.parse(value);
        if (isObject(json)) Object.assign(params, json);
      } catch {
        // the server's json_decode yields null here and the action then misses its parameters
      }
    } else {
      setFlat(params, name, value);
    }
  });
  bb.on('file', (name, stream, info) => {
    const file: SpooledFile = {
      path: join(tmpDir, `part-${randomUUID()}`),
      size: 0,
      filename: info.filename ?? '',
      hash: createHash('sha256'),
    };
    files.set(name, file);
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        file.size += chunk.length;
        file.hash.update(chunk);
        done(null, chunk);
      },
    });
    const write = pipeline(stream, tap, createWriteStream(file.path));
    // awaited below; this only keeps an early failure from counting as unhandled meanwhile
    write.catch(() => undefined);
    writes.push(write);
  });
  await new Promise<void>((resolve, reject) => {
    bb.on('close', () => resolve());
    bb.on('error', reject);
    req.raw.on('error', reject);
    // a client that disconnects mid-upload leaves busboy waiting forever otherwise
    req.raw.on('close', () => {
      if (!req.raw.complete) reject(new Error('request aborted'));
    });
    req.raw.pipe(bb);
  });
  await Promise.all(writes);
}

/** `filter:objectType=…` style keys become nested objects, as the PHP deserializer reads them. */
function setFlat(target: Params, key: string, value: string): void {
  const path = key.split(':');
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i] as string;
    const next = node[k];
    if (isObject(next)) node = next;
    else {
      const created: Params = {};
      node[k] = created;
      node = created;
    }
  }
  node[path[path.length - 1] as string] = value;
}
