import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { settings } from '../api/src/config.js';
import { waitForHealthy } from './process-utils.js';
import { appCommand } from './app-command.js';

/**
 * The real app as a child process, configured only through its environment, as production runs it.
 * Under tsx (tests) it runs api/src/main.ts through tsx; from dist/ (the built bench, the sandbox
 * launcher) it runs the built dist/api/src/main.js, so what is measured is the app without a compiler
 * in the process. Used by the sandbox launcher (sandbox/app-processes.ts), the bench and the tests.
 */
export interface AppProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** the last 64 KiB of the app's stdout and stderr, for failure messages */
  output(): string;
  /** resolves with the exit code or signal once the process is gone */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** the process's peak resident set size so far (VmHWM), in bytes; Linux only */
  peakRssBytes(): Promise<number>;
  /** SIGKILL: a crash, nothing gets to clean up */
  crash(): Promise<void>;
  /** SIGTERM and wait (SIGKILL after 10 s) */
  stop(): Promise<void>;
}

function definedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** this process's environment without any of the app's settings: the child gets exactly the ones given */
function inheritedEnv(): Record<string, string> {
  const own = new Set(Object.keys(settings));
  return Object.fromEntries(Object.entries(definedEnv()).filter(([name]) => !own.has(name)));
}

export interface SpawnOptions {
  startTimeoutMs?: number;
  /**
   * Settings already in this process's environment reach the child too (`LOG_LEVEL=debug npm start`),
   * under those given; by default the child gets exactly the settings given, so a measurement or a
   * test does not depend on the shell it runs in.
   */
  inheritSettings?: boolean;
  /** also write the child's output here as it comes: both streams, only stderr, or neither (default) */
  echo?: 'all' | 'stderr' | 'none';
}

export async function spawnApp(env: Record<string, string>, options: SpawnOptions = {}): Promise<AppProcess> {
  const entry = appCommand();
  const child = spawn(entry.command, entry.args, {
    env: { ...(options.inheritSettings ? definedEnv() : inheritedEnv()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const echo = options.echo ?? 'none';
  if (echo === 'all') child.stdout!.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  if (echo !== 'none') child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const url = `http://127.0.0.1:${env.PORT}`;
  const app: AppProcess = {
    child,
    pid: child.pid!,
    url,
    output: () => out,
    exited,
    peakRssBytes: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
      if (!m) throw new Error(`no VmHWM in /proc/${child.pid}/status`);
      return Number(m[1]) * 1024;
    },
    crash: async () => {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const early = exited.then(({ code, signal }) => {
    throw new Error(`the app exited during start-up (code ${code}, signal ${signal}):\n${out}`);
  });
  try {
    await Promise.race([waitForHealthy(`${url}/healthz`, options.startTimeoutMs ?? 60_000), early]);
  } catch (err) {
    await app.crash();
    throw err;
  }
  early.catch(() => undefined);
  return app;
}
