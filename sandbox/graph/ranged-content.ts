import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EmulatorRequest } from '../emulator/router.js';
import { GraphHttpError, headerValue } from './graph-wire.js';

/**
 * Serves a body of known size with single `Range: bytes=…` support (206 + Content-Range, 416 when
 * unsatisfiable), HEAD without a body, and streaming from `open` so no size is ever buffered.
 */

export interface RangedBody {
  size: number;
  contentType: string;
  etag: string;
  open(start: number, endInclusive: number): Readable;
}

export interface ServedContent {
  status: number;
  range: string | null;
  served: [number, number] | null;
  bytesSent: number;
  complete: boolean;
}

type Parsed = { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/** RFC 9110 §14: one range is honoured; several, or a malformed header, get the whole body. */
export function parseRange(header: string | undefined, size: number): Parsed {
  if (!header) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}

export async function sendRanged(req: EmulatorRequest, res: ServerResponse, body: RangedBody): Promise<ServedContent> {
  const rangeHeader = headerValue(req, 'range') ?? null;
  const parsed = parseRange(rangeHeader ?? undefined, body.size);
  if (parsed.kind === 'unsatisfiable') {
    throw new GraphHttpError(416, 'InvalidRange', 'The requested range is not satisfiable.', {
      headers: { 'content-range': `bytes */${body.size}`, 'accept-ranges': 'bytes' },
    });
  }
  const [start, end] = parsed.kind === 'range' ? [parsed.start, parsed.end] : [0, body.size - 1];
  const length = body.size === 0 ? 0 : end - start + 1;
  const status = parsed.kind === 'range' ? 206 : 200;
  const headers: Record<string, string> = {
    'content-type': body.contentType,
    'content-length': String(length),
    'accept-ranges': 'bytes',
    etag: body.etag,
  };
  if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${body.size}`;
  res.writeHead(status, headers);
  const served: [number, number] | null = length > 0 ? [start, end] : null;
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return { status, range: rangeHeader, served: req.method === 'HEAD' ? null : served, bytesSent: 0, complete: true };
  }
  let bytesSent = 0;
  const source = body.open(start, end);
  source.on('data', (chunk: Buffer) => {
    bytesSent += chunk.length;
  });
  try {
    await pipeline(source, res);
  } catch {
    // the client went away mid-body: recorded as incomplete, nothing to answer
  }
  return { status, range: rangeHeader, served, bytesSent, complete: bytesSent === length };
}
