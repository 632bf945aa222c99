/**
 * A separate process that claims and completes jobs until none is left, for the contract suite's
 * multi-process test. Argument: JSON { store: StoreOptions, secretKeys, workerId }.
 * Prints {"ready":true}, waits for "go" on stdin (so all processes start together), then prints
 * {"claimed":[ids]} and exits.
 */
import { createInterface } from 'node:readline';
import { systemClock } from '../../api/src/clock.js';
import { createSecretBox } from '../../api/src/security/secret-box.js';
import { parseSecretKeys } from '../../api/src/security/secret-keys.js';
import { openStore } from '../../api/src/store/open-store.js';
import type { StoreOptions } from '../../api/src/store/store.js';

interface Args {
  store: StoreOptions;
  secretKeys: string;
  workerId: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const store = await openStore(args.store, { clock: systemClock, secretBox: createSecretBox(parseSecretKeys(args.secretKeys)) });
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on('line', (line) => line.trim() === 'go' && resolve()));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
await go;
lines.close();

const claimed: string[] = [];
for (;;) {
  const job = await store.jobs.claim({ workerId: args.workerId, leaseMs: 60_000 });
  if (!job) break;
  claimed.push(job.id);
  await store.jobs.complete(job, { by: args.workerId });
}
process.stdout.write(`${JSON.stringify({ claimed })}\n`);
await store.close();
