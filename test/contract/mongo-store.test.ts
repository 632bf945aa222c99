import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { ManualClock } from '../../api/src/clock.js';
import { openStore } from '../../api/src/store/open-store.js';
import type { StoreOptions } from '../../api/src/store/store.js';
import { mongoForTests, type MongoTarget } from '../support/ferretdb.js';
import { testKeys } from './harness-keys.js';
import { storeContract } from './store.contract.js';

const keys = testKeys();

describe('MongoDB store (FerretDB unless MONGODB_URI is set)', function () {
  let target: MongoTarget | null = null;
  let admin: MongoClient | null = null;

  before(async function () {
    // The first run may build FerretDB (see findFerretDb), which takes a while.
    this.timeout(600_000);
    target = await mongoForTests();
    if (!target) return this.skip();
    console.log(`      MongoDB contract run against ${target.description}`);
    admin = await new MongoClient(target.uri).connect();
  });

  after(async function () {
    await admin?.close();
    await target?.stop();
  });

  storeContract(
    'mongodb',
    async () => {
      if (!target || !admin) throw new Error('no MongoDB target');
      const dbName = `contract_${randomBytes(6).toString('hex')}`;
      const options: StoreOptions = { kind: 'mongodb', uri: target.uri, dbName };
      const clock = new ManualClock(Date.now() - 60_000);
      const store = await openStore(options, { clock, secretBox: keys.box });
      const db = admin.db(dbName);
      return {
        store,
        clock,
        childOptions: options,
        secretKeys: keys.spec,
        openAnother: (overrides) => openStore(options, { clock, secretBox: overrides?.secretBox ?? keys.box }),
        async rawDump() {
          const collections = await db.listCollections({}, { nameOnly: true }).toArray();
          const dumps = await Promise.all(collections.map(async (c) => JSON.stringify(await db.collection(c.name).find({}).toArray())));
          return dumps.join('\n');
        },
        async close() {
          await store.close();
          await db.dropDatabase();
        },
      };
    },
    { rotatedBox: keys.rotatedBox, processJobs: 120 },
  );
});
