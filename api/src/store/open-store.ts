import { openMongoStore } from './mongo/mongo-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store, StoreDeps, StoreOptions } from './store.js';

/** The one way the app gets a Store. */
export async function openStore(options: StoreOptions, deps: StoreDeps): Promise<Store> {
  switch (options.kind) {
    case 'sqlite':
      return openSqliteStore(options.file, deps);
    case 'mongodb':
      return openMongoStore(options, deps);
  }
}
