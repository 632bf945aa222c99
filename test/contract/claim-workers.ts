import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StoreOptions } from '../../api/src/store/store.js';

const workerScript = fileURLToPath(new URL('../support/claim-worker.ts', import.meta.url));
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ClaimWorkerResult {
  workerId: string;
  claimed: string[];
}

/**
 * Runs `processes` claim-worker processes against one database, released at the same moment once all
 * have opened the store, and returns what each claimed.
 */
export async function runClaimWorkers(options: { processes: number; store: StoreOptions; secretKeys: string }): Promise<ClaimWorkerResult[]> {
  const workers = Array.from({ length: options.processes }, (_, i) => {
    const workerId = `proc-${i}`;
    const child = spawn(process.execPath, ['--import', 'tsx', workerScript, JSON.stringify({ store: options.store, secretKeys: options.secretKeys, workerId })], {
      cwd: projectRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const messages: Record<string, unknown>[] = [];
    let onMessage = () => {};
    createInterface({ input: child.stdout }).on('line', (line) => {
      messages.push(JSON.parse(line) as Record<string, unknown>);
      onMessage();
    });
    const exited = new Promise<void>((resolve, reject) =>
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${workerId} exited with ${code}: ${stderr}`)))),
    );
    const waitFor = (key: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const check = () => {
          const found = messages.find((m) => key in m);
          if (found) resolve(found);
        };
        onMessage = check;
        check();
        exited.then(() => reject(new Error(`${workerId} exited before "${key}": ${stderr}`)), reject);
      });
    return { workerId, child, waitFor, exited };
  });
  try {
    await Promise.all(workers.map((w) => w.waitFor('ready')));
    for (const w of workers) w.child.stdin.write('go\n');
    const results = await Promise.all(
      workers.map(async (w) => ({ workerId: w.workerId, claimed: (await w.waitFor('claimed'))['claimed'] as string[] })),
    );
    await Promise.all(workers.map((w) => w.exited));
    return results;
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  }
}
