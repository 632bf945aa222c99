import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../api/src/clock.js';
import { IntegrationHealthKeeper, type HealthChange } from '../../../api/src/health/integration-health.js';
import { describeError } from '../../../api/src/integrations/error-catalogue.js';
import { createLogger } from '../../../api/src/logging/logger.js';
import { openStore } from '../../../api/src/store/open-store.js';
import type { Store } from '../../../api/src/store/store.js';
import { testKeys } from '../../contract/harness-keys.js';

describe('integration health: one owner', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let keeper: IntegrationHealthKeeper;
  let id: string;
  let changes: HealthChange[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'health-'));
    clock = new ManualClock(Date.parse('2026-11-30T10:00:00Z'));
    store = await openStore({ kind: 'sqlite', file: join(dir, 'a.sqlite') }, { clock, secretBox: testKeys().box });
    keeper = new IntegrationHealthKeeper({ integrations: store.integrations, clock, logger: createLogger('silent') });
    changes = [];
    keeper.onChange((c) => void changes.push(c));
    id = (
      await store.integrations.create({
        name: 'A',
        tenantId: '7f3e1c2a-5b4d-4e6f-8a9b-0c1d2e3f4a5b',
        appClientId: '9d8c7b6a-3333-4a1b-8c2d-3e4f5a6b7c8d',
        appClientSecret: 'secret-value',
        kaltura: { partnerId: 1, serviceUrl: 'https://kaltura.example', adminSecret: 'admin' },
      })
    ).id;
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the guide\'s words and the fix, keeps `since` while the code stays, and announces each change once', async () => {
    await keeper.error(id, { code: 'SECRET_EXPIRED', message: 'AADSTS7000222' });
    clock.advance(60_000);
    const again = (await keeper.error(id, { code: 'SECRET_EXPIRED', message: 'AADSTS7000222 again' }))!.health;
    assert.equal(again.state, 'error');
    assert.equal(again.error!.code, 'SECRET_EXPIRED');
    assert.equal(again.error!.message, `${describeError('SECRET_EXPIRED')!.message} AADSTS7000222 again`);
    assert.equal(again.error!.fix, describeError('SECRET_EXPIRED')!.fix);
    assert.equal(again.error!.at, clock.now() - 60_000, 'since the first time it was seen');
    assert.equal(changes.length, 1, 'the same problem seen twice is one change');
    assert.deepEqual([changes[0]!.before, changes[0]!.after], [{ state: 'unknown', code: null }, { state: 'error', code: 'SECRET_EXPIRED' }]);
  });

  it('error > warning > ok: a warning never hides an error, the oldest warning shows first, passing clears the error', async () => {
    await keeper.warning(id, { code: 'TRANSCRIPT_API_ACCESS_DISABLED', message: '' });
    clock.advance(1000);
    await keeper.warning(id, { code: 'SECRET_EXPIRING', message: 'It expires on 2026-12-10.' });
    let h = (await store.integrations.get(id))!.health;
    assert.equal(h.state, 'warning');
    assert.equal(h.error!.code, 'TRANSCRIPT_API_ACCESS_DISABLED', 'the first warning stays first');
    assert.deepEqual(h.problems.map((p) => p.code), ['TRANSCRIPT_API_ACCESS_DISABLED', 'SECRET_EXPIRING']);

    await keeper.error(id, { code: 'MISSING_RECORDING_PERMISSION', message: '' });
    h = (await store.integrations.get(id))!.health;
    assert.equal(h.state, 'error');
    assert.equal(h.error!.code, 'MISSING_RECORDING_PERMISSION');
    assert.equal(h.problems.length, 3);

    await keeper.passed(id, { cleared: ['TRANSCRIPT_API_ACCESS_DISABLED'] });
    h = (await store.integrations.get(id))!.health;
    assert.equal(h.state, 'warning');
    assert.deepEqual(h.problems.map((p) => p.code), ['SECRET_EXPIRING']);
    assert.equal(h.checkedAt, clock.now());
    await keeper.resolve(id, ['SECRET_EXPIRING']);
    h = (await store.integrations.get(id))!.health;
    assert.equal(h.state, 'ok');
    assert.equal(h.error, null);
  });

  it('an archive counts as success: unknown becomes ok with lastSuccessAt, an error stays', async () => {
    const ok = (await keeper.succeeded(id))!.health;
    assert.equal(ok.state, 'ok');
    assert.equal(ok.lastSuccessAt, clock.now());
    await keeper.error(id, { code: 'CATEGORY_NOT_FOUND', message: '"X"' });
    clock.advance(5);
    const still = (await keeper.succeeded(id))!.health;
    assert.equal(still.state, 'error');
    assert.equal(still.lastSuccessAt, clock.now());
  });

  it('writers in two processes never overwrite each other (compare-and-set)', async () => {
    const other = await openStore({ kind: 'sqlite', file: join(dir, 'a.sqlite') }, { clock, secretBox: testKeys().box });
    try {
      const second = new IntegrationHealthKeeper({ integrations: other.integrations, clock, logger: createLogger('silent') });
      const codes = Array.from({ length: 12 }, (_, i) => `WARNING_${i}`);
      await Promise.all(codes.map((code, i) => (i % 2 ? keeper : second).warning(id, { code, message: code })));
      const h = (await store.integrations.get(id))!.health;
      assert.deepEqual([...h.problems.map((p) => p.code)].sort(), [...codes].sort(), 'every warning survived');
      assert.equal(h.rev, codes.length);
    } finally {
      await other.close();
    }
  });

  it('a health written before problems were kept reads as the same facts', async () => {
    const db = (await import('better-sqlite3')).default(join(dir, 'a.sqlite'));
    db.prepare('UPDATE integrations SET health = ? WHERE id = ?').run(
      JSON.stringify({ state: 'error', error: { code: 'SECRET_INVALID', message: 'old words', at: 5 }, checkedAt: 5 }),
      id,
    );
    db.close();
    const h = (await store.integrations.get(id))!.health;
    assert.deepEqual(h.problems, [{ code: 'SECRET_INVALID', severity: 'error', message: 'old words', fix: null, since: 5 }]);
    assert.equal(h.rev, 0);
    const fixed = (await keeper.passed(id))!.health;
    assert.equal(fixed.state, 'ok');
    assert.equal(fixed.rev, 1);
  });
});
