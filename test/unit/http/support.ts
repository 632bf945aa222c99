import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../api/src/logging/logger.js';

/** A logger whose output a test can read back, line by line. */
export function capturedLogger(level = 'info'): { logger: Logger; text(): string; lines(): Array<Record<string, unknown>> } {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out += chunk.toString('utf8');
      callback();
    },
  });
  return {
    logger: createLogger(level, sink),
    text: () => out,
    lines: () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A raw loopback socket, for requests fetch cannot make (held-open bodies, lying headers). */
export async function rawSocket(port: number): Promise<Socket & { received(): string; gone: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
  socket.on('error', () => undefined);
  const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return Object.assign(socket, { received: () => received, gone });
}

/** Resolves once `check` holds, or fails after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function statusOf(response: string): number | undefined {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
  return m ? Number(m[1]) : undefined;
}
