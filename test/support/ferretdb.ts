import { FERRETDB_HOW_TO, findFerretDb, startFerretDb } from '../../bench/support/ferretdb-server.js';

export interface MongoTarget {
  uri: string;
  /** what the tests run against, for the log */
  description: string;
  stop(): Promise<void>;
}

/**
 * The MongoDB-protocol server for tests: MONGODB_URI if set, else a FerretDB started here. With
 * neither, returns null after a loud message, so a developer without Go can still run the suite;
 * under CI (process.env.CI set) it throws instead, so the MongoDB run can never be silently skipped.
 */
export async function mongoForTests(): Promise<MongoTarget | null> {
  const uri = process.env['MONGODB_URI'];
  if (uri) return { uri, description: 'MONGODB_URI', stop: async () => undefined };
  const lookup = findFerretDb();
  if (lookup.found) {
    const server = await startFerretDb(lookup.path);
    return { uri: server.uri, description: `FerretDB at ${lookup.path} on ${server.uri}`, stop: server.stop };
  }
  const message = `MongoDB contract run: no server (${lookup.reason}). To run it: ${FERRETDB_HOW_TO}`;
  if (process.env['CI']) throw new Error(`${message} (CI is set, so this is a failure, not a skip)`);
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!! SKIPPING the MongoDB store contract run.\n!! ${message}\n${bar}\n`);
  return null;
}
