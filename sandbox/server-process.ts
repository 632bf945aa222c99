import type { ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';

export interface ServerProcessOptions {
  /** for error messages */
  name: string;
  port: number;
  /** how the server shuts down cleanly, and how long it gets before SIGKILL */
  stopSignal: NodeJS.Signals;
  graceMs: number;
  /** after the process is gone (its temp dir…) */
  cleanup(): Promise<void>;
}

/**
 * A throwaway server process (FerretDB, PostgreSQL) for the tests and the bench: waits until it
 * accepts connections on 127.0.0.1:port, and returns its stop(). It is killed with this process if
 * nobody stops it (a failed hook, process.exit), and stopped if it never comes up.
 */
export async function superviseServer(child: ChildProcess, o: ServerProcessOptions): Promise<() => Promise<void>> {
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(o.stopSignal);
      const timer = setTimeout(() => child.kill('SIGKILL'), o.graceMs);
      await exited;
      clearTimeout(timer);
    }
    await o.cleanup();
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`${o.name} exited (${child.exitCode ?? child.signalCode}) before accepting connections: ${output.trim()}`);
    }
    if (await canConnect(o.port)) return stop;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${o.name} did not accept connections on 127.0.0.1:${o.port} within 30 s: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
