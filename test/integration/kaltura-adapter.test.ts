import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTlsTrust } from '../../api/src/net/tls-trust.js';
import { KalturaAdapter } from '../../api/src/kaltura/kaltura-adapter.js';
import { KalturaError } from '../../api/src/kaltura/kaltura-errors.js';
import { contentSha256, contentStream } from '../../sandbox/content/deterministic-content.js';
import { startEmulator, type RunningEmulator } from '../../sandbox/emulator/emulator-server.js';
import { createKalturaEmulator } from '../../sandbox/kaltura/kaltura-emulator.js';
import { createSandboxTls } from '../../sandbox/tls/sandbox-ca.js';
import { demoFixture, startTestEmulators, type TestEmulators } from '../support/emulators.js';
import type { KalturaEntryState } from '../support/kaltura-state.js';

type StateEntry = KalturaEntryState;

/** The app's Kaltura adapter (the real kaltura-client) against the Kaltura emulator. */
describe('Kaltura adapter against the emulator', () => {
  let e: TestEmulators;
  before(async () => {
    e = await startTestEmulators();
  });
  after(() => e?.close());
  afterEach(() => e.control(e.kaltura, 'POST', '/__control/reset'));

  const partner = () => e.fixture.kaltura;
  const withAppToken = () =>
    new KalturaAdapter({ partnerId: partner().partnerId, serviceUrl: e.kaltura.url, appToken: { id: partner().appTokens[0]!.id, token: partner().appTokens[0]!.token } });
  const withSecret = (secret = partner().adminSecret) => new KalturaAdapter({ partnerId: partner().partnerId, serviceUrl: e.kaltura.url, adminSecret: secret });
  const entries = async () => (await e.control<{ entries: StateEntry[] }>(e.kaltura, 'GET', '/__control/state')).entries;

  async function codeOf(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof KalturaError, `expected a KalturaError, got ${JSON.stringify(err)}`);
      return err.code;
    }
    return 'no error';
  }

  it('starts sessions from an app token or the admin secret, and names rejected credentials', async () => {
    await withAppToken().verifyCredentials();
    await withSecret().verifyCredentials();
    assert.equal(await codeOf(withSecret('wrong-admin-secret').verifyCredentials()), 'KALTURA_CREDENTIALS_REJECTED');
    const badToken = new KalturaAdapter({ partnerId: partner().partnerId, serviceUrl: e.kaltura.url, appToken: { id: partner().appTokens[0]!.id, token: 'not-the-token-0000' } });
    assert.equal(await codeOf(badToken.verifyCredentials()), 'KALTURA_CREDENTIALS_REJECTED');
  });

  it('finds an app token\'s hash type by itself (SHA1 here)', async () => {
    const f = structuredClone(e.fixture);
    f.kaltura.appTokens[0]!.hashType = 'SHA1';
    await e.control(e.kaltura, 'POST', '/__control/fixture', f);
    await withAppToken().verifyCredentials();
    await e.control(e.kaltura, 'POST', '/__control/fixture', e.fixture);
  });

  it('reads, finds by exact email, and adds users; a duplicate add returns the existing user', async () => {
    const k = withAppToken();
    assert.equal((await k.getUser('megan.bowen@contoso.onmicrosoft.com'))?.email, 'megan.bowen@contoso.com');
    assert.equal(await k.getUser('nobody@contoso.com'), undefined);
    assert.deepEqual((await k.findUsersByEmail('ADELE.VANCE@contoso.com')).map((u) => u.id), ['adele.vance@contoso.onmicrosoft.com']);
    assert.deepEqual(await k.findUsersByEmail('adele.vance@contoso.co'), [], 'startsWith is narrowed to an exact match');
    const added = await k.addUser({ id: 'lee.gu@contoso.onmicrosoft.com', email: 'lee.gu@contoso.com', firstName: 'Lee', lastName: 'Gu' });
    assert.equal(added.id, 'lee.gu@contoso.onmicrosoft.com');
    assert.equal((await k.addUser({ id: 'lee.gu@contoso.onmicrosoft.com' })).email, 'lee.gu@contoso.com');
    assert.deepEqual(await k.groupIdsOf('megan.bowen@contoso.onmicrosoft.com'), ['teams-recorders']);
  });

  it('resolves categories by full name and names the missing ones', async () => {
    const k = withAppToken();
    const ids = await k.categoryIdsByFullName(['MediaSpace>site>channels>Teams recordings', 'Teams']);
    assert.equal(ids.size, 2);
    try {
      await k.categoryIdsByFullName(['Teams', 'No>Such>Category']);
      assert.fail('expected CATEGORY_NOT_FOUND');
    } catch (err) {
      assert.ok(err instanceof KalturaError);
      assert.equal(err.code, 'CATEGORY_NOT_FOUND');
      assert.equal(err.blocking, true);
      assert.match(err.message, /"No>Such>Category"/);
    }
  });

  it('uploads in chunks, resumes from what Kaltura holds after a broken stream, and the entry has the right bytes', async () => {
    const k = withAppToken();
    const size = 5 * 1024 * 1024 + 12_345;
    const seed = 'adapter-upload';
    const token = await k.createUploadToken('recording.mp4', size);

    // the download breaks after ~2.5 MiB: two 1 MiB chunks reach Kaltura, the rest is lost
    const broken = contentStream(seed, size);
    let passed = 0;
    const failing = new Readable({
      read() {
        const chunk = broken.read() as Buffer | null;
        if (chunk === null) {
          broken.once('readable', () => this.read());
          return;
        }
        passed += chunk.length;
        if (passed > 2.5 * 1024 * 1024) this.destroy(new Error('connection reset'));
        else this.push(chunk);
      },
    });
    await assert.rejects(k.uploadChunks(token, failing, 0, size, { chunkSize: 1024 * 1024 }), /connection reset/);
    const held = await k.uploadedBytes(token);
    assert.equal(held, 2 * 1024 * 1024);

    const progress: number[] = [];
    const final = await k.uploadChunks(token, contentStream(seed, size, held), held, size, { chunkSize: 1024 * 1024, onProgress: (b) => progress.push(b) });
    assert.equal(final, size);
    assert.equal(progress.at(-1), size);

    const entry = await k.addMediaEntry({
      name: 'Adapter test',
      description: 'd',
      referenceId: 'Teams_adapter-1',
      adminTags: 'msteams',
      userId: 'megan.bowen@contoso.onmicrosoft.com',
      creatorId: 'megan.bowen@contoso.onmicrosoft.com',
      entitledUsersEdit: ['adele.vance@contoso.onmicrosoft.com'],
      entitledUsersPublish: [],
      entitledUsersView: ['lee.gu@contoso.onmicrosoft.com', 'nestor.wilke@contoso.onmicrosoft.com'],
    });
    assert.equal(entry.status, 7, 'NO_CONTENT until the upload is attached');
    const found = await k.findEntriesByReferenceId('Teams_adapter-1');
    assert.deepEqual(found.map((x) => x.id), [entry.id], 'a not-ready entry is found with the status filter');
    await k.attachUploadToken(entry.id, token);
    await k.addToCategories(entry.id, [...(await k.categoryIdsByFullName(['Teams'])).values()]);
    await k.addToCategories(entry.id, [...(await k.categoryIdsByFullName(['Teams'])).values()]);
    await k.addCaption(entry.id, { label: 'Teams', language: 'English', text: 'WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n' });
    await k.addCaption(entry.id, { label: 'Teams', language: 'English', text: 'WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n' });

    const stored = (await entries()).find((x) => x.id === entry.id)!;
    assert.equal(stored.contentSize, size);
    assert.equal(stored.contentSha256, await contentSha256(seed, size));
    assert.deepEqual(stored.categories, ['Teams']);
    assert.deepEqual(stored.entitledUsersView, ['lee.gu@contoso.onmicrosoft.com', 'nestor.wilke@contoso.onmicrosoft.com']);
    assert.equal(stored.adminTags, 'msteams');
    assert.equal(stored.captions.length, 1, 'adding the same caption twice keeps one');
    assert.match(stored.captions[0]!.text ?? "", /hello/);
  });

  it('renames an entry through media.update, changing nothing else', async () => {
    const k = withAppToken();
    const entry = await k.addMediaEntry({
      name: 'Teams call by Megan Bowen (2026-11-24 14:00 UTC)',
      description: 'kept',
      referenceId: 'TeamsCall_adapter-rename',
      adminTags: 'msteams,adhoc',
      userId: 'megan.bowen@contoso.onmicrosoft.com',
      creatorId: 'megan.bowen@contoso.onmicrosoft.com',
      entitledUsersEdit: [],
      entitledUsersPublish: [],
      entitledUsersView: [],
    });
    await k.renameEntry(entry.id, 'Teams call with Lee Gu (2026-11-24 14:00 UTC)');
    assert.equal((await k.getEntry(entry.id))?.name, 'Teams call with Lee Gu (2026-11-24 14:00 UTC)');
    const stored = (await entries()).find((x) => x.id === entry.id)!;
    assert.equal(stored.description, 'kept');
    assert.equal(stored.adminTags, 'msteams,adhoc');
    assert.equal(stored.userId, 'megan.bowen@contoso.onmicrosoft.com');
    assert.equal(await codeOf(k.renameEntry('0_nosuchentry', 'x')), 'ENTRY_ID_NOT_FOUND');
  });

  it('reads, finds by file name and deletes upload tokens; an outage while reading is an error, not "no such token"', async () => {
    const k = withAppToken();
    const name = 'Teams recording 0123456789abcdef.mp4';
    const a = await k.createUploadToken(name, 10);
    const b = await k.createUploadToken(name, 10);
    const other = await k.createUploadToken('another recording.mp4', 10);
    assert.deepEqual((await k.getUploadToken(a))?.status, 0);
    assert.deepEqual((await k.findUploadTokens(name)).map((t) => t.id).sort(), [a, b].sort());

    await k.deleteUploadToken(a);
    await k.deleteUploadToken(a); // already gone: no error
    assert.deepEqual((await k.findUploadTokens(name)).map((t) => t.id), [b], 'a deleted token is not found again');
    assert.equal((await k.getUploadToken(a))?.status ?? 5, 5);
    assert.equal(await k.getUploadToken('0_nosuchtoken00000000000000000000'), undefined);

    await e.control(e.kaltura, 'POST', '/__control/faults', { pathPattern: '/service/uploadtoken/action/get', status: 502, body: '<html>Bad Gateway</html>' });
    const err = await k.getUploadToken(other).then(() => undefined, (x: unknown) => x);
    assert.ok(err instanceof KalturaError, 'a 502 is thrown, not taken for a missing token');
    assert.deepEqual([err.code, err.retryable], ['KALTURA_UNAVAILABLE', true]);
    assert.equal((await k.getUploadToken(other))?.id, other);
  });

  it('reports a Kaltura outage as retryable', async () => {
    const k = withAppToken();
    await k.verifyCredentials();
    await e.control(e.kaltura, 'POST', '/__control/faults', { pathPattern: '/service/user/action/get', status: 503, headers: { 'Retry-After': '3' } });
    try {
      await k.getUser('megan.bowen@contoso.onmicrosoft.com');
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof KalturaError);
      assert.deepEqual([err.code, err.retryable, err.retryAfterMs], ['KALTURA_UNAVAILABLE', true, 3000]);
    }
  });

  it('chunk uploads (sent without copying the chunk) fail like any other call: API errors by code, outages retryable, the session renewed once', async () => {
    const k = withAppToken();
    const size = 1024 * 1024;
    const chunk = () => contentStream('adapter-upload-errors', size);
    assert.equal(await codeOf(k.uploadChunks('0_no_such_token', chunk(), 0, size)), 'UPLOAD_TOKEN_NOT_FOUND');

    const token = await k.createUploadToken('recording.mp4', size);
    await e.control(e.kaltura, 'POST', '/__control/faults', { pathPattern: '/service/uploadtoken/action/upload', status: 503, headers: { 'Retry-After': '7' } });
    try {
      await k.uploadChunks(token, chunk(), 0, size);
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof KalturaError);
      assert.deepEqual([err.code, err.retryable, err.retryAfterMs], ['KALTURA_UNAVAILABLE', true, 7000]);
    }
    await e.control(e.kaltura, 'POST', '/__control/faults', { pathPattern: '/service/uploadtoken/action/upload', resetConnection: true });
    assert.equal(await codeOf(k.uploadChunks(token, chunk(), 0, size)), 'KALTURA_UNAVAILABLE');
    await e.control(e.kaltura, 'POST', '/__control/faults', {
      pathPattern: '/service/uploadtoken/action/upload',
      status: 200,
      body: { objectType: 'KalturaAPIException', code: 'INVALID_KS', message: 'Invalid KS "…" Error "-1,INVALID_STR"' },
    });
    // the KS is renewed and the chunk sent again: this time it lands
    assert.equal(await k.uploadChunks(token, chunk(), 0, size), size);
    assert.equal(await k.uploadedBytes(token), size);
  });
});

/** A self-hosted Kaltura behind a private CA: EXTRA_CA_FILE's trust reaches kaltura-client and the chunk uploads. */
describe('Kaltura adapter over HTTPS with a private CA', () => {
  let dir: string;
  let kaltura: RunningEmulator;
  let ca: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaltura-tls-'));
    const tls = createSandboxTls();
    ca = tls.caCertPem;
    kaltura = await startEmulator(createKalturaEmulator({ dataDir: dir }), await demoFixture(), { tls: { cert: tls.serverCertPem, key: tls.serverKeyPem } });
  });
  after(async () => {
    await kaltura?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const adapter = async (trust?: ReturnType<typeof createTlsTrust>) => {
    const partner = (await demoFixture()).kaltura;
    return new KalturaAdapter(
      { partnerId: partner.partnerId, serviceUrl: kaltura.url, adminSecret: partner.adminSecret },
      trust ? { httpsAgent: trust.httpsAgent, dispatcher: trust.dispatcher } : {},
    );
  };

  it('works when given the CA, and refuses the certificate without it', async () => {
    assert.match(kaltura.url, /^https:\/\/127\.0\.0\.1:/);
    const trust = createTlsTrust(ca);
    try {
      const k = await adapter(trust);
      await k.verifyCredentials();
      const size = 1024 * 1024 + 7;
      const token = await k.createUploadToken('r.mp4', size);
      assert.equal(await k.uploadChunks(token, contentStream('tls', size), 0, size, { chunkSize: 512 * 1024 }), size);

      const untrusting = await adapter();
      try {
        await untrusting.verifyCredentials();
        assert.fail('expected a certificate error');
      } catch (err) {
        assert.ok(err instanceof KalturaError);
        assert.equal(err.code, 'KALTURA_UNAVAILABLE');
        assert.match(err.message, /certificate/i);
      }
    } finally {
      await trust.dispatcher.close();
      trust.httpsAgent.destroy();
    }
  });
});
