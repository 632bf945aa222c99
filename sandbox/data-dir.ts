import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What one sandbox start leaves that the next must not inherit. The emulators keep their state in
 * memory and come back on new ports, so an app database kept from the run before would still hold the
 * old emulated Kaltura's URL in its integration (the seed never overwrites one) and the old Graph
 * subscriptions: nothing would arrive, and nothing would say why. So every start begins afresh. The
 * sandbox CA stays (tls/), so a browser or a client told to trust it keeps trusting it.
 */
const PREVIOUS_RUN = [
  'app', // the app's SQLite database and its secret-box key (DATA_DIR)
  'kaltura', // the emulated Kaltura's uploaded media
  'ferretdb', // the app's database under --store mongodb
  'integrations.json', // the seed file, if a run stopped before the launcher removed it
];

const LOCK = 'sandbox.pid';

export interface SandboxDataDir {
  /** lets the next start use the directory */
  release(): Promise<void>;
}

/**
 * Takes the data directory for this launcher and clears what a previous run left in it. Refuses a
 * directory another running launcher uses: clearing it would pull the data out from under that one.
 */
export async function startAfresh(dataDir: string): Promise<SandboxDataDir> {
  const lock = join(dataDir, LOCK);
  const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
    throw new Error(
      `another sandbox (pid ${holder}) is running on ${dataDir}; stop it first, or give this one its own --data-dir ` +
        `(if no sandbox runs, delete ${lock})`,
    );
  }
  await writeFile(lock, `${process.pid}\n`);
  await Promise.all(PREVIOUS_RUN.map((name) => rm(join(dataDir, name), { recursive: true, force: true })));
  return {
    async release() {
      const still = (await readFile(lock, 'utf8').catch(() => '')).trim();
      if (still === String(process.pid)) await rm(lock, { force: true });
    },
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
