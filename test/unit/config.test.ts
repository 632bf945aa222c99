import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig, settings } from '../../api/src/config.js';

describe('config', () => {
  it('runs the sandbox on SQLite with no configuration at all', () => {
    const c = loadConfig({});
    assert.equal(c.mode, 'sandbox');
    assert.deepEqual(c.store, { kind: 'sqlite', file: '.data/archiver.sqlite' });
    assert.equal(c.http.port, 3978);
    assert.equal(c.graph.baseUrl, 'https://graph.microsoft.com');
  });

  it('selects MongoDB when MONGODB_URI is set and trims trailing slashes from base URLs', () => {
    const c = loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1:27017', GRAPH_BASE_URL: 'https://graph.microsoft.us/' });
    assert.deepEqual(c.store, { kind: 'mongodb', uri: 'mongodb://127.0.0.1:27017', dbName: 'archiver' });
    assert.equal(c.graph.baseUrl, 'https://graph.microsoft.us');
  });

  it('names every bad value, hiding secret ones', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', MONGODB_URI: 'postgres://user:hunter2@db', ROLE: 'boss' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'CONFIG_INVALID');
        assert.match(err.message, /PORT="eighty"/);
        assert.match(err.message, /ROLE="boss"/);
        assert.match(err.message, /MONGODB_URI=\(hidden\)/);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      },
    );
  });

  it('production refuses to start without its secrets and identities', () => {
    assert.throws(() => loadConfig({ ARCHIVER_MODE: 'production' }), /production mode needs SECRET_KEYS, TEAMS_APP_CLIENT_ID, TEAMS_APP_TENANT_ID, BOT_ID, BOT_PASSWORD, PUBLIC_URL, BOT_TENANT_ID/);
    const c = loadConfig({
      ARCHIVER_MODE: 'production',
      SECRET_KEYS: 'k1:' + Buffer.alloc(32, 1).toString('base64'),
      TEAMS_APP_CLIENT_ID: 'client',
      TEAMS_APP_TENANT_ID: 'tid',
      BOT_ID: 'bot',
      BOT_PASSWORD: 'pw',
      PUBLIC_URL: 'https://archiver.contoso.com/',
      BOT_TYPE: 'MultiTenant',
    });
    assert.equal(c.http.publicUrl, 'https://archiver.contoso.com');
  });

  it('the README documents every setting with its default', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [name, s] of Object.entries(settings)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      assert.ok(row, `README has no row for ${name}`);
      const def = (s as { default?: string }).default;
      if (def) assert.ok(row.includes(`\`${def}\``), `README row for ${name} lacks its default ${def}`);
    }
  });
});
