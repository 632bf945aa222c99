import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Docker build context: .dockerignore applied with Docker's own rules to the real repository (tracked
 * and untracked files, the git-ignored build outputs that exist, and probes for what may appear: env
 * user files, keys, databases, node_modules). Nothing secret and no node_modules may get in, and what the
 * Dockerfile COPYs must (and nothing else).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Pattern {
  text: string;
  exclusion: boolean;
  regex: RegExp;
}

/**
 * A pattern as moby/patternmatcher compiles it (Go filepath.Match syntax plus `**`), after the cleaning
 * the dockerignore reader applies (trimmed, `!` split off, path.Clean, leading `/` dropped).
 */
function compilePattern(line: string): Pattern {
  let text = line.trim();
  const exclusion = text.startsWith('!');
  if (exclusion) text = text.slice(1).trim();
  text = path.posix.normalize(text);
  if (text.length > 1 && text.endsWith('/')) text = text.slice(0, -1);
  if (text.length > 1 && text.startsWith('/')) text = text.slice(1);
  let re = '^';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '*') {
      if (text[i + 1] === '*') {
        i++;
        if (text[i + 1] === '/') i++; // `**/` is `**`
        re += i + 1 >= text.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if ('.+()|{}$^'.includes(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      re += i + 1 < text.length ? `\\${text[++i]}` : '\\\\';
    } else {
      re += ch; // letters, '/', and '[' ']' classes as in filepath.Match
    }
  }
  return { text: line.trim(), exclusion, regex: new RegExp(`${re}$`) };
}

function readDockerignore(text: string): Pattern[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map(compilePattern);
}

/** patternmatcher.MatchesOrParentMatches: the last pattern that matches the path or one of its parents wins. */
function excluded(patterns: Pattern[], file: string): boolean {
  const parts = file.split('/');
  let matched = false;
  for (const p of patterns) {
    if (p.exclusion !== matched) continue;
    let match = p.regex.test(file);
    for (let i = 1; !match && i < parts.length; i++) match = p.regex.test(parts.slice(0, i).join('/'));
    if (match) matched = !p.exclusion;
  }
  return matched;
}

const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .filter(Boolean);

/** Up to `limit` files under a directory, depth first (enough to see what a pattern does there). */
function someFiles(dir: string, limit: number): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    if (out.length >= limit) return;
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      if (out.length >= limit) return;
      const child = `${rel}/${name}`;
      const st = statSync(path.join(root, child), { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(child);
      else if (st) out.push(child);
    }
  };
  walk(dir);
  return out;
}

/** What may sit in a working copy without being tracked: secrets, data, dependencies, build outputs. */
const PROBES = [
  'env/.env.dev.user',
  'env/.env.local.user',
  'env/.env.staging.user',
  'sandbox/fixture/demo.user',
  '.localConfigs',
  '.env',
  'api/.env',
  'tab/.env.local',
  '.data/archiver.sqlite',
  '.data/archiver.sqlite-wal',
  '.data/local/secret-box.key',
  'api/archiver.sqlite',
  'server.pem',
  'sandbox/tls/ca.pem',
  'sandbox/tls/ca-key.pem',
  'bot/src/bot.key',
  'api/cert.pfx',
  'node_modules/better-sqlite3/package.json',
  'api/node_modules/x/index.js',
  'tab/node_modules/.vite/deps/react.js',
  'dist/api/src/main.js',
  'dist/tab/index.html',
  'tab/dist/index.html',
  'test-output/console.png',
  'coverage/lcov.info',
  'build/aad.manifest.dev.json',
  'appPackage/build/appPackage.dev.zip',
  'npm-debug.log',
  'api/debug.log',
  '.git/config',
];

function repositoryPaths(): string[] {
  const paths = new Set(git('ls-files', '--cached', '--others', '--exclude-standard'));
  for (const dir of git('ls-files', '--others', '--ignored', '--exclude-standard', '--directory')) {
    const rel = dir.replace(/\/$/, '');
    if (statSync(path.join(root, rel), { throwIfNoEntry: false })?.isDirectory()) {
      for (const f of someFiles(rel, 400)) paths.add(f);
    } else {
      paths.add(rel);
    }
  }
  for (const p of PROBES) paths.add(p);
  return [...paths].filter((p) => p !== '').sort();
}

/** The build-context sources of the Dockerfile's COPY lines (not those copied from another stage). */
function copySources(dockerfile: string): string[] {
  const sources: string[] = [];
  for (const line of dockerfile.split(/\r?\n/)) {
    const m = /^\s*(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const args = m[2]!.trim().split(/\s+/);
    if (args.some((a) => a.startsWith('--from='))) continue;
    const words = args.filter((a) => !a.startsWith('--'));
    sources.push(...words.slice(0, -1).map((s) => s.replace(/^\.\//, '').replace(/\/$/, '')));
  }
  return sources;
}

const SECRET = [
  /(^|\/)\.env(\.[^/]*)?$/,
  /\.user$/,
  /\.(pem|key|pfx|p12)$/,
  /\.(sqlite|db)(-[a-z]+)?$/,
  /(^|\/)\.localConfigs$/,
  /(^|\/)(\.data|\.git|env|test-output|coverage)(\/|$)/,
];

describe('.dockerignore: the Docker build context', () => {
  const patterns = readDockerignore(readFileSync(path.join(root, '.dockerignore'), 'utf8'));
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const all = repositoryPaths();
  const context = all.filter((p) => !excluded(patterns, p));
  const tracked = new Set(git('ls-files'));

  describe('the matcher follows Docker rules', () => {
    const m = (lines: string[], file: string) => excluded(readDockerignore(lines.join('\n')), file);
    it('matches from the context root: *.pem is top level only, **/*.pem at any depth', () => {
      assert.equal(m(['*.pem'], 'a.pem'), true);
      assert.equal(m(['*.pem'], 'dir/a.pem'), false);
      assert.equal(m(['**/*.pem'], 'dir/sub/a.pem'), true);
      assert.equal(m(['**/*.pem'], 'a.pem'), true);
    });
    it('a pattern that matches a parent directory excludes what is inside', () => {
      assert.equal(m(['node_modules'], 'node_modules/x/y.js'), true);
      assert.equal(m(['*'], 'api/src/main.ts'), true);
      assert.equal(m(['/dist/'], 'dist/tab/index.html'), true);
    });
    it('! re-includes, and the last matching line wins', () => {
      assert.equal(m(['*', '!api'], 'api/src/main.ts'), false);
      assert.equal(m(['*', '!api', '**/*.pem'], 'api/x.pem'), true);
      assert.equal(m(['**/*.pem', '!api/ok.pem'], 'api/ok.pem'), false);
    });
    it('* and ? stop at a slash; dots and other regexp characters are literal', () => {
      assert.equal(m(['a*'], 'ab/c'), true);
      assert.equal(m(['a*c'], 'a/c'), false);
      assert.equal(m(['?.log'], 'x.log'), true);
      assert.equal(m(['.env'], 'xenv'), false);
      assert.equal(m(['a+b'], 'a+b'), true);
    });
  });

  it('the repository tree and the probes are all looked at', () => {
    assert.ok(all.length > 300, `only ${all.length} paths`);
    for (const p of ['package.json', 'api/src/main.ts', 'env/.env.dev', 'env/.env.dev.user', 'node_modules/better-sqlite3/package.json']) {
      assert.ok(all.includes(p), p);
    }
  });

  it('lets in no node_modules, at any depth', () => {
    const leaked = context.filter((p) => p.split('/').includes('node_modules'));
    assert.deepEqual(leaked, []);
  });

  it('lets in nothing secret: env files, user files, keys, certificates, databases, .data, .git, test output', () => {
    const leaked = context.filter((p) => SECRET.some((re) => re.test(p)));
    assert.deepEqual(leaked, []);
  });

  it('lets in no build output or log (the image builds its own dist/)', () => {
    const leaked = context.filter((p) => /(^|\/)dist\//.test(p) || p.startsWith('build/') || p.includes('/build/') || p.endsWith('.log'));
    assert.deepEqual(leaked, []);
  });

  it('holds everything the Dockerfile COPYs from the context', () => {
    const sources = copySources(dockerfile);
    assert.ok(sources.includes('package.json') && sources.includes('package-lock.json') && sources.includes('api'), `COPY sources: ${sources.join(', ')}`);
    for (const source of sources) {
      assert.ok(existsSync(path.join(root, source)), `${source} (copied by the Dockerfile) exists`);
      const files = statSync(path.join(root, source)).isDirectory() ? [...tracked].filter((f) => f.startsWith(`${source}/`)) : [source];
      assert.ok(files.length > 0, `${source} has tracked files`);
      const missing = files.filter((f) => excluded(patterns, f));
      assert.deepEqual(missing, [], `left out of the context although the Dockerfile copies ${source}`);
    }
  });

  it('holds nothing the Dockerfile does not copy', () => {
    const sources = copySources(dockerfile);
    const stray = context.filter((p) => !sources.some((s) => p === s || p.startsWith(`${s}/`)));
    assert.deepEqual(stray, []);
  });

  it('everything `npm run build` reads is copied: the tsconfig include roots and the tab', () => {
    const sources = new Set(copySources(dockerfile));
    const build = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as { extends?: string; include: string[] };
    for (const include of build.include) {
      const top = include.split('/')[0]!;
      assert.ok(sources.has(top), `tsconfig.build.json includes ${include}; the Dockerfile must COPY ${top}/`);
    }
    assert.ok(sources.has('tsconfig.json') && sources.has('tsconfig.build.json'));
    assert.ok(sources.has('tab'), 'vite builds tab/ into dist/tab');
  });
});
