import { chmodSync, closeSync, openSync } from 'node:fs';

/**
 * The database holds sealed secrets, job payloads and people's names: only the app's own user may
 * read it. SQLite creates its WAL and shared-memory files beside the database with the database's
 * permissions, so a database made private before the first open keeps all three private.
 */
const PRIVATE = 0o600;
const SIDECARS = ['-wal', '-shm', '-journal'];

/** Creates the database file private if it does not exist yet (the mode applies only on creation). */
export function createPrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE));
}

/**
 * Tightens the database and the sidecars that exist, for files an older build or another umask left
 * readable. A file owned by another user (a shared database) is left as it is: that is its owner's call.
 */
export function restrictToOwner(file: string): void {
  for (const path of [file, ...SIDECARS.map((s) => file + s)]) {
    try {
      chmodSync(path, PRIVATE);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EPERM') throw error;
    }
  }
}
