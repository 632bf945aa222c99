import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { initialScripts, tabInitialJs } from '../../bench/tab-size.js';

describe('bench: the tab\'s initial JavaScript', () => {
  const html = `<!doctype html><html><head>
    <script type="module" crossorigin src="/tab/assets/index-AbCdEfGh.js"></script>
    <link rel="modulepreload" crossorigin href="/tab/assets/rolldown-runtime-QQ38H6s1.js">
    <link rel=modulepreload href='/tab/assets/teams-host-D_ewsWR-.js'>
    <link rel="stylesheet" href="/tab/assets/index-Zz.css">
    <script src="/tab/legacy.js"></script>
    <script type="module" src="https://cdn.example.com/x.js"></script>
  </head><body></body></html>`;

  it('takes the entry module and its modulepreloads, not styles, classic scripts or other origins', () => {
    assert.deepEqual(initialScripts(html), ['assets/index-AbCdEfGh.js', 'assets/rolldown-runtime-QQ38H6s1.js', 'assets/teams-host-D_ewsWR-.js']);
  });

  it('sums their gzipped sizes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-tab-'));
    try {
      await mkdir(join(dir, 'assets'));
      await writeFile(join(dir, 'index.html'), html);
      const bodies = ['a'.repeat(5000), 'b'.repeat(300), 'export const x = 1;'];
      const names = ['index-AbCdEfGh.js', 'rolldown-runtime-QQ38H6s1.js', 'teams-host-D_ewsWR-.js'];
      for (const [i, n] of names.entries()) await writeFile(join(dir, 'assets', n), bodies[i]!);
      const r = await tabInitialJs(dir);
      assert.equal(r.files.length, 3);
      assert.equal(r.gzipBytes, bodies.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
