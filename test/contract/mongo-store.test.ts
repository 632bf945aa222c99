import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { ManualClock } from '../../api/src/clock.js';
import { SchemaTooNewError } from '../../api/src/store/errors.js';
import type { ConversationDoc } from '../../api/src/store/mongo/mongo-conversations.js';
import { SETUP_STEPS } from '../../api/src/store/mongo/setup.js';
import { openStore } from '../../api/src/store/open-store.js';
import type { StoreOptions } from '../../api/src/store/store.js';
import { ferretDbOnPostgresForTests, mongoForTests, type MongoTarget } from '../support/ferretdb.js';
import { testKeys } from './harness-keys.js';
import { storeContract } from './store.contract.js';

const keys = testKeys();

describe('MongoDB store (FerretDB unless MONGODB_URI is set)', function () {
  mongoStoreSuite(mongoForTests);
});

// FerretDB's PostgreSQL backend answers queries by another path (filters in SQL) than its SQLite one.
describe('MongoDB store on FerretDB with PostgreSQL', function () {
  mongoStoreSuite(ferretDbOnPostgresForTests);
});

function mongoStoreSuite(startTarget: () => Promise<MongoTarget | null>): void {
  let target: MongoTarget | null = null;
  let admin: MongoClient | null = null;

  before(async function () {
    this.timeout(120_000);
    target = await startTarget();
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
        async storedJobRecords() {
          const counts = await Promise.all(['jobs', 'job_revisions'].map((name) => db.collection(name).countDocuments()));
          return counts[0]! + counts[1]!;
        },
        async close() {
          await store.close();
          await db.dropDatabase();
        },
      };
    },
    { rotatedBox: keys.rotatedBox, processJobs: 120 },
  );

  describe('MongoDB adapter specifics', function () {
    let dbName: string;
    const open = (clock: ManualClock) => openStore({ kind: 'mongodb', uri: target!.uri, dbName }, { clock, secretBox: keys.box });

    beforeEach(function () {
      dbName = `specific_${randomBytes(6).toString('hex')}`;
    });
    afterEach(async function () {
      await admin?.db(dbName).dropDatabase();
    });

    it('heals a job whose writer died between committing a revision and updating the cache', async function () {
      const clock = new ManualClock(Date.now());
      const store = await open(clock);
      const other = await open(clock);
      try {
        const { job } = await store.jobs.enqueue({ kind: 'k', integrationId: 'i', idempotencyKey: 'heal', payload: {} });
        const jobs = admin!.db(dbName).collection<{ _id: string; rev: number; state: string }>('jobs');
        const before = await jobs.findOne({ _id: job.id });
        const claimed = await other.jobs.claim({ workerId: 'crashed', leaseMs: 1000 });
        assert.equal(claimed?.id, job.id);
        // Undo the cache write, as if the claimer died right after committing its revision.
        await jobs.replaceOne({ _id: job.id }, before!);
        assert.equal(await store.jobs.claim({ workerId: 'w', leaseMs: 1000 }), null, 'the committed claim still holds');
        assert.equal((await jobs.findOne({ _id: job.id }))?.state, 'active', 'the losing claimer repaired the cache');
        await jobs.replaceOne({ _id: job.id }, before!);
        assert.equal((await store.jobs.get(job.id))?.leaseOwner, 'crashed', 'reads see the committed revision');
        clock.advance(1001);
        assert.deepEqual(await store.jobs.recoverStalled({ maxStalledCount: 1 }), { requeued: [job.id], failed: [] });
        assert.equal((await store.jobs.claim({ workerId: 'w', leaseMs: 1000 }))?.attempts, 2);
      } finally {
        await store.close();
        await other.close();
      }
    });

    it("purge drops only the revisions no writer can need: old, below the cache's, or of a job gone", async function () {
      const HOUR = 60 * 60_000;
      const clock = new ManualClock(Date.now());
      const store = await open(clock);
      try {
        const db = admin!.db(dbName);
        const revisions = db.collection<{ _id: string; jobId: string; rev: number; at: number; job: string }>('job_revisions');
        const jobs = db.collection<{ _id: string; inc: string; rev: number }>('jobs');
        const revs = async (jobId: string) => (await revisions.find({ jobId }).toArray()).map((r) => r.rev).sort((a, b) => a - b);
        const { job } = await store.jobs.enqueue({ kind: 'k', integrationId: 'i', idempotencyKey: 'ledger', payload: {} });
        let held = (await store.jobs.claim({ workerId: 'w', leaseMs: 24 * HOUR }))!;
        for (let i = 0; i < 5; i++) held = await store.jobs.renew(held, 24 * HOUR);
        assert.deepEqual(await revs(job.id), [1, 2, 3, 4, 5, 6]);

        await store.jobs.purge({ finishedBefore: 0 });
        assert.deepEqual(await revs(job.id), [1, 2, 3, 4, 5, 6], 'a revision from the last hour may still be needed');

        // the writer of revision 6 died before the cache heard of it
        const { inc } = (await jobs.findOne({ _id: job.id }))!;
        await jobs.replaceOne({ _id: job.id }, JSON.parse((await revisions.findOne({ _id: `${job.id}.${inc}.5` }))!.job));
        // a slow writer's revision of a job purged meanwhile
        await revisions.insertOne({ _id: 'job_gone.inc.3', jobId: 'job_gone', rev: 3, at: clock.now(), job: '{}' });
        clock.advance(2 * HOUR);
        await store.jobs.purge({ finishedBefore: 0 });
        assert.deepEqual(await revs(job.id), [5, 6], "the cache's revision and the one after it stay");
        assert.equal(await revisions.countDocuments({ jobId: 'job_gone' }), 0);

        assert.equal((await store.jobs.get(job.id))?.rev, 6, 'reads still heal the cache');
        assert.equal((await store.jobs.renew(held, 1000)).rev, 7);
        assert.equal(await store.jobs.claim({ workerId: 'thief', leaseMs: 1000 }), null);
      } finally {
        await store.close();
      }
    });

    it('upgrades a database from setup step 3: its conversation references read as active, admins work', async function () {
      // the database the previous release left: its own setup steps, then documents in its shape
      const db = admin!.db(dbName);
      for (const step of SETUP_STEPS.filter((s) => s.version <= 3)) await step.run(db);
      await db.collection<{ _id: string; version: number }>('meta').insertOne({ _id: 'schema', version: 3 });
      await db.collection<Omit<ConversationDoc, 'status' | 'goneReason'>>('conversation_refs').insertMany([
        { _id: JSON.stringify(['tenant-1', 'user-1']), tenantId: 'tenant-1', userId: 'user-1', reference: JSON.stringify({ conversation: { id: 'a:1' } }), updatedAt: 1111 },
        { _id: JSON.stringify(['tenant-2', 'user-1']), tenantId: 'tenant-2', userId: 'user-1', reference: JSON.stringify({ conversation: { id: 'b:1' } }), updatedAt: 2222 },
      ]);

      const store = await open(new ManualClock(Date.now()));
      try {
        assert.equal((await store.info()).schemaVersion, 4);
        assert.deepEqual(await store.conversations.get('tenant-1', 'user-1'), {
          tenantId: 'tenant-1', userId: 'user-1', reference: { conversation: { id: 'a:1' } }, status: 'active', goneReason: null, updatedAt: 1111,
        });
        assert.equal(await store.conversations.markGone('tenant-2', 'user-1', 'uninstalled'), true);
        assert.equal((await store.conversations.get('tenant-2', 'user-1'))?.status, 'gone');
        assert.equal((await store.conversations.get('tenant-1', 'user-1'))?.status, 'active');
        await store.admins.seen({ tenantId: 'tenant-1', userId: 'user-1', name: 'Ada', isAdmin: true });
        assert.deepEqual((await store.admins.listAdmins('tenant-1')).map((a) => a.name), ['Ada']);
        const indexes = await db.collection('admin_sightings').indexes();
        assert.ok(indexes.some((i) => i.name === 'admin_sightings_user' && i.unique), 'unique tenant + user index');
      } finally {
        await store.close();
      }
    });

    it('refuses a database set up by a newer version', async function () {
      const clock = new ManualClock(Date.now());
      await (await open(clock)).close();
      await admin!.db(dbName).collection<{ _id: string; version: number }>('meta').updateOne({ _id: 'schema' }, { $set: { version: 999 } });
      await assert.rejects(open(clock), SchemaTooNewError);
    });
  });
}
