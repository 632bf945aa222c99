import { join } from 'node:path';
import { appEnvironment } from './app-environment.js';
import { spawnApp, type AppProcess } from './app-process.js';
import type { Emulators } from './emulators.js';
import { FERRETDB_INSTALL, findFerretDb, startFerretDb, type FerretDbServer } from './ferretdb-server.js';
import type { Fixture } from './fixture/schema.js';
import { freePort } from './process-utils.js';

export type SandboxStore = 'sqlite' | 'mongodb';

export interface AppProcessesOptions {
  dataDir: string;
  /** the port of the process Graph's webhooks reach (the only process without workers) */
  port: number;
  store: SandboxStore;
  /** ROLE=worker processes beside one ROLE=web; 0 runs one ROLE=all process */
  workers: number;
  quiet: boolean;
  /** settings for every process over the sandbox's own (tests: WORKER_LEASE_MS…) */
  settings?: Record<string, string>;
}

export interface AppProcesses {
  /** the ROLE=web process, or the one ROLE=all process */
  web: AppProcess;
  workers: AppProcess[];
  /** the FerretDB the processes share (`store: 'mongodb'`) */
  mongodbUri?: string;
  /** every app process, then the FerretDB */
  stop(): Promise<void>;
}

/**
 * The app as the sandbox runs it: one process on the embedded SQLite; or, to show scale-out, one
 * ROLE=web process and N ROLE=worker processes sharing a FerretDB started here, whose SQLite files
 * live in the data directory beside everything else the sandbox keeps. Every process gets the web
 * process's URL as PUBLIC_URL, because the workers' schedulers are the ones that create the Graph
 * subscriptions; a worker's own port only serves /healthz.
 */
export async function startAppProcesses(fixture: Fixture, emulators: Emulators, o: AppProcessesOptions): Promise<AppProcesses> {
  if (o.workers > 0 && o.store !== 'mongodb') throw new Error('worker processes need a shared store: add --store mongodb (SQLite serves one process)');
  const mongo = o.store === 'mongodb' ? await startSandboxFerretDb(o.dataDir) : undefined;
  const started: AppProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
    await mongo?.stop();
  };
  const spawnOptions = { inheritSettings: true, echo: o.quiet ? 'stderr' : 'all' } as const;
  const publicUrl = `http://127.0.0.1:${o.port}`;
  const environment = async (role: 'web' | 'worker' | 'all', port: number) => ({
    ...(await appEnvironment(fixture, emulators, o.dataDir, port, { role, publicUrl, mongodbUri: mongo?.uri })),
    ...o.settings,
  });
  try {
    // The web process first: it creates the seeded integration before any worker looks for it (each
    // process seeds at start, and two seeding at once could both create it), and it must answer
    // Graph's validation handshake before a worker's scheduler subscribes.
    const web = await spawnApp(await environment(o.workers > 0 ? 'web' : 'all', o.port), spawnOptions);
    started.push(web);
    const envs = [];
    for (let i = 0; i < o.workers; i++) envs.push(await environment('worker', await freePort()));
    // the workers together, as replicas of a deployment start
    const workers = await Promise.allSettled(envs.map((env) => spawnApp(env, spawnOptions)));
    for (const w of workers) if (w.status === 'fulfilled') started.push(w.value);
    const failed = workers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed) throw failed.reason;
    return { web, workers: started.slice(1), mongodbUri: mongo?.uri, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startSandboxFerretDb(dataDir: string): Promise<FerretDbServer> {
  const lookup = findFerretDb();
  if (!lookup.found) throw new Error(`--store mongodb runs a FerretDB: ${lookup.reason}; ${FERRETDB_INSTALL}.`);
  return startFerretDb(lookup.path, { kind: 'sqlite' }, { dir: join(dataDir, 'ferretdb') });
}
