import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Bench } from './metric.js';

/**
 * tab_js_gzip_kb: what a browser must fetch of JavaScript before the admin console can start, gzipped
 * (level 9, as a CDN or proxy would send it): the entry module of `dist/tab/index.html` plus the
 * modules Vite tells it to preload (`<link rel="modulepreload">`, its static imports). Lazy chunks (the
 * health chart) do not count. Target: under 250 KB. Needs the tab's build (`vite build --config
 * tab/vite.config.ts`); without it the figure is printed as skipped.
 */
export const TAB_JS_TARGET_KB = 250;

function repoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(start, '..');
  }
}

/** The initial scripts of a Vite-built page, as paths relative to the build directory (base `/tab/`). */
export function initialScripts(html: string, base = '/tab/'): string[] {
  const found: string[] = [];
  const attr = (tag: string, name: string) => new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  for (const m of html.matchAll(/<(script|link)\b[^>]*>/gi)) {
    const tag = m[0];
    const kind = m[1]!.toLowerCase();
    let url: string | undefined;
    if (kind === 'script') {
      const type = attr(tag, 'type');
      if ((type?.[1] ?? type?.[2] ?? type?.[3])?.toLowerCase() !== 'module') continue;
      const src = attr(tag, 'src');
      url = src?.[1] ?? src?.[2] ?? src?.[3];
    } else {
      const rel = attr(tag, 'rel');
      if ((rel?.[1] ?? rel?.[2] ?? rel?.[3])?.toLowerCase() !== 'modulepreload') continue;
      const href = attr(tag, 'href');
      url = href?.[1] ?? href?.[2] ?? href?.[3];
    }
    if (!url || /^[a-z]+:\/\//i.test(url)) continue;
    const path = url.startsWith(base) ? url.slice(base.length) : url.replace(/^\.?\//, '');
    if (!found.includes(path)) found.push(path);
  }
  return found;
}

export async function tabInitialJs(buildDir: string): Promise<{ files: Array<{ path: string; bytes: number; gzipBytes: number }>; gzipBytes: number }> {
  const root = resolve(buildDir);
  const html = await readFile(join(root, 'index.html'), 'utf8');
  const paths = initialScripts(html);
  if (paths.length === 0) throw new Error(`${join(root, 'index.html')} names no module script`);
  const files = [];
  for (const path of paths) {
    const file = resolve(root, path);
    if (!file.startsWith(root + sep)) throw new Error(`index.html names a script outside the build: ${path}`);
    const body = await readFile(file);
    files.push({ path, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length });
  }
  return { files, gzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0) };
}

export const tabSizeBench: Bench = {
  name: 'tab',
  async run(emit) {
    const buildDir = process.env['BENCH_TAB_DIR'] ?? join(repoRoot(), 'dist', 'tab');
    if (!existsSync(join(buildDir, 'index.html'))) {
      emit({ name: 'tab_js_gzip_kb', value: null, unit: 'KB', target: `< ${TAB_JS_TARGET_KB}`, skipped: `no ${join(buildDir, 'index.html')}: run npx vite build --config tab/vite.config.ts` });
      return;
    }
    const { files, gzipBytes } = await tabInitialJs(buildDir);
    for (const f of files) process.stderr.write(`tab initial js: ${f.path} ${(f.bytes / 1024).toFixed(1)} KB, gzip ${(f.gzipBytes / 1024).toFixed(1)} KB\n`);
    emit({ name: 'tab_js_gzip_kb', value: Math.round((gzipBytes / 1024) * 10) / 10, unit: 'KB', target: `< ${TAB_JS_TARGET_KB}` });
  },
};
