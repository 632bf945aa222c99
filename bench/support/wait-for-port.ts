import type { ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';

/** Resolves once 127.0.0.1:port accepts connections; rejects if `child` exits first or 30 s pass. */
export async function waitForPort(port: number, child: ChildProcess, name: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before accepting connections: ${output().trim()}`);
    }
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`${name} did not accept connections on 127.0.0.1:${port} within 30 s: ${output().trim()}`);
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
