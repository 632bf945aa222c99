import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../api/src/config.js';

const DAY = 24 * 60 * 60 * 1000;

describe('config: job retention', () => {
  it('keeps finished jobs 14 days unless JOB_RETENTION_DAYS says otherwise', () => {
    assert.equal(loadConfig({}).worker.retentionMs, 14 * DAY);
    assert.equal(loadConfig({ JOB_RETENTION_DAYS: '90' }).worker.retentionMs, 90 * DAY);
  });

  it('refuses a retention that is not a whole number of days, naming the setting', () => {
    for (const bad of ['0', '1.5', 'forever']) {
      assert.throws(() => loadConfig({ JOB_RETENTION_DAYS: bad }), (e: unknown) => e instanceof ConfigError && /JOB_RETENTION_DAYS/.test(e.message), bad);
    }
  });
});
