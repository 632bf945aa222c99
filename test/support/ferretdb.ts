import { FERRETDB_HOW_TO, findFerretDb, startFerretDb } from '../../sandbox/ferretdb-server.js';
import { findPostgres, POSTGRES_HOW_TO, startPostgres } from '../../bench/support/postgres-server.js';

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
  return toolMissing('MongoDB contract run', `no server (${lookup.reason}). To run it: ${FERRETDB_HOW_TO}`);
}

/** FerretDB on a PostgreSQL started here, or null after a loud message (a failure under CI). */
export async function ferretDbOnPostgresForTests(): Promise<MongoTarget | null> {
  const ferret = findFerretDb();
  const postgres = findPostgres();
  if (!ferret.found) return toolMissing('FerretDB-on-PostgreSQL run', `${ferret.reason}. To run it: ${FERRETDB_HOW_TO}`);
  if (!postgres.found) return toolMissing('FerretDB-on-PostgreSQL run', `${postgres.reason}. To run it: ${POSTGRES_HOW_TO}`);
  const pg = await startPostgres(postgres);
  try {
    const server = await startFerretDb(ferret.path, { kind: 'postgresql', url: pg.url });
    return {
      uri: server.uri,
      description: `FerretDB at ${ferret.path} on PostgreSQL ${pg.version}, ${server.uri}`,
      async stop() {
        await server.stop();
        await pg.stop();
      },
    };
  } catch (error) {
    await pg.stop();
    throw error;
  }
}

/** What a developer without the tool sees: a loud skip. Under CI (process.env.CI set), a failure. */
export function toolMissing(run: string, why: string): null {
  const message = `${run}: ${why}`;
  if (process.env['CI']) throw new Error(`${message} (CI is set, so this is a failure, not a skip)`);
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!! SKIPPING the ${run}.\n!! ${message}\n${bar}\n`);
  return null;
}
