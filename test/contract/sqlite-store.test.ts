import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../api/src/clock.js';
import { SchemaTooNewError } from '../../api/src/store/errors.js';
import { openStore } from '../../api/src/store/open-store.js';
import { MIGRATIONS } from '../../api/src/store/sqlite/migrations/index.js';
import { migrate } from '../../api/src/store/sqlite/migrator.js';
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
      async storedJobRecords() {
        const db = new Database(options.file, { readonly: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n;
        } finally {
          db.close();
        }
      },
      async close() {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { rotatedBox: keys.rotatedBox, processJobs: 300 },
);

describe('SQLite adapter specifics', function () {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'store-sqlite-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('uses WAL, records each migration, and refuses a database migrated by a newer version', async function () {
    const file = join(dir, 'a.sqlite');
    const clock = new ManualClock(Date.now());
    await (await openStore({ kind: 'sqlite', file }, { clock, secretBox: keys.box })).close();
    const db = new Database(file);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number }[];
    assert.deepEqual(applied.map((m) => m.version), applied.map((_, i) => i + 1), 'migrations are numbered from 1 without gaps');
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('from the future');
    db.close();
    await assert.rejects(openStore({ kind: 'sqlite', file }, { clock, secretBox: keys.box }), SchemaTooNewError);
  });

  it('upgrades a database from schema 2 keeping its conversation references, all active', async function () {
    const file = join(dir, 'v2.sqlite');
    const old = new Database(file);
    // the schema the previous release left: its own migrations, then rows written in its shape
    assert.deepEqual(migrate(old, MIGRATIONS.filter((m) => m.version <= 2), 1000), { from: 0, to: 2 });
    const insert = old.prepare('INSERT INTO conversation_refs (tenant_id, user_id, reference, updated_at) VALUES (?, ?, ?, ?)');
    insert.run('tenant-1', 'user-1', JSON.stringify({ conversation: { id: 'a:1' } }), 1111);
    insert.run('tenant-2', 'user-1', JSON.stringify({ conversation: { id: 'b:1' } }), 2222);
    old.close();

    const clock = new ManualClock(Date.now());
    const store = await openStore({ kind: 'sqlite', file }, { clock, secretBox: keys.box });
    try {
      assert.equal((await store.info()).schemaVersion, 3);
      assert.deepEqual(await store.conversations.get('tenant-1', 'user-1'), {
        tenantId: 'tenant-1', userId: 'user-1', reference: { conversation: { id: 'a:1' } }, status: 'active', goneReason: null, updatedAt: 1111,
      });
      assert.equal((await store.conversations.get('tenant-2', 'user-1'))?.status, 'active');
      assert.equal(await store.conversations.markGone('tenant-2', 'user-1', 'uninstalled'), true);
      assert.equal((await store.conversations.get('tenant-2', 'user-1'))?.status, 'gone');
      await store.admins.seen({ tenantId: 'tenant-1', userId: 'user-1', name: 'Ada', isAdmin: true });
      assert.deepEqual((await store.admins.listAdmins('tenant-1')).map((a) => a.name), ['Ada']);
    } finally {
      await store.close();
    }
  });

  describe('file permissions', function () {
    let umask: number;
    // the usual umask, under which SQLite alone would leave the files readable by everyone
    beforeEach(() => (umask = process.umask(0o022)));
    afterEach(() => process.umask(umask));

    const modes = async (file: string) =>
      Promise.all(['', '-wal', '-shm'].map(async (suffix) => ((await stat(file + suffix)).mode & 0o777).toString(8)));

    it('creates the database, its WAL and its shared-memory file readable by the owner only', async function () {
      const file = join(dir, 'private', 'archiver.sqlite');
      const store = await openStore({ kind: 'sqlite', file }, { clock: new ManualClock(Date.now()), secretBox: keys.box });
      try {
        await store.jobs.enqueue({ kind: 'k', integrationId: 'i', idempotencyKey: 'written', payload: {} });
        assert.deepEqual(await modes(file), ['600', '600', '600']);
      } finally {
        await store.close();
      }
    });

    it('tightens a database and sidecars an older build left readable', async function () {
      const file = join(dir, 'old.sqlite');
      const old = new Database(file);
      old.pragma('journal_mode = WAL');
      old.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      try {
        assert.deepEqual(await modes(file), ['644', '644', '644'], 'the old build left them readable');
        const store = await openStore({ kind: 'sqlite', file }, { clock: new ManualClock(Date.now()), secretBox: keys.box });
        await store.close();
        assert.deepEqual(await modes(file), ['600', '600', '600']);
      } finally {
        old.close();
      }
    });
  });
});
