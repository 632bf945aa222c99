import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * Recording content in the sandbox: the AES-256-CTR keystream under sha256(seed). Any byte range can be
 * produced without the bytes before it (so Range requests cost nothing), it streams at memory speed,
 * and the same seed and size always give the same sha256.
 */
const BLOCK = 16;
const CHUNK = 64 * 1024;

export function contentStream(seed: string, size: number, start = 0, endInclusive = size - 1): Readable {
  if (start < 0 || endInclusive >= size || (size > 0 && start > endInclusive + 1)) {
    throw new RangeError(`range ${start}-${endInclusive} outside 0-${size - 1}`);
  }
  const key = createHash('sha256').update(seed).digest();
  const firstBlock = Math.floor(start / BLOCK);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(firstBlock), 8);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const zeros = Buffer.alloc(CHUNK);
  let skip = start - firstBlock * BLOCK;
  let remaining = size === 0 ? 0 : endInclusive - start + 1;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const want = Math.min(CHUNK, remaining + skip);
      let out = cipher.update(zeros.subarray(0, want));
      if (skip) {
        out = out.subarray(skip);
        skip = 0;
      }
      remaining -= out.length;
      this.push(out);
    },
  });
}

export async function contentSha256(seed: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of contentStream(seed, size)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
