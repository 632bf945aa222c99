/**
 * `npm run package -- --env <name> [--out <dir>]`: builds the Teams app package offline.
 *
 * Reads env/.env.<name> (values set in the process environment win, as in the Toolkit), resolves
 * the `${{VAR}}` placeholders of appPackage/manifest.json, validates the result against the schema
 * bundled in @microsoft/app-manifest, checks the icons, writes <out>/appPackage.<name>.zip (default
 * appPackage/build/) holding exactly manifest.json and the two icons, then reads that zip back and
 * checks it again. Exit code 0 when the package is good, 1 when something is wrong, 2 on bad usage.
 */
import { realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkManifest } from './tools/manifest-checks.js';
import { describeUnresolved, parseEnvFile, resolvePlaceholders } from './tools/placeholders.js';
import { checkIcons } from './tools/png.js';
import { readZip, writeZip, type ZipEntry } from './tools/zip.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export class PackageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'PackageError';
  }
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface PackageOptions {
  /** env/.env.<envName> */
  envName: string;
  /** where the zip goes; default <root>/appPackage/build */
  outDir?: string;
  /** the repository root (appPackage/ and env/ inside it); default this file's parent folder */
  root?: string;
  /** overrides the env file's values; default process.env */
  environment?: Readonly<Record<string, string | undefined>>;
  log?: (line: string) => void;
}

export interface PackageResult {
  zipPath: string;
  /** the resolved manifest, as written into the zip */
  manifest: Record<string, unknown>;
  entries: string[];
}

export async function envNames(root = repoRoot): Promise<string[]> {
  const files = await readdir(path.join(root, 'env')).catch(() => [] as string[]);
  return files.flatMap((f) => /^\.env\.([A-Za-z0-9_-]+)$/.exec(f)?.[1] ?? []).sort();
}

const shown = (p: string): string => {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
};

/** Checks a package's entries: exactly the manifest and its two icons, a valid manifest, good icons. */
async function checkEntries(entries: ZipEntry[], where: string): Promise<{ manifest: Record<string, unknown>; problems: string[] }> {
  const byName = new Map(entries.map((e) => [e.name, e.data]));
  const raw = byName.get('manifest.json');
  if (!raw) return { manifest: {}, problems: [`${where} has no manifest.json at its root`] };
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    return { manifest: {}, problems: [`${where} manifest.json is not JSON: ${(e as Error).message}`] };
  }
  const problems = (await checkManifest(manifest)).map((p) => `${where} manifest.json ${p}`);
  const icons = (manifest.icons ?? {}) as Record<string, string>;
  const expected = ['manifest.json', icons.color, icons.outline].filter((n): n is string => typeof n === 'string');
  const names = entries.map((e) => e.name);
  if (names.length !== expected.length || !expected.every((n) => names.includes(n))) {
    problems.push(`${where} holds [${names.join(', ')}]; it must hold exactly [${expected.join(', ')}]`);
  }
  const color = icons.color !== undefined ? byName.get(icons.color) : undefined;
  const outline = icons.outline !== undefined ? byName.get(icons.outline) : undefined;
  if (color && outline) {
    problems.push(...checkIcons({ color, outline }, { color: `${where} ${icons.color}`, outline: `${where} ${icons.outline}` }));
  }
  return { manifest, problems };
}

export async function packageApp(opts: PackageOptions): Promise<PackageResult> {
  const root = opts.root ?? repoRoot;
  const log = opts.log ?? (() => {});
  const environment = opts.environment ?? process.env;
  if (!/^[A-Za-z0-9_-]+$/.test(opts.envName)) throw new UsageError(`--env ${JSON.stringify(opts.envName)}: an env name is letters, digits, - and _ (env/.env.<name>)`);

  const envRel = `env/.env.${opts.envName}`;
  const envPath = path.join(root, 'env', `.env.${opts.envName}`);
  let envText: string;
  try {
    envText = await readFile(envPath, 'utf8');
  } catch {
    const known = await envNames(root);
    throw new PackageError([`${envRel} not found (env files here: ${known.length ? known.map((n) => `--env ${n}`).join(', ') : 'none'})`]);
  }
  const appDir = path.join(root, 'appPackage');
  const manifestRel = 'appPackage/manifest.json';
  const template = JSON.parse(await readFile(path.join(appDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;

  const resolution = resolvePlaceholders(template, { file: { path: envRel, values: parseEnvFile(envText) }, environment });
  if (resolution.unresolved.length) throw new PackageError(resolution.unresolved.map((u) => describeUnresolved(u, envRel, manifestRel)));
  const manifest = resolution.value;
  const fromEnv = [...resolution.used].filter(([, from]) => from === 'environment').map(([n]) => n);
  const fromFile = [...resolution.used].filter(([, from]) => from === 'file').map(([n]) => n);
  log(`resolved ${resolution.used.size} placeholder(s) in ${manifestRel}: ${fromFile.length ? `from ${envRel}: ${fromFile.join(', ')}` : ''}${fromFile.length && fromEnv.length ? '; ' : ''}${fromEnv.length ? `from the environment: ${fromEnv.join(', ')}` : ''}`);

  const problems = await checkManifest(manifest);
  if (problems.length) throw new PackageError(problems.map((p) => `${manifestRel} (resolved with ${envRel}) ${p}`));
  log(`validated the manifest offline against the schema bundled in @microsoft/app-manifest (${String(manifest.$schema)})`);

  const icons = manifest.icons as { color: string; outline: string };
  const iconData: Record<'color' | 'outline', Buffer> = { color: Buffer.alloc(0), outline: Buffer.alloc(0) };
  const missing: string[] = [];
  for (const kind of ['color', 'outline'] as const) {
    try {
      iconData[kind] = await readFile(path.join(appDir, icons[kind]));
    } catch {
      missing.push(`appPackage/${icons[kind]} (the ${kind} icon named by /icons/${kind}) not found`);
    }
  }
  if (missing.length) throw new PackageError(missing);
  const iconProblems = checkIcons(iconData, { color: `appPackage/${icons.color}`, outline: `appPackage/${icons.outline}` });
  if (iconProblems.length) throw new PackageError(iconProblems);
  log(`checked the icons: ${icons.color} 192x192, ${icons.outline} 32x32 white on transparent`);

  const entries: ZipEntry[] = [
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
    { name: icons.color, data: iconData.color },
    { name: icons.outline, data: iconData.outline },
  ];
  const outDir = opts.outDir ? path.resolve(opts.outDir) : path.join(appDir, 'build');
  const zipPath = path.join(outDir, `appPackage.${opts.envName}.zip`);
  await mkdir(outDir, { recursive: true });
  await writeFile(zipPath, writeZip(entries));

  // read back what is on disk, and check it as Teams will receive it
  const where = shown(zipPath);
  let reread: ZipEntry[];
  try {
    reread = readZip(await readFile(zipPath));
  } catch (e) {
    await rm(zipPath, { force: true });
    throw new PackageError([`${where}: ${(e as Error).message}`]);
  }
  const again = await checkEntries(reread, where);
  for (const e of entries) {
    const got = reread.find((r) => r.name === e.name);
    if (got && !got.data.equals(e.data)) again.problems.push(`${where} ${e.name} differs from what was written`);
  }
  if (again.problems.length) {
    await rm(zipPath, { force: true });
    throw new PackageError(again.problems);
  }
  log(`wrote ${where}: ${reread.map((e) => `${e.name} (${e.data.length} bytes)`).join(', ')}; read it back and validated it`);
  return { zipPath, manifest, entries: reread.map((e) => e.name) };
}

const USAGE = 'usage: npm run package -- --env <name> [--out <dir>]   (reads env/.env.<name>; writes <dir>/appPackage.<name>.zip, default appPackage/build/)';

export function parseArgs(argv: readonly string[]): { envName: string; outDir?: string } | 'help' {
  let envName: string | undefined;
  let outDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = flag !== arg ? arg.slice(eq + 1) : undefined;
    if (flag === '--help' || flag === '-h') return 'help';
    if (flag !== '--env' && flag !== '--out') throw new UsageError(`unknown argument ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
    if (flag === '--env') envName = value;
    else outDir = value;
  }
  if (!envName) throw new UsageError('missing --env <name>: the environment to package, read from env/.env.<name> (for example --env dev)');
  return { envName, ...(outDir !== undefined ? { outDir } : {}) };
}

/** The command line; returns the exit code. */
export async function main(
  argv: readonly string[],
  environment: Readonly<Record<string, string | undefined>> = process.env,
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args === 'help') {
      io.out(USAGE);
      return 0;
    }
    await packageApp({ ...args, environment, log: (line) => io.out(`package: ${line}`) });
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      const known = await envNames();
      io.err(`package: ${e.message}${known.length ? ` (env files: ${known.join(', ')})` : ''}\n${USAGE}`);
      return 2;
    }
    if (e instanceof PackageError) {
      io.err(`package: the app package was not written:\n${e.problems.map((p) => `  - ${p}`).join('\n')}`);
      return 1;
    }
    io.err(`package: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}

const isEntryPoint = (): boolean => {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
};

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
