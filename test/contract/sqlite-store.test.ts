import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../api/src/clock.js';
import { openStore } from '../../api/src/store/open-store.js';
import type { StoreOptions } from '../../api/src/store/store.js';
import { testKeys } from './harness-keys.js';
import { storeContract } from './store.contract.js';

const keys = testKeys();

storeContract(
  'sqlite',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-contract-'));
    const options: StoreOptions = { kind: 'sqlite', file: join(dir, 'data', 'archiver.sqlite') };
    // A minute behind the wall clock, so jobs enqueued here are already due for child processes.
    const clock = new ManualClock(Date.now() - 60_000);
    const store = await openStore(options, { clock, secretBox: keys.box });
    return {
      store,
      clock,
      childOptions: options,
      secretKeys: keys.spec,
      openAnother: (overrides) => openStore(options, { clock, secretBox: overrides?.secretBox ?? keys.box }),
      async rawDump() {
        const parts = await Promise.all(
          ['', '-wal'].map((suffix) => readFile(options.file + suffix).then((b) => b.toString('latin1'), () => '')),
        );
        return parts.join('\n');
      },
      async close() {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { rotatedBox: keys.rotatedBox, processJobs: 300 },
);
