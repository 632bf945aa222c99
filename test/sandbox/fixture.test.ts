import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fixtureJsonSchema } from '../../sandbox/fixture/json-schema.js';
import { FixtureError, loadFixtureFile, parseFixture } from '../../sandbox/fixture/load-fixture.js';
import { demoFixturePath } from '../support/emulators.js';

const minimalPath = new URL('../fixtures/minimal.json', import.meta.url).pathname;

describe('sandbox fixture', () => {
  it('the committed JSON Schema is the one derived from the zod schema (run `npm run fixture-schema`)', async () => {
    const committed = JSON.parse(await readFile(new URL('../../sandbox/fixture.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(fixtureJsonSchema())));
  });

  it('loads the demo fixture with its meetings, recordings and integration', async () => {
    const f = await loadFixtureFile(demoFixturePath);
    assert.equal(f.meetings.length, 3);
    assert.ok(f.meetings.some((m) => m.recordings.some((r) => !r.available)), 'the demo releases some recordings after start');
    assert.equal(f.integrations.length, 1);
    assert.equal(f.integrations[0]!.settings.uploadTranscripts, true);
  });

  it('fills defaults in a minimal hand-written fixture', async () => {
    const f = await loadFixtureFile(minimalPath);
    assert.equal(f.tenant.transcriptApiAccess, true);
    assert.equal(f.appRegistrations[0]!.applicationAccessPolicy, true);
    assert.deepEqual(f.groups, []);
    assert.equal(f.meetings[0]!.recordings[0]!.available, true);
    assert.deepEqual(f.kaltura.appTokens, []);
  });

  it('names every problem by path', async () => {
    const raw = JSON.parse(await readFile(minimalPath, 'utf8'));
    raw.tenant.id = 'not-a-guid';
    raw.meetings[0].organizerId = '99999999-9999-4999-8999-999999999999';
    raw.meetings[0].recordings[0].size = -1;
    raw.extra = true;
    assert.throws(
      () => parseFixture(raw, 'bad.json'),
      (err: unknown) => {
        assert.ok(err instanceof FixtureError);
        assert.equal(err.code, 'FIXTURE_INVALID');
        assert.match(err.message, /^bad\.json is not a valid sandbox fixture/);
        assert.match(err.message, /tenant\.id/);
        assert.match(err.message, /meetings\.0\.recordings\.0\.size/);
        assert.match(err.message, /extra/);
        return true;
      },
    );
  });

  it('rejects a meeting whose organizer is not a fixture user', async () => {
    const raw = JSON.parse(await readFile(minimalPath, 'utf8'));
    raw.meetings[0].organizerId = '99999999-9999-4999-8999-999999999999';
    assert.throws(() => parseFixture(raw), /meetings\.0\.organizerId: no user 99999999/);
  });

  it('reports unreadable and non-JSON files clearly', async () => {
    await assert.rejects(loadFixtureFile('/nonexistent/fixture.json'), /cannot read fixture \/nonexistent\/fixture\.json/);
    await assert.rejects(loadFixtureFile(new URL('../../package.json', import.meta.url).pathname), /not a valid sandbox fixture/);
  });
});
