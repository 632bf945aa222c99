import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../api/src/config.js';
import { createLogger } from '../../api/src/logging/logger.js';
import { startApp, type RunningApp } from '../../api/src/main.js';
import { resolveTabPath, TAB_CSP } from '../../api/src/http/tab-routes.js';
import { freePort } from '../../sandbox/process-utils.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with its path sent exactly as given (fetch would normalize `..` away before sending). */
function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const INDEX = '<!doctype html><html lang="en"><head><title>Teams Integration</title>'
  + '<script type="module" crossorigin src="/tab/assets/index-B1x_9zQa.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("tab");';
const FRAME_ANCESTORS = [
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
];

function assertSecured(a: Answer, what: string): void {
  const csp = String(a.headers['content-security-policy'] ?? '');
  const directive = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('frame-ancestors '));
  assert.ok(directive, `${what}: no frame-ancestors in ${JSON.stringify(csp)}`);
  assert.deepEqual(directive.split(/\s+/).slice(1), FRAME_ANCESTORS, `${what}: frame-ancestors`);
  assert.equal(a.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
}

/** The app serving a fake Vite build (TAB_DIR) and, in the last case, none at all. */
describe('the admin console under /tab/', () => {
  let dir: string;
  let app: RunningApp | undefined;
  let port: number;

  async function start(tabDir: string): Promise<void> {
    port = await freePort();
    const nowhere = 'http://127.0.0.1:9';
    app = await startApp(
      loadConfig({
        ARCHIVER_MODE: 'sandbox',
        PORT: String(port),
        DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: 'silent',
        TAB_DIR: tabDir,
        ENTRA_AUTHORITY_HOST: nowhere,
        GRAPH_BASE_URL: nowhere,
        KALTURA_SERVICE_URL: nowhere,
        BOT_CONNECTOR_URL: `${nowhere}/`,
      }),
      createLogger('silent'),
    );
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archiver-tab-'));
    const build = join(dir, 'build');
    await mkdir(join(build, 'assets'), { recursive: true });
    await mkdir(join(build, '.vite'), { recursive: true });
    await writeFile(join(build, 'index.html'), INDEX);
    await writeFile(join(build, 'assets', 'index-B1x_9zQa.js'), SCRIPT);
    await writeFile(join(build, 'assets', 'index-Cc4_7Zq-.css'), 'body{margin:0}');
    await writeFile(join(build, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(build, '.vite', 'manifest.json'), '{}');
    // outside the build: what a traversal would be after
    await writeFile(join(dir, 'secret.txt'), 'do not serve me');
    await start(build);
  });
  after(async () => {
    await app?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('/tab redirects to /tab/ (301, query kept) and / to /tab/ (302)', async () => {
    const tab = await raw(port, '/tab?theme=dark');
    assert.equal(tab.status, 301);
    assert.equal(tab.headers.location, '/tab/?theme=dark');
    assertSecured(tab, '/tab');
    const root = await raw(port, '/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.location, '/tab/');
  });

  it('the privacy statement and terms the app package links to are served, with a strict CSP', async () => {
    for (const [path, words] of [
      ['/privacy', /keeps no copy[\s\S]*encrypted \(AES-256-GCM\)/],
      ['/terms', /MIT License/],
    ] as const) {
      const page = await raw(port, path);
      assert.equal(page.status, 200, path);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.body, words);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    }
  });

  it('/tab/ is index.html, revalidated on every load', async () => {
    const a = await raw(port, '/tab/?theme=default');
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(a.headers['cache-control'], 'no-cache');
    assert.equal(a.body, INDEX);
    assertSecured(a, '/tab/');
    const again = await raw(port, '/tab/', { headers: { 'if-none-match': String(a.headers.etag) } });
    assert.equal(again.status, 304);
    assertSecured(again, '/tab/ (304)');
  });

  it('page paths the SPA routes itself get index.html; missing assets get 404, never the page', async () => {
    for (const path of ['/tab/integrations', '/tab/integrations/abc/health', '/tab/settings/']) {
      const a = await raw(port, path);
      assert.equal(a.status, 200, path);
      assert.equal(a.body, INDEX, path);
      assertSecured(a, path);
    }
    for (const path of ['/tab/assets/missing-AbCdEfGh.js', '/tab/logo.png', '/tab/assets/x']) {
      const a = await raw(port, path);
      assert.equal(a.status, 404, path);
      assert.notEqual(a.body, INDEX, path);
      assertSecured(a, path);
    }
  });

  it('hashed assets are cached for a year with the right content type; other files revalidate', async () => {
    const js = await raw(port, '/tab/assets/index-B1x_9zQa.js');
    assert.equal(js.status, 200);
    assert.equal(js.body, SCRIPT);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assertSecured(js, 'script');
    const css = await raw(port, '/tab/assets/index-Cc4_7Zq-.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.headers['cache-control'], 'public, max-age=31536000, immutable');
    const svg = await raw(port, '/tab/favicon.svg');
    assert.equal(svg.status, 200);
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['cache-control'], 'no-cache');
    const head = await raw(port, '/tab/assets/index-B1x_9zQa.js', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(SCRIPT)));
  });

  it('nothing outside the build is served: .., encoded .., absolute paths, dot-files, backslashes', async () => {
    const attempts = [
      '/tab/../secret.txt',
      '/tab/../../package.json',
      '/tab/assets/../../secret.txt',
      '/tab/%2e%2e/secret.txt',
      '/tab/%2E%2E/%2E%2E/package.json',
      '/tab/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/tab/..%2fsecret.txt',
      '/tab/%252e%252e/secret.txt',
      '/tab/..%5csecret.txt',
      `/tab/${encodeURIComponent(join(dir, 'secret.txt'))}`,
      `/tab/${join(dir, 'secret.txt')}`,
      '/tab//etc/passwd',
      '/tab/%2fetc%2fpasswd',
      '/tab/.vite/manifest.json',
      '/tab/%00index.html',
      '/tab/%e0%a4%a',
    ];
    for (const path of attempts) {
      const a = await raw(port, path);
      assert.ok(!a.body.includes('do not serve me'), `${path} served the file outside the build`);
      assert.ok(!a.body.includes('"name": "teams-recording-archiver'), `${path} served package.json`);
      assert.ok(!a.body.includes('root:'), `${path} served /etc/passwd`);
      assert.ok(a.status === 404 || a.status === 400, `${path} answered ${a.status}`);
      if (a.status === 404) assertSecured(a, path);
    }
    const post = await raw(port, '/tab/', { method: 'POST' });
    assert.ok(post.status >= 400, `POST /tab/ answered ${post.status}`);
    assertSecured(post, 'POST /tab/');
    assert.deepEqual(resolveTabPath('/tab/assets/a-12345678.js'), { kind: 'file', rel: 'assets/a-12345678.js' });
    assert.equal(resolveTabPath('/tab/a/%2e%2e/b').kind, 'refused');
    assert.equal(resolveTabPath('/tab/C:/Windows/win.ini').kind, 'refused');
    assert.equal(resolveTabPath('/tabx/').kind, 'refused');
  });

  it('without a build, pages answer 503 saying how to build it', async () => {
    await app?.close();
    await start(join(dir, 'no-such-build'));
    const a = await raw(port, '/tab/');
    assert.equal(a.status, 503);
    assert.equal(a.body.trim(), 'The admin console is not built: run npm run build');
    assertSecured(a, '/tab/ without a build');
    assert.equal((await raw(port, '/tab/integrations')).status, 503);
    assert.equal((await raw(port, '/tab/assets/index-B1x_9zQa.js')).status, 404);
    assert.equal((await raw(port, '/healthz')).status, 200);
  });

  it('TAB_DIR defaults to dist/tab at the repository root', () => {
    const repo = resolve(new URL('../..', import.meta.url).pathname);
    assert.equal(loadConfig({}).tabDir, join(repo, 'dist', 'tab'));
    assert.match(TAB_CSP, /frame-ancestors /);
  });

  it('a worker process does not serve the console', async () => {
    await app?.close();
    port = await freePort();
    const nowhere = 'http://127.0.0.1:9';
    app = await startApp(
      loadConfig({ PORT: String(port), DATA_DIR: join(dir, 'data-w'), LOG_LEVEL: 'silent', ROLE: 'worker', TAB_DIR: join(dir, 'build'),
        ENTRA_AUTHORITY_HOST: nowhere, GRAPH_BASE_URL: nowhere, KALTURA_SERVICE_URL: nowhere, BOT_CONNECTOR_URL: `${nowhere}/` }),
      createLogger('silent'),
    );
    assert.equal((await raw(port, '/tab/')).status, 404);
  });
});
