import type { ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../api/src/config.js';
import { startEmulators, type Emulators } from './emulators.js';
import { loadFixtureFile } from './fixture/load-fixture.js';
import type { Fixture } from './fixture/schema.js';
import { seedFilePath } from './app-environment.js';
import { startAppProcesses, type AppProcesses, type AppProcessesOptions, type SandboxStore } from './app-processes.js';
import { startAfresh } from './data-dir.js';
import { installTeamsApp } from './teams-install.js';
import { pendingReleases, scheduleReleases } from './demo-release.js';
import { freePort, portIsFree } from './process-utils.js';

/**
 * `npm start` / `npm run sandbox`: starts the emulators on loopback, then the real app (a separate
 * process, built JavaScript, configured only through its environment) pointed at them.
 */
const usage = `usage: npm run sandbox -- [--fixture FILE] [--urls-file PATH] [--data-dir DIR] [--app-port N]
                          [--store sqlite|mongodb] [--workers N] [--quiet]

  --fixture FILE    sandbox fixture (JSON, schema: sandbox/fixture.schema.json); default: the demo fixture
  --urls-file PATH  once everything is ready, write {app, entra, graph, kaltura, connector, caCert} here
  --data-dir DIR    where the sandbox keeps its CA, key, database and uploaded media; default .data/sandbox.
                    Each start begins afresh: the previous run's database and media are deleted (the CA stays)
  --app-port N      the app's port; default PORT, else 3978 (0 picks a free one)
  --release-every S make the fixture's held-back recordings and transcripts available one by one, every
                    S seconds after start (as meetings ending would); default 10, 0 keeps them held back
  --store KIND      sqlite (default: the app's embedded store) or mongodb (a FerretDB started here, its
                    files in the data dir; needs ferretdb on PATH or FERRETDB_BIN)
  --workers N       with --store mongodb: one ROLE=web app process on --app-port, which Graph's webhooks
                    reach, and N ROLE=worker processes on free ports; default 0, one ROLE=all process
  --quiet           print only errors`;

interface Options {
  fixture: string;
  urlsFile?: string;
  dataDir: string;
  appPort: number;
  releaseEverySeconds: number;
  store: SandboxStore;
  workers: number;
  quiet: boolean;
}

function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      fixture: { type: 'string' },
      'urls-file': { type: 'string' },
      'data-dir': { type: 'string' },
      'app-port': { type: 'string' },
      'release-every': { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
      workers: { type: 'string', default: '0' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const appPort = Number(values['app-port'] ?? loadConfig().http.port);
  if (!Number.isInteger(appPort) || appPort < 0 || appPort > 65535) throw new Error(`--app-port: not a port: ${values['app-port']}`);
  const releaseEverySeconds = Number(values['release-every'] ?? 10);
  if (!(releaseEverySeconds >= 0)) throw new Error(`--release-every: not a number of seconds: ${values['release-every']}`);
  if (values.store !== 'sqlite' && values.store !== 'mongodb') throw new Error(`--store: sqlite or mongodb, not ${values.store}`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0 || workers > 32) throw new Error(`--workers: not a number of processes: ${values.workers}`);
  return {
    store: values.store,
    workers,
    releaseEverySeconds,
    fixture: resolve(values.fixture ?? demoFixturePath()),
    urlsFile: values['urls-file'] ? resolve(values['urls-file']) : undefined,
    dataDir: resolve(values['data-dir'] ?? '.data/sandbox'),
    appPort,
    quiet: values.quiet,
  };
}

function demoFixturePath(): string {
  // dist/sandbox/start.js reads the fixture from the source tree, which ships beside dist/
  const relative = import.meta.url.endsWith('.ts') ? './fixtures/demo.json' : '../../sandbox/fixtures/demo.json';
  return new URL(relative, import.meta.url).pathname;
}

export interface RunningSandbox {
  urls: { app: string; entra: string; graph: string; kaltura: string; connector: string; caCert: string };
  emulators: Emulators;
  /** the process Graph's webhooks reach (ROLE=web with workers, else the only one) */
  app: ChildProcess;
  apps: AppProcesses;
  stop(): Promise<void>;
}

export async function startSandbox(
  fixture: Fixture,
  options: Pick<Options, 'urlsFile' | 'dataDir' | 'appPort' | 'quiet'> & Partial<Pick<AppProcessesOptions, 'store' | 'workers' | 'settings'>>,
): Promise<RunningSandbox> {
  // Before anything starts: a process already on the port would answer the app's health check.
  if (options.appPort !== 0 && !(await portIsFree(options.appPort))) {
    throw new Error(
      `port ${options.appPort} is already in use (an earlier sandbox or another app still running?). ` +
        `Stop it, or give the app another port: --app-port N (npm start -- --app-port N) or PORT=N; 0 picks a free one.`,
    );
  }
  await mkdir(options.dataDir, { recursive: true });
  const dataDir = await startAfresh(options.dataDir);
  let emulators: Emulators;
  try {
    emulators = await startEmulators(fixture, options.dataDir);
  } catch (err) {
    await dataDir.release();
    throw err;
  }
  const port = options.appPort === 0 ? await freePort() : options.appPort;
  let apps: AppProcesses;
  try {
    apps = await startAppProcesses(fixture, emulators, {
      dataDir: options.dataDir,
      port,
      store: options.store ?? 'sqlite',
      workers: options.workers ?? 0,
      quiet: options.quiet,
      settings: options.settings,
    });
  } catch (err) {
    await emulators.close();
    await dataDir.release();
    throw err;
  }
  // Every process has seeded (each does before it answers /healthz): the secrets need not stay on disk.
  await rm(seedFilePath(options.dataDir), { force: true });
  try {
    await installTeamsApp(emulators.connector.url, fixture, apps.web.url);
  } catch (err) {
    await apps.stop();
    await emulators.close();
    await dataDir.release();
    throw err;
  }
  const stop = async () => {
    await apps.stop();
    await emulators.close();
    await dataDir.release();
  };
  const urls = {
    app: apps.web.url,
    entra: emulators.entra.url,
    graph: emulators.graph.url,
    kaltura: emulators.kaltura.url,
    connector: emulators.connector.url,
    caCert: emulators.tls.caCertFile,
  };
  if (options.urlsFile) await writeFile(options.urlsFile, JSON.stringify(urls, null, 2) + '\n');
  return { urls, emulators, app: apps.web.child, apps, stop };
}

function banner(urls: RunningSandbox['urls'], fixture: Fixture, fixturePath: string, workerUrls: string[], dataDir: string): string {
  const admin = fixture.users.find((u) => u.appRoles.includes('Archiver.Admin'));
  return [
    '',
    'Teams Recording Archiver for Kaltura: sandbox running',
    `  fixture                      ${fixturePath}`,
    `  data, reset at each start    ${dataDir}`,
    `  admin console                ${urls.app}/tab/`,
    ...(admin ? [`    sign in as                   ${admin.displayName} (holds Archiver.Admin)`] : []),
    `  app (health)                 ${urls.app}/healthz`,
    ...workerUrls.map((url, i) => `  worker ${String(i + 1).padEnd(22)}${url}/healthz`),
    `  emulated Kaltura (entries)   ${urls.kaltura}/__control/`,
    `  emulated Bot Connector       ${urls.connector}/__control/`,
    `  emulated Graph state         ${urls.graph}/__control/state`,
    `  emulated Entra ID            ${urls.entra}/__control/state`,
    `  sandbox CA certificate       ${urls.caCert}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  // With production configuration, `npm start` is just the app.
  if (loadConfig().mode === 'production') {
    const { runApp } = await import('../api/src/main.js');
    await runApp();
    return;
  }
  const options = readOptions(process.argv.slice(2));
  const fixture = await loadFixtureFile(options.fixture);
  const sandbox = await startSandbox(fixture, options);
  if (!options.quiet) process.stdout.write(banner(sandbox.urls, fixture, options.fixture, sandbox.apps.workers.map((w) => w.url), options.dataDir));
  const releases = pendingReleases(fixture);
  const cancelReleases =
    options.releaseEverySeconds > 0 && releases.length > 0
      ? scheduleReleases(sandbox.emulators, releases, options.releaseEverySeconds * 1000, (line) => {
          if (!options.quiet) process.stdout.write(`${line}\n`);
        })
      : () => undefined;
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    cancelReleases();
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const processes = [
    { name: 'the app', app: sandbox.apps.web },
    ...sandbox.apps.workers.map((app, i) => ({ name: `worker ${i + 1}`, app })),
  ];
  for (const { name, app } of processes) {
    void app.exited.then(({ code, signal }) => {
      if (stopping) return;
      stopping = true;
      cancelReleases();
      process.stderr.write(
        `\nsandbox: ${name} stopped unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); its log is above. ` +
          'Stopping the sandbox: run `npm start` again to start afresh.\n',
      );
      sandbox.stop().finally(() => process.exit(1));
    });
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`sandbox failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
