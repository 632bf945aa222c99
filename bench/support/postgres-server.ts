import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../../sandbox/process-utils.js';
import { superviseServer } from '../../sandbox/server-process.js';

/**
 * A throwaway PostgreSQL cluster on loopback, as the backend of a FerretDB for the MongoDB store
 * bench and contract run. FerretDB's PostgreSQL backend filters in SQL, where its SQLite backend
 * decodes every document of a collection for each query; a 10,000-job queue is only measurable on it.
 *
 * Needs the server binaries (Debian: `apt-get install postgresql`). PostgreSQL refuses to run as
 * root, so as root the cluster runs as the `postgres` user the package creates.
 */
export const POSTGRES_HOW_TO = 'install PostgreSQL (Debian: `apt-get install postgresql`), or point PG_BIN at the folder holding initdb and postgres';

export type PostgresLookup = { found: true; binDir: string; version: string } | { found: false; reason: string };

/** PG_BIN, else initdb on PATH, else the newest Debian layout (/usr/lib/postgresql/<major>/bin). */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): PostgresLookup {
  const candidates: string[] = [];
  if (env['PG_BIN']) candidates.push(env['PG_BIN']);
  else {
    candidates.push(...(env['PATH'] ?? '').split(delimiter).filter(Boolean));
    const debian = '/usr/lib/postgresql';
    if (existsSync(debian)) {
      const majors = readdirSync(debian).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
      candidates.push(...majors.map((m) => join(debian, m, 'bin')));
    }
  }
  const binDir = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
  if (!binDir) return { found: false, reason: env['PG_BIN'] ? `PG_BIN=${env['PG_BIN']} has no initdb and postgres` : 'no PostgreSQL server binaries found' };
  const result = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) return { found: false, reason: `${join(binDir, 'postgres')} --version failed` };
  return { found: true, binDir, version: result.stdout.trim().replace(/^postgres \(PostgreSQL\) /, '') };
}

export interface PostgresServer {
  /** for FerretDB's --postgresql-url */
  url: string;
  version: string;
  stop(): Promise<void>;
}

export async function startPostgres(lookup: { binDir: string; version: string }): Promise<PostgresServer> {
  const runAs = serverUser();
  const dir = await mkdtemp(join(tmpdir(), 'postgres-'));
  if (runAs) await chown(dir, runAs.uid, runAs.gid);
  const data = join(dir, 'data');
  const owner = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};

  const init = spawnSync(
    join(lookup.binDir, 'initdb'),
    ['-D', data, '-A', 'trust', '-U', 'ferretdb', '-E', 'UTF8', '--locale=C', '--no-sync'],
    { encoding: 'utf8', timeout: 60_000, cwd: dir, ...owner },
  );
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(init.stderr || init.stdout || init.error?.message || '').trim()}`);
  }

  const port = await freePort();
  // synchronous_commit=off is PostgreSQL's counterpart of the SQLite adapter's WAL with
  // synchronous=NORMAL: a crash may lose the last moments, never consistency.
  const child = spawn(
    join(lookup.binDir, 'postgres'),
    ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'synchronous_commit=off'],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...owner },
  );
  const stop = await superviseServer(child, {
    name: 'postgres',
    port,
    stopSignal: 'SIGINT', // "fast" shutdown
    graceMs: 10_000,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  });
  return { url: `postgres://ferretdb@127.0.0.1:${port}/postgres`, version: lookup.version, stop };
}

/** As root, the `postgres` system user; otherwise null (run as ourselves). */
function serverUser(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('PostgreSQL will not run as root, and there is no `postgres` user to run it as');
  return { uid: Number(uid), gid: Number(gid) };
}
