import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { Server } from 'restify';
import type { Logger } from '../logging/logger.js';

export const TAB_PATH = '/tab/';

/**
 * Where Teams (and the Microsoft 365 hosts that run Teams apps: Outlook, microsoft365.com, the new
 * cloud.microsoft domains) may frame the tab. Any other site framing it is refused by the browser.
 */
export const TAB_FRAME_ANCESTORS = [
  "'self'",
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.teams.microsoft.us',
  'https://teams.cloud.microsoft',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
] as const;

export const TAB_CSP = `frame-ancestors ${TAB_FRAME_ANCESTORS.join(' ')}; base-uri 'self'; object-src 'none'`;

export const TAB_NOT_BUILT = 'The admin console is not built: run npm run build\n';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

/** Vite's content-hashed output names: `assets/index-B1x_9zQa.js` (a hash of 8 or more URL-safe characters). */
const HASHED_ASSET = /^assets\/(?:.+\/)?[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/;

const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface TabRouteDeps {
  /** the Vite build of the tab (`dist/tab`, built with base `/tab/`) */
  dir: string;
  logger: Logger;
}

type Resolved = { kind: 'file'; rel: string } | { kind: 'spa' } | { kind: 'refused' };

/**
 * Serves the admin console's static build under `/tab/`: hashed assets cached for a year, the HTML
 * revalidated every time, `index.html` for every other page path (the SPA routes itself), nothing
 * outside the build directory. Every answer carries the CSP that lets only Teams and Microsoft 365
 * frame it, and `nosniff`. Without a build, pages answer 503 saying how to make one.
 */
export function registerTabRoutes(server: Server, deps: TabRouteDeps): void {
  const root = resolve(deps.dir);
  let warnedMissing = false;

  const security = (extra: Record<string, string | number> = {}): Record<string, string | number> => ({
    'content-security-policy': TAB_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    ...extra,
  });

  const plain = (req: IncomingMessage, res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, security({ 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...extra }));
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  const regularFile = async (path: string): Promise<Stats | undefined> => {
    try {
      const s = await stat(path);
      return s.isFile() ? s : undefined;
    } catch {
      return undefined;
    }
  };

  const sendFile = (req: IncomingMessage, res: ServerResponse, path: string, rel: string, s: Stats): void => {
    const isHtml = extname(rel).toLowerCase() === '.html';
    const etag = `W/"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`;
    const headers = security({
      'content-type': CONTENT_TYPES[extname(rel).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': !isHtml && HASHED_ASSET.test(rel) ? IMMUTABLE : 'no-cache',
      etag,
      'last-modified': s.mtime.toUTCString(),
    });
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': s.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(path);
    stream.on('error', (err) => {
      deps.logger.warn({ err, file: rel }, 'could not read a file of the admin console');
      res.destroy(err);
    });
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const resolved = resolveTabPath(req.url ?? '/');
    if (resolved.kind === 'refused') {
      plain(req, res, 404, 'Not found\n');
      return;
    }
    if (resolved.kind === 'file') {
      const path = resolve(root, resolved.rel);
      // belt and braces: resolveTabPath already refused every way out of the build directory
      if (!path.startsWith(root + sep)) {
        plain(req, res, 404, 'Not found\n');
        return;
      }
      const s = await regularFile(path);
      if (s) {
        sendFile(req, res, path, resolved.rel, s);
        return;
      }
      // a missing script or image is a 404, never the page: a browser must not run HTML as a script
      if (looksLikeAsset(resolved.rel)) {
        plain(req, res, 404, 'Not found\n');
        return;
      }
    }
    const index = resolve(root, 'index.html');
    const s = await regularFile(index);
    if (!s) {
      if (!warnedMissing) {
        warnedMissing = true;
        deps.logger.warn({ dir: root }, 'the admin console is not built (no index.html): run npm run build');
      }
      plain(req, res, 503, TAB_NOT_BUILT, { 'retry-after': '60' });
      return;
    }
    sendFile(req, res, index, 'index.html', s);
  };

  // restify takes async handlers with two arguments; each answers by itself and never throws
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await handle(req, res);
    } catch (err) {
      deps.logger.error({ err }, 'serving the admin console failed');
      if (!res.headersSent) plain(req, res, 500, 'Internal error\n');
      else res.destroy();
    }
  };

  const redirect = (status: number, to: (query: string) => string) => async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const location = to(q >= 0 ? url.slice(q) : '');
    res.writeHead(status, security({ location, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }));
    res.end(req.method === 'HEAD' ? undefined : `Moved to ${location}\n`);
  };

  // also on what restify answers by itself under /tab (a malformed URL, a POST): the headers go on first
  server.pre((req, res, next) => {
    const url = req.url ?? '';
    if (url === '/tab' || url.startsWith('/tab/') || url.startsWith('/tab?')) {
      res.setHeader('content-security-policy', TAB_CSP);
      res.setHeader('x-content-type-options', 'nosniff');
    }
    return next();
  });
  const toTab = (query: string) => `${TAB_PATH}${query}`;
  server.get('/', redirect(302, toTab));
  server.head('/', redirect(302, toTab));
  server.get('/tab', redirect(301, toTab));
  server.head('/tab', redirect(301, toTab));
  server.get('/tab/*', route);
  server.head('/tab/*', route);
}

/**
 * The file a `/tab/…` URL names, relative to the build directory, from the raw request URL (before
 * any router's normalization): percent-decoded once, and refused when it could name anything outside
 * the build: `..` or `.` segments (plain or encoded), dot-files, backslashes, NUL, absolute paths.
 */
export function resolveTabPath(rawUrl: string): Resolved {
  const pathPart = rawUrl.split(/[?#]/, 1)[0] ?? '';
  if (!pathPart.startsWith(TAB_PATH)) return { kind: 'refused' };
  let rel: string;
  try {
    rel = decodeURIComponent(pathPart.slice(TAB_PATH.length));
  } catch {
    return { kind: 'refused' };
  }
  if (rel === '' || rel === 'index.html') return { kind: 'spa' };
  if (rel.includes('\0') || rel.includes('\\') || rel.includes('%')) return { kind: 'refused' };
  const segments = rel.split('/');
  if (segments.some((s) => s.startsWith('.'))) return { kind: 'refused' };
  // `/tab//etc/passwd`, `/tab/a//b`, `/tab/C:/…`: no file of the build is named so (a trailing slash is a page path)
  if (segments.slice(0, -1).some((s) => s === '') || /^[A-Za-z]:/.test(rel)) return { kind: 'refused' };
  if (segments[segments.length - 1] === '') return { kind: 'spa' };
  return { kind: 'file', rel };
}

function looksLikeAsset(rel: string): boolean {
  return rel.startsWith('assets/') || extname(rel) !== '';
}
