import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface EmulatorSettings {
  /** how long an entry stays PRECONVERT (1) after its content arrives before it is READY (2) */
  readyDelayMs: number;
  /** how long a resumed final chunk waits for missing earlier chunks (the server waits ~30-45 s) */
  finalChunkWaitMs: number;
}

export const defaultSettings: EmulatorSettings = { readyDelayMs: 1000, finalChunkWaitMs: 3000 };

/**
 * Where uploaded bytes live: `tmp/` for request parts being received, `uploads/` for upload-token
 * files and their parked out-of-order chunks, `entries/` for content attached to entries. Also a
 * per-key lock, because two chunks for one token may be in flight at once.
 */
export class Storage {
  readonly tmpDir: string;
  readonly uploadsDir: string;
  readonly entriesDir: string;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly dataDir: string,
    readonly settings: EmulatorSettings,
  ) {
    this.tmpDir = join(dataDir, 'tmp');
    this.uploadsDir = join(dataDir, 'uploads');
    this.entriesDir = join(dataDir, 'entries');
  }

  /** Drops every stored byte: a fixture load replaces all state. */
  async reset(): Promise<void> {
    await Promise.all([this.tmpDir, this.uploadsDir, this.entriesDir].map((d) => rm(d, { recursive: true, force: true })));
    await Promise.all([this.tmpDir, this.uploadsDir, this.entriesDir].map((d) => mkdir(d, { recursive: true })));
  }

  tokenPath(tokenId: string): string {
    return join(this.uploadsDir, `${tokenId}.upload`);
  }

  chunkPath(tokenId: string, offset: number, nonce: string): string {
    return join(this.uploadsDir, `${tokenId}.upload.chunk.${offset}.${nonce}`);
  }

  entryContentPath(entryId: string): string {
    return join(this.entriesDir, `${entryId}.content`);
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }
}

/** Streams `src` into `dest` at `offset` (creating dest if needed), feeding `hash` when given. */
export async function writeAt(dest: string, offset: number, src: string, hash?: Hash): Promise<void> {
  const exists = await fileExists(dest);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash?.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(src), tap, createWriteStream(dest, { flags: exists ? 'r+' : 'w', start: offset }));
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
