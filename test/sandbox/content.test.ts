import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { contentSha256, contentStream } from '../../sandbox/content/deterministic-content.js';

async function collect(seed: string, size: number, start?: number, end?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of contentStream(seed, size, start, end)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('deterministic recording content', () => {
  it('is stable across releases: a known vector', async () => {
    // If this changes, every fixture's expected sha256 changes with it.
    assert.equal(await contentSha256('demo-qbr', 1000), '6db4a6bc76640b055bab5f9ebfe1128c1d92ccb4aa1a0ca6f544b8eb4fbd04bc');
  });

  it('has exactly the requested size, and differs by seed', async () => {
    const a = await collect('a', 200_001);
    const b = await collect('b', 200_001);
    assert.equal(a.length, 200_001);
    assert.notDeepEqual(a.subarray(0, 64), b.subarray(0, 64));
  });

  it('serves any byte range identical to the same slice of the whole', async () => {
    const whole = await collect('ranges', 300_000);
    for (const [s, e] of [
      [0, 0],
      [1, 15],
      [15, 16],
      [17, 65_553],
      [131_071, 299_999],
    ] as const) {
      assert.deepEqual(await collect('ranges', 300_000, s, e), whole.subarray(s, e + 1), `range ${s}-${e}`);
    }
    const h = createHash('sha256').update(whole).digest('hex');
    assert.equal(await contentSha256('ranges', 300_000), h);
  });

  it('handles empty content and rejects ranges outside it', async () => {
    assert.equal((await collect('empty', 0)).length, 0);
    assert.throws(() => contentStream('x', 10, 5, 10), RangeError);
  });
});
