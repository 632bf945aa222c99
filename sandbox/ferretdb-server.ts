import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './process-utils.js';
import { superviseServer } from './server-process.js';

/**
 * Starts a FerretDB (v1.24) on loopback: a real MongoDB-protocol server for the contract suite, the
 * bench and the sandbox's `--store mongodb`, on its SQLite backend (nothing else to run) or on a
 * PostgreSQL given by URL. Used by test/support/ferretdb.ts, bench/store.ts and sandbox/app-processes.ts.
 */
export const FERRETDB_VERSION = 'v1.24.2';
export const FERRETDB_INSTALL =
  `install FerretDB ${FERRETDB_VERSION} (needs Go) with \`bash .ci/install-ferretdb.sh\` (a plain ` +
  `\`go install github.com/FerretDB/FerretDB/cmd/ferretdb@${FERRETDB_VERSION}\` builds a binary that panics at start), ` +
  'with $(go env GOPATH)/bin on PATH or the binary in FERRETDB_BIN';
export const FERRETDB_HOW_TO = `${FERRETDB_INSTALL}; or set MONGODB_URI to any MongoDB 5+ server.`;

export type FerretDbLookup = { found: true; path: string } | { found: false; reason: string };

/** FERRETDB_BIN, else `ferretdb` on PATH; checked by running `--version`. */
export function findFerretDb(env: NodeJS.ProcessEnv = process.env): FerretDbLookup {
  const candidates = env['FERRETDB_BIN']
    ? [env['FERRETDB_BIN']]
    : (env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'ferretdb'));
  const path = candidates.find((p) => existsSync(p));
  if (!path) return { found: false, reason: env['FERRETDB_BIN'] ? `FERRETDB_BIN=${env['FERRETDB_BIN']} does not exist` : 'no ferretdb on PATH' };
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status === 0) return { found: true, path };
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`;
  const problem = output.split('\n').find((line) => line.trim() !== '') ?? `exit ${result.status}`;
  return { found: false, reason: `${path} --version failed: ${problem}` };
}

export interface FerretDbServer {
  uri: string;
  stop(): Promise<void>;
}

export type FerretDbBackend = { kind: 'sqlite' } | { kind: 'postgresql'; url: string };

export interface FerretDbOptions {
  /** where its state (and the SQLite backend's databases) lives, kept after stop; default a temporary directory, removed */
  dir?: string;
}

export async function startFerretDb(binary: string, backend: FerretDbBackend = { kind: 'sqlite' }, options: FerretDbOptions = {}): Promise<FerretDbServer> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ferretdb-')));
  if (options.dir) await mkdir(options.dir, { recursive: true });
  const port = await freePort();
  const handler =
    backend.kind === 'sqlite' ? ['--handler=sqlite', `--sqlite-url=file:${dir}/`] : ['--handler=postgresql', `--postgresql-url=${backend.url}`];
  const child = spawn(
    binary,
    [
      ...handler,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      `--state-dir=${dir}`,
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stop = await superviseServer(child, {
    name: 'ferretdb',
    port,
    stopSignal: 'SIGTERM',
    graceMs: 5_000,
    cleanup: async () => {
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  });
  return { uri: `mongodb://127.0.0.1:${port}/`, stop };
}

