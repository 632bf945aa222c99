import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * What the browser tests share: Debian's Chromium driven by playwright-core (Playwright's own browser
 * download is not possible here), the tab's Vite build made when it is missing or stale, axe checks
 * that fail on serious and critical violations, and screenshots under test-output/screenshots/.
 */

export const repoRoot = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const TAB_BUILD = join(repoRoot, 'dist', 'tab');
export const SCREENSHOTS = join(repoRoot, 'test-output', 'screenshots');

/** Undefined when Chromium is there; otherwise why the browser tests cannot run (printed loudly). */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return `${CHROMIUM} is missing: the tab's browser tests are SKIPPED. Install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`;
}

export function warnLoudly(message: string): void {
  const bar = '!'.repeat(Math.min(100, message.length + 8));
  process.stderr.write(`\n${bar}\n!!! ${message}\n${bar}\n\n`);
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(path));
    else if (entry.isFile()) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** Why the tab's build must be made again, or undefined when dist/tab/index.html is newer than all of tab/. */
export async function tabBuildStale(): Promise<string | undefined> {
  const index = join(TAB_BUILD, 'index.html');
  if (!existsSync(index)) return `${index} is missing`;
  const built = (await stat(index)).mtimeMs;
  const source = await newestMtime(join(repoRoot, 'tab'));
  return source > built ? 'a file under tab/ is newer than the build' : undefined;
}

/** Builds the tab (`vite build --config tab/vite.config.ts`) when it is missing or older than its sources. */
export async function ensureTabBuilt(timeoutMs = 180_000): Promise<void> {
  const why = await tabBuildStale();
  if (!why) return;
  process.stderr.write(`building the tab (${why}): npx vite build --config tab/vite.config.ts\n`);
  const output: string[] = [];
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn('npx', ['vite', 'build', '--config', 'tab/vite.config.ts'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    const keep = (d: Buffer) => {
      output.push(d.toString('utf8'));
      if (output.length > 400) output.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      resolve('timeout');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
    child.on('exit', (c, signal) => {
      clearTimeout(timer);
      resolve(c ?? signal ?? 'unknown');
    });
  });
  if (code !== 0) throw new Error(`vite build of the tab failed (${code}):\n${output.join('').slice(-6000)}`);
  if (!existsSync(join(TAB_BUILD, 'index.html'))) throw new Error(`vite build finished but ${TAB_BUILD}/index.html is not there`);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
}

export interface PageProblems {
  /** uncaught exceptions and console errors, for failure messages */
  errors: string[];
}

/**
 * A context for the sandbox: the emulated Entra ID serves HTTPS with the sandbox's own CA, which this
 * browser does not know, so certificate errors are ignored (only for the emulators on loopback).
 */
export async function newSandboxContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1366, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
}

export function watchProblems(page: Page): PageProblems {
  const problems: PageProblems = { errors: [] };
  page.on('pageerror', (err) => problems.errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.errors.push(`console.error: ${msg.text()}`);
  });
  return problems;
}

export interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: unknown; html?: string; failureSummary?: string }>;
}

/**
 * The one known false positive of Fluent UI v9, excluded node by node as Microsoft's own scanners do:
 * tabster's focus "dummy" elements are aria-hidden and focusable on purpose (they only pass focus on),
 * which axe's aria-hidden-focus flags (microsoft/tabster#288; accessibility-insights-web PR 7605,
 * accessibility-insights-service PR 2771). Any other aria-hidden-focus node still fails.
 */
function withoutKnownFalsePositives(v: AxeViolation): AxeViolation {
  if (v.id !== 'aria-hidden-focus') return v;
  return { ...v, nodes: v.nodes.filter((n) => !/data-tabster-dummy|data-is-focus-trap-zone-bumper="true"/.test(n.html ?? '')) };
}

/**
 * Waits (up to 3 s) until no finite animation runs, so axe measures colours as they end up, not half
 * way through a toast's or a dialog's fade-in. Endless ones (a Spinner) are not waited for.
 */
export async function settled(page: Page): Promise<void> {
  await page
    .waitForFunction("document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity)", undefined, {
      timeout: 3_000,
      polling: 50,
    })
    .catch(() => undefined);
}

/** Runs axe on the page as it is; fails listing every serious or critical violation. */
export async function assertAccessible(page: Page, screen: string): Promise<void> {
  await settled(page);
  const result = await new AxeBuilder({ page }).analyze();
  const bad = (result.violations as AxeViolation[])
    .map(withoutKnownFalsePositives)
    .filter((v) => v.nodes.length > 0 && (v.impact === 'serious' || v.impact === 'critical'));
  if (bad.length === 0) return;
  const lines = bad.map((v) => {
    const nodes = v.nodes
      .slice(0, 5)
      .map((n) => `      at ${JSON.stringify(n.target)}${n.failureSummary ? `: ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 300)}` : ''}`)
      .join('\n');
    return `  - [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'}; ${v.helpUrl})\n${nodes}`;
  });
  throw new Error(`axe found ${bad.length} serious or critical violation${bad.length === 1 ? '' : 's'} on "${screen}":\n${lines.join('\n')}`);
}

/** A full-page screenshot at test-output/screenshots/{name}.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** axe, then a screenshot (taken whether axe passed or not, so a failure can be looked at). */
export async function checkScreen(page: Page, name: string): Promise<void> {
  try {
    await assertAccessible(page, name);
  } finally {
    await screenshot(page, name).catch(() => undefined);
  }
}
