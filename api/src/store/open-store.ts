import type { Store, StoreDeps, StoreOptions } from './store.js';

/**
 * The one way the app gets a Store. The MongoDB adapter is loaded only when asked for, so the
 * single-box default never loads the driver.
 */
export async function openStore(options: StoreOptions, deps: StoreDeps): Promise<Store> {
  switch (options.kind) {
    case 'sqlite': {
      const { openSqliteStore } = await import('./sqlite/sqlite-store.js');
      return openSqliteStore(options.file, deps);
    }
    case 'mongodb': {
      const { openMongoStore } = await import('./mongo/mongo-store.js');
      return openMongoStore(options, deps);
    }
  }
}
