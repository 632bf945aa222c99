import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import kaltura from 'kaltura-client';
import { contentSha256, contentStream } from '../../sandbox/content/deterministic-content.js';
import { generateKs } from '../../sandbox/kaltura/ks.js';
import { startTestEmulators, type TestEmulators } from '../support/emulators.js';
import type { KalturaEntryState } from '../support/kaltura-state.js';

/**
 * Drives the Kaltura emulator with the real kaltura-client 21.20.0, so what is checked is what the
 * client really sends and how it really reads the answers (reference/kaltura-api.md §1-§9).
 */

type APIException = kaltura.APIException;

type StateEntry = KalturaEntryState;

interface KalturaState {
  partner: { partnerId: number; appTokens: Array<{ id: string }> };
  entries: StateEntry[];
  users: Array<{ id: string; email: string | null; status: number }>;
  groups: Array<{ id: string; members: string[] }>;
  categories: Array<{ id: number; fullName: string }>;
  uploadTokens: Array<{ id: string; status: number; fileName: string | null; uploadedFileSize: number | null; sha256: string | null }>;
}

const PARTNER_ID = 4242;
const ADMIN_SECRET = 'demo-admin-secret-4242';
const USER_SECRET = 'demo-user-secret-4242';
const APP_TOKEN_ID = '0_demoapptk';
const APP_TOKEN = 'demo-app-token-value-0123456789abcdef';
const TEAMS_CATEGORY = 'MediaSpace>site>channels>Teams recordings';

describe('Kaltura emulator, driven by kaltura-client', function () {
  let emulators: TestEmulators;
  let adminKs: string;

  const newClient = (ks?: string): kaltura.Client => {
    const config = new kaltura.Configuration();
    config.serviceUrl = emulators.kaltura.url;
    config.setLogger({ log() {}, debug() {}, error() {} });
    const client = new kaltura.Client(config);
    if (ks) client.setKs(ks);
    return client;
  };
  const admin = (): kaltura.Client => newClient(adminKs);
  const state = (): Promise<KalturaState> => emulators.control<KalturaState>(emulators.kaltura, 'GET', '/__control/state');
  const entryInState = async (id: string): Promise<StateEntry> => {
    const found = (await state()).entries.find((e) => e.id === id);
    assert.ok(found, `entry ${id} in control state`);
    return found;
  };

  before(async function () {
    emulators = await startTestEmulators();
    adminKs = await kaltura.services.session.start(ADMIN_SECRET, 'teams-archive', 2, PARTNER_ID, 86400, 'disableentitlement').execute(newClient());
  });

  after(async function () {
    await emulators?.close();
  });

  describe('sessions', function () {
    it('issues a KS v2 for the admin secret and reads it back', async function () {
      assert.match(adminKs, /^djJ8/);
      assert.ok(Buffer.from(adminKs.replace(/-/g, '+').replace(/_/g, '/'), 'base64').subarray(0, 8).toString('latin1').startsWith(`v2|${PARTNER_ID}|`));
      const info = await kaltura.services.session.get(adminKs).execute(admin());
      assert.equal(info.objectType, 'KalturaSessionInfo');
      assert.equal(String(info.sessionType), '2');
      assert.equal(info.partnerId, PARTNER_ID);
      assert.equal(info.userId, 'teams-archive');
      assert.equal(info.privileges, 'disableentitlement');
      const now = Math.floor(Date.now() / 1000);
      assert.ok(info.expiry! > now + 86000 && info.expiry! <= now + 86400, `expiry ${info.expiry}`);
    });

    it('rejects a wrong secret with a plain START_SESSION_ERROR object', async function () {
      const err = await rejection(kaltura.services.session.start('not-the-secret', '', 2, PARTNER_ID).execute(newClient()));
      assert.ok(!(err instanceof Error), 'the client rejects with the JSON body, not an Error');
      assert.deepEqual(err, {
        code: 'START_SESSION_ERROR',
        message: `Error while starting session for partner [${PARTNER_ID}]`,
        objectType: 'KalturaAPIException',
        args: { PID: String(PARTNER_ID) },
      });
    });

    it('takes the user secret for a USER session only', async function () {
      const userKs = await kaltura.services.session.start(USER_SECRET, 'megan', 0, PARTNER_ID).execute(newClient());
      const info = await kaltura.services.session.get(userKs).execute(newClient(userKs));
      assert.equal(String(info.sessionType), '0');
      const err = await rejection(kaltura.services.session.start(USER_SECRET, '', 2, PARTNER_ID).execute(newClient()));
      assert.equal(err.code, 'START_SESSION_ERROR');
    });

    it('answers INVALID_KS for a malformed, an expired and an ended KS', async function () {
      const bad = 'djJ8NDI0MnxnYXJiYWdl';
      const malformed = await rejection(kaltura.services.baseEntry.listAction().execute(newClient(bad)));
      assert.deepEqual(malformed, {
        code: 'INVALID_KS',
        message: `Invalid KS "${bad}", Error "-1,INVALID_STR"`,
        objectType: 'KalturaAPIException',
        args: { KSID: bad, ERR_CODE: '-1', ERR_DESC: 'INVALID_STR' },
      });

      const expiredKs = generateKs(ADMIN_SECRET, {
        partnerId: PARTNER_ID,
        userId: 'teams-archive',
        type: 2,
        expiry: Math.floor(Date.now() / 1000) - 10,
        privileges: '',
      });
      const expired = await rejection(kaltura.services.baseEntry.listAction().execute(newClient(expiredKs)));
      assert.deepEqual(expired, {
        code: 'INVALID_KS',
        message: 'Invalid KS "EXPIRED", Error "-1,INVALID_STR"',
        objectType: 'KalturaAPIException',
        args: { KSID: 'EXPIRED', ERR_CODE: '-1', ERR_DESC: 'INVALID_STR' },
      });

      const shortKs = await kaltura.services.session.start(ADMIN_SECRET, 'x', 2, PARTNER_ID).execute(newClient());
      assert.equal(await kaltura.services.session.end().execute(newClient(shortKs)), null);
      const ended = await rejection(kaltura.services.baseEntry.listAction().execute(newClient(shortKs)));
      assert.equal(ended.code, 'INVALID_KS');
      assert.equal(ended.message, 'Invalid KS "LOGOUT", Error "-1,INVALID_STR"');
    });

    it('forbids actions without a KS with SERVICE_FORBIDDEN', async function () {
      const err = await rejection(kaltura.services.media.listAction().execute(newClient()));
      assert.deepEqual(err, {
        code: 'SERVICE_FORBIDDEN',
        message: 'The access to service [media->list] is forbidden',
        objectType: 'KalturaAPIException',
        args: { SERVICE: 'media->list' },
      });
    });

    it('runs the app-token flow: widget session, then startSession with sha256(ks + token)', async function () {
      const widget = await kaltura.services.session.startWidgetSession(`_${PARTNER_ID}`).execute(newClient());
      assert.equal(widget.objectType, 'KalturaStartWidgetSessionResponse');
      assert.equal(widget.partnerId, PARTNER_ID);
      assert.equal(String(widget.userId), '0');
      const widgetKs = widget.ks as string;
      const widgetClient = newClient(widgetKs);

      // a widget session may not do admin work
      const forbidden = await rejection(kaltura.services.user.listAction().execute(widgetClient));
      assert.equal(forbidden.code, 'SERVICE_FORBIDDEN');

      const wrong = await rejection(kaltura.services.appToken.startSession(APP_TOKEN_ID, 'deadbeef').execute(widgetClient));
      assert.deepEqual(wrong, { code: 'INVALID_APP_TOKEN_HASH', message: 'Invalid application token hash', objectType: 'KalturaAPIException', args: [] });
      const unknown = await rejection(kaltura.services.appToken.startSession('0_nosuch', 'x').execute(widgetClient));
      assert.deepEqual(unknown.args, { ID: '0_nosuch' });
      assert.equal(unknown.message, 'Application token id "0_nosuch" not found');

      const tokenHash = createHash('sha256').update(widgetKs + APP_TOKEN).digest('hex');
      const info = await kaltura.services.appToken.startSession(APP_TOKEN_ID, tokenHash).execute(widgetClient);
      assert.equal(info.objectType, 'KalturaSessionInfo');
      assert.equal(String(info.sessionType), '2', "the token's sessionType wins");
      assert.equal(info.partnerId, PARTNER_ID);
      const privileges = (info.privileges ?? '').split(',');
      assert.ok(privileges.includes('disableentitlement'), info.privileges);
      assert.ok(privileges.includes(`apptoken:${APP_TOKEN_ID}`), info.privileges);
      assert.ok(privileges.includes(`sessionid:${APP_TOKEN_ID}`), info.privileges);

      const users = await kaltura.services.user.listAction().execute(newClient(info.ks));
      assert.ok(users.totalCount >= 3);

      const badWidget = await rejection(kaltura.services.session.startWidgetSession('_999').execute(newClient()));
      assert.deepEqual(badWidget.args, { WIDGET_ID: '_999' });
      assert.equal(badWidget.message, 'Unknown widget [_999]');
    });
  });

  describe('chunked upload', function () {
    const seed = 'kaltura-emulator-test-recording';
    const size = 3 * 256 * 1024 + 12_345;
    let bytes: Buffer;

    before(async function () {
      bytes = await readAll(contentStream(seed, size));
      assert.equal(bytes.length, size);
    });

    it('resumes after a crash from uploadedFileSize and ends with the right sha256', async function () {
      const expected = await contentSha256(seed, size);
      const c1 = 256 * 1024;
      const c2 = 256 * 1024;
      const client = admin();
      const token = await kaltura.services.uploadToken
        .add(new kaltura.objects.UploadToken({ fileName: 'meeting.mp4', fileSize: size }))
        .execute(client);
      assert.equal(token.objectType, 'KalturaUploadToken');
      assert.equal(String(token.status), '0');
      assert.match(token.id!, /^0_[0-9a-f]{32}$/);

      const after1 = await kaltura.services.uploadToken.upload(token.id!, bytes.subarray(0, c1), false, false, 0).execute(client);
      assert.equal(String(after1.status), '1');
      assert.equal(after1.uploadedFileSize, c1);
      const after2 = await kaltura.services.uploadToken.upload(token.id!, bytes.subarray(c1, c1 + c2), true, false, c1).execute(client);
      assert.equal(after2.uploadedFileSize, c1 + c2);

      // "crash": a new process asks how much Kaltura already has
      const fresh = admin();
      const seen = await kaltura.services.uploadToken.get(token.id!).execute(fresh);
      assert.equal(seen.uploadedFileSize, c1 + c2);
      assert.equal(String(seen.status), '1');
      assert.equal(seen.fileName, 'meeting.mp4', 'the multipart filename "chunk" does not replace a name given on add');

      // a chunk resent after the crash does not grow or corrupt the file
      const resent = await kaltura.services.uploadToken.upload(token.id!, bytes.subarray(c1, c1 + c2), true, false, c1).execute(fresh);
      assert.equal(resent.uploadedFileSize, c1 + c2);

      const offset = seen.uploadedFileSize!;
      const done = await kaltura.services.uploadToken.upload(token.id!, bytes.subarray(offset), true, true, offset).execute(fresh);
      assert.equal(String(done.status), '2');
      assert.equal(done.uploadedFileSize, size);

      const again = await rejection(kaltura.services.uploadToken.upload(token.id!, bytes.subarray(0, 10), true, true, size).execute(fresh));
      assert.equal(again.code, 'UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD');

      const t = (await state()).uploadTokens.find((x) => x.id === token.id);
      assert.equal(t?.sha256, expected);
      assert.equal(t?.uploadedFileSize, size);

      const uploads = emulators.kaltura.requests.filter((r) => r.path === '/api_v3/service/uploadtoken/action/upload');
      assert.ok(uploads.length >= 5 && uploads.every((r) => r.status === 200), 'the multipart requests were answered');
    });

    it('assembles out-of-order and overlapping chunks, and a final chunk that waits for a late one', async function () {
      const expected = await contentSha256(seed, size);
      const client = admin();
      const a = 200_000;
      const b = 300_000;
      const token = await kaltura.services.uploadToken.add(new kaltura.objects.UploadToken({ fileName: 'parallel.mp4' })).execute(client);
      const id = token.id!;
      await kaltura.services.uploadToken.upload(id, bytes.subarray(0, a), false, false, 0).execute(client);
      // the third part arrives before the second: parked, nothing appended yet
      const early = await kaltura.services.uploadToken.upload(id, bytes.subarray(a + b, a + b + 100_000), true, false, a + b).execute(client);
      assert.equal(early.uploadedFileSize, a);
      // the final part is sent before the second arrives; the server waits for it
      const finalPart = kaltura.services.uploadToken.upload(id, bytes.subarray(a + b + 100_000), true, true, a + b + 100_000).execute(client);
      await new Promise((r) => setTimeout(r, 200));
      // the second part is resent overlapping bytes Kaltura already has: written at its offset
      const middle = await kaltura.services.uploadToken.upload(id, bytes.subarray(a - 1000, a + b), true, false, a - 1000).execute(client);
      assert.ok(middle.uploadedFileSize! >= a + b + 100_000);
      const done = await finalPart;
      assert.equal(String(done.status), '2');
      assert.equal(done.uploadedFileSize, size);
      const t = (await state()).uploadTokens.find((x) => x.id === id);
      assert.equal(t?.sha256, expected, 'an overwrite breaks the running hash, so it is recomputed from the file');

      const listed = await kaltura.services.uploadToken
        .listAction(new kaltura.objects.UploadTokenFilter({ idIn: `${id},0_nosuch`, statusEqual: kaltura.enums.UploadTokenStatus.FULL_UPLOAD }))
        .execute(client);
      assert.equal(listed.objectType, 'KalturaUploadTokenListResponse');
      assert.deepEqual(
        listed.objects.map((x) => [x.id, x.fileName, x.uploadedFileSize]),
        [[id, 'parallel.mp4', size]],
      );
    });

    it('answers each chunk of a parallel upload with its own result: a non-final chunk never says FULL_UPLOAD', async function () {
      this.timeout(60_000);
      const client = admin();
      const part = 300_000;
      const whole = await readAll(contentStream('parallel-chunks', 4 * part));
      const expected = createHash('sha256').update(whole).digest('hex');
      const own = (p: Promise<kaltura.objects.UploadToken>) => p.then((t) => String(t.status), (err: APIException) => err.code);
      for (let round = 0; round < 12; round++) {
        const token = await kaltura.services.uploadToken.add(new kaltura.objects.UploadToken({ fileName: `parallel-${round}.mp4` })).execute(client);
        const id = token.id!;
        await kaltura.services.uploadToken.upload(id, whole.subarray(0, part), false, false, 0).execute(client);
        // the middle chunks, the final one and a resend of a middle one, all at once (the documented parallel protocol)
        const middles = [1, 2].map((i) => own(kaltura.services.uploadToken.upload(id, whole.subarray(i * part, (i + 1) * part), true, false, i * part).execute(client)));
        const final = own(kaltura.services.uploadToken.upload(id, whole.subarray(3 * part), true, true, 3 * part).execute(client));
        const resend = new Promise((r) => setTimeout(r, round % 4)).then(() =>
          own(kaltura.services.uploadToken.upload(id, whole.subarray(2 * part, 3 * part), true, false, 2 * part).execute(client)),
        );
        const [m1, m2, done, again] = await Promise.all([...middles, final, resend]);
        assert.deepEqual([m1, m2, done], ['1', '1', '2'], `round ${round}: middle, middle, final`);
        // a resend that comes after the final chunk finds the token finished, as Kaltura would
        assert.ok(again === '1' || again === 'UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD', `round ${round}: the resend answered ${again}`);
        const t = (await state()).uploadTokens.find((x) => x.id === id);
        assert.deepEqual([t?.status, t?.uploadedFileSize, t?.sha256], [2, whole.length, expected], `round ${round}: a late chunk does not undo the finished upload`);
      }
    });

    it('fails a final chunk whose earlier bytes never arrive with UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE', async function () {
      await emulators.control(emulators.kaltura, 'POST', '/__control/settings', { finalChunkWaitMs: 150 });
      const client = admin();
      const token = await kaltura.services.uploadToken.add(new kaltura.objects.UploadToken({ fileName: 'gap.mp4' })).execute(client);
      await kaltura.services.uploadToken.upload(token.id!, bytes.subarray(0, 1000), false, false, 0).execute(client);
      const err = await rejection(kaltura.services.uploadToken.upload(token.id!, bytes.subarray(2000, 3000), true, true, 2000).execute(client));
      assert.deepEqual(err, {
        code: 'UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE',
        message: 'Failed to match expected file size',
        objectType: 'KalturaAPIException',
        args: [],
      });
      // retryable: the missing bytes arrive, the final chunk is sent again
      await kaltura.services.uploadToken.upload(token.id!, bytes.subarray(1000, 2000), true, false, 1000).execute(client);
      const done = await kaltura.services.uploadToken.upload(token.id!, bytes.subarray(2000, 3000), true, true, 2000).execute(client);
      assert.equal(String(done.status), '2');
      assert.equal(done.uploadedFileSize, 3000);
      const t = (await state()).uploadTokens.find((x) => x.id === token.id);
      assert.equal(t?.sha256, createHash('sha256').update(bytes.subarray(0, 3000)).digest('hex'));
    });

    it('does not resume a token that has no file yet', async function () {
      const client = admin();
      const token = await kaltura.services.uploadToken.add(new kaltura.objects.UploadToken({ fileName: 'x.mp4' })).execute(client);
      const err = await rejection(kaltura.services.uploadToken.upload(token.id!, Buffer.from('abc'), true, false, 0).execute(client));
      assert.deepEqual(err, {
        code: 'UPLOAD_TOKEN_CANNOT_RESUME',
        message: 'Cannot resume the upload, original file was not found',
        objectType: 'KalturaAPIException',
        args: [],
      });
      const missing = await rejection(kaltura.services.uploadToken.get('0_nosuchtoken').execute(client));
      assert.equal(missing.code, 'UPLOAD_TOKEN_NOT_FOUND');
    });
  });

  describe('entries', function () {
    it('media.add gives NO_CONTENT, addContent goes PRECONVERT then READY with the uploaded bytes', async function () {
      await emulators.control(emulators.kaltura, 'POST', '/__control/settings', { readyDelayMs: 400 });
      const seed = 'entry-content';
      const size = 700_001;
      const bytes = await readAll(contentStream(seed, size));
      const client = admin();
      const entry = await kaltura.services.media
        .add(
          new kaltura.objects.MediaEntry({
            name: 'Weekly sync — 2026-11-20',
            description: 'Organizer: Megan Bowen',
            mediaType: kaltura.enums.MediaType.VIDEO,
            referenceId: 'teams:rec-ready-1',
            adminTags: 'msteams',
            userId: 'megan.bowen@contoso.onmicrosoft.com',
            entitledUsersEdit: 'adele.vance@contoso.onmicrosoft.com',
            entitledUsersView: 'new.viewer@contoso.onmicrosoft.com',
          }),
        )
        .execute(client);
      assert.equal(entry.objectType, 'KalturaMediaEntry');
      assert.match(entry.id!, /^0_[0-9a-z]{8}$/);
      assert.equal(String(entry.status), kaltura.enums.EntryStatus.NO_CONTENT);
      assert.equal(entry.userId, 'megan.bowen@contoso.onmicrosoft.com');
      assert.equal(entry.creatorId, 'megan.bowen@contoso.onmicrosoft.com');
      assert.equal(entry.entitledUsersEdit, 'adele.vance@contoso.onmicrosoft.com');
      assert.equal('entitledUsersPublish' in entry, false, 'nulls are omitted');

      const token = await kaltura.services.uploadToken.add(new kaltura.objects.UploadToken({ fileName: 'rec.mp4', fileSize: size })).execute(client);
      await kaltura.services.uploadToken.upload(token.id!, bytes.subarray(0, 400_000), false, false, 0).execute(client);
      await kaltura.services.uploadToken.upload(token.id!, bytes.subarray(400_000), true, true, 400_000).execute(client);
      const added = await kaltura.services.media
        .addContent(entry.id!, new kaltura.objects.UploadedFileTokenResource({ token: token.id }))
        .execute(client);
      assert.equal(String(added.status), kaltura.enums.EntryStatus.PRECONVERT);
      const closed = await kaltura.services.uploadToken.get(token.id!).execute(client);
      assert.equal(String(closed.status), '3', 'the token is CLOSED once used');

      const again = await rejection(
        kaltura.services.media.addContent(entry.id!, new kaltura.objects.UploadedFileTokenResource({ token: token.id })).execute(client),
      );
      assert.equal(again.code, 'ENTRY_ALREADY_WITH_CONTENT');

      const ready = await waitFor(async () => {
        const e = await kaltura.services.baseEntry.get(entry.id!).execute(client);
        return String(e.status) === kaltura.enums.EntryStatus.READY ? e : undefined;
      });
      assert.equal(ready.referenceId, 'teams:rec-ready-1');

      const s = await entryInState(entry.id!);
      assert.equal(s.contentSize, size);
      assert.equal(s.contentSha256, await contentSha256(seed, size));
      assert.equal(s.status, 2);
      assert.deepEqual(s.entitledUsersEdit, ['adele.vance@contoso.onmicrosoft.com']);
      assert.deepEqual(s.entitledUsersView, ['new.viewer@contoso.onmicrosoft.com']);
      assert.equal(s.adminTags, 'msteams');

      const stored = await fetch(`${emulators.kaltura.url}/__control/entries/${entry.id}/content`);
      assert.equal(createHash('sha256').update(Buffer.from(await stored.arrayBuffer())).digest('hex'), s.contentSha256);
      const downloaded = await fetch(ready.downloadUrl!);
      assert.equal(createHash('sha256').update(Buffer.from(await downloaded.arrayBuffer())).digest('hex'), s.contentSha256);
      await emulators.control(emulators.kaltura, 'POST', '/__control/settings', { readyDelayMs: 0 });
    });

    it('an addContent before the upload ends leaves the entry in IMPORT until the final chunk', async function () {
      const client = admin();
      const entry = await kaltura.services.media.add(new kaltura.objects.MediaEntry({ name: 'early', mediaType: 1 })).execute(client);
      const token = await kaltura.services.uploadToken.add(new kaltura.objects.UploadToken({ fileName: 'e.mp4' })).execute(client);
      await kaltura.services.uploadToken.upload(token.id!, Buffer.from('first-'), false, false, 0).execute(client);
      const importing = await kaltura.services.media
        .addContent(entry.id!, new kaltura.objects.UploadedFileTokenResource({ token: token.id }))
        .execute(client);
      assert.equal(String(importing.status), kaltura.enums.EntryStatus.IMPORT);
      await kaltura.services.uploadToken.upload(token.id!, Buffer.from('last'), true, true, 6).execute(client);
      const e = await kaltura.services.media.get(entry.id!).execute(client);
      assert.equal(String(e.status), kaltura.enums.EntryStatus.READY);
      assert.equal((await entryInState(entry.id!)).contentSha256, createHash('sha256').update('first-last').digest('hex'));
    });

    it('lists READY entries only, unless a status filter is given', async function () {
      const client = admin();
      const ref = `teams:rec-pending-${Date.now()}`;
      const pending = await kaltura.services.media
        .add(new kaltura.objects.MediaEntry({ name: 'pending', mediaType: 1, referenceId: ref, adminTags: 'msteams,other', userId: 'lister@x' }))
        .execute(client);

      const plain = await kaltura.services.baseEntry.listAction(new kaltura.objects.BaseEntryFilter({ referenceIdEqual: ref })).execute(client);
      assert.equal(plain.objectType, 'KalturaBaseEntryListResponse');
      assert.equal(plain.totalCount, 0, 'a NO_CONTENT entry is not READY, so the default filter hides it');
      assert.deepEqual(plain.objects, []);

      const withStatus = await kaltura.services.baseEntry
        .listAction(new kaltura.objects.BaseEntryFilter({ referenceIdEqual: ref, statusNotIn: '3,-1,-2' }), new kaltura.objects.FilterPager({ pageSize: 1 }))
        .execute(client);
      assert.equal(withStatus.totalCount, 1);
      assert.equal(withStatus.objects[0]?.id, pending.id);
      assert.equal(withStatus.objects[0]?.objectType, 'KalturaMediaEntry');

      const byStatusIn = await kaltura.services.media
        .listAction(new kaltura.objects.MediaEntryFilter({ idIn: `${pending.id},0_nosuch00`, statusIn: '7' }))
        .execute(client);
      assert.equal(byStatusIn.objectType, 'KalturaMediaListResponse');
      assert.equal(byStatusIn.totalCount, 1);

      const byOwner = await kaltura.services.baseEntry
        .listAction(new kaltura.objects.BaseEntryFilter({ userIdEqual: 'lister@x', adminTagsLike: 'msteams', statusIn: '7,2' }))
        .execute(client);
      assert.deepEqual(
        byOwner.objects.map((e) => e.id),
        [pending.id],
      );

      const ready = await kaltura.services.baseEntry.listAction(new kaltura.objects.BaseEntryFilter({ referenceIdEqual: 'teams:rec-ready-1' })).execute(client);
      assert.equal(ready.totalCount, 1, 'the READY entry is found without a status filter');

      await kaltura.services.baseEntry.deleteAction(pending.id!).execute(client);
      const deleted = await rejection(kaltura.services.baseEntry.get(pending.id!).execute(client));
      assert.deepEqual(deleted, {
        code: 'ENTRY_ID_NOT_FOUND',
        message: `Entry id "${pending.id}" not found`,
        objectType: 'KalturaAPIException',
        args: { ENTRY_ID: pending.id },
      });
      const afterDelete = await kaltura.services.baseEntry
        .listAction(new kaltura.objects.BaseEntryFilter({ referenceIdEqual: ref, statusNotIn: '3,-1,-2' }))
        .execute(client);
      assert.equal(afterDelete.totalCount, 0);
    });

    it('keeps duplicate referenceIds and pages through them', async function () {
      const client = admin();
      const ref = `teams:dup-${Date.now()}`;
      const first = await kaltura.services.media.add(new kaltura.objects.MediaEntry({ name: 'one', mediaType: 1, referenceId: ref })).execute(client);
      const second = await kaltura.services.media.add(new kaltura.objects.MediaEntry({ name: 'two', mediaType: 1, referenceId: ref })).execute(client);
      const filter = new kaltura.objects.BaseEntryFilter({ referenceIdEqual: ref, statusIn: '7', orderBy: '+createdAt' });
      const page1 = await kaltura.services.baseEntry.listAction(filter, new kaltura.objects.FilterPager({ pageSize: 1, pageIndex: 1 })).execute(client);
      const page2 = await kaltura.services.baseEntry.listAction(filter, new kaltura.objects.FilterPager({ pageSize: 1, pageIndex: 2 })).execute(client);
      assert.equal(page1.totalCount, 2, 'referenceId is not unique');
      assert.equal(page2.totalCount, 2);
      assert.deepEqual([page1.objects[0]?.id, page2.objects[0]?.id], [first.id, second.id]);
    });

    it('updates an entry, refusing read-only and insert-only fields', async function () {
      const client = admin();
      const entry = await kaltura.services.media.add(new kaltura.objects.MediaEntry({ name: 'before', mediaType: 1 })).execute(client);
      const updated = await kaltura.services.baseEntry
        .update(
          entry.id!,
          new kaltura.objects.BaseEntry({
            name: 'after',
            description: 'Meeting facts',
            entitledUsersPublish: 'co.publisher@contoso.com',
            entitledUsersView: 'adele.vance@contoso.onmicrosoft.com,co.viewer@contoso.com',
          }),
        )
        .execute(client);
      assert.equal(updated.name, 'after');
      assert.equal(updated.entitledUsersPublish, 'co.publisher@contoso.com');
      const s = await entryInState(entry.id!);
      assert.equal(s.name, 'after');
      assert.deepEqual(s.entitledUsersView, ['adele.vance@contoso.onmicrosoft.com', 'co.viewer@contoso.com']);

      const readOnly = await rejection(kaltura.services.baseEntry.update(entry.id!, new kaltura.objects.BaseEntry({ id: '0_other000' })).execute(client));
      assert.deepEqual(readOnly, {
        code: 'PROPERTY_VALIDATION_NOT_UPDATABLE',
        message: 'The property "KalturaBaseEntry::id" cannot be updated',
        objectType: 'KalturaAPIException',
        args: { PROP_NAME: 'KalturaBaseEntry::id' },
      });
      const insertOnly = await rejection(kaltura.services.media.update(entry.id!, new kaltura.objects.MediaEntry({ mediaType: 5 })).execute(client));
      assert.deepEqual(insertOnly.args, { PROP_NAME: 'KalturaMediaEntry::mediaType' });
      const missing = await rejection(kaltura.services.media.update('0_nosuch00', new kaltura.objects.MediaEntry({ name: 'x' })).execute(client));
      assert.equal(missing.code, 'ENTRY_ID_NOT_FOUND');
    });

    it('validates media.add input', async function () {
      const client = admin();
      const noType = await rejection(kaltura.services.media.add(new kaltura.objects.MediaEntry({ name: 'n' })).execute(client));
      assert.deepEqual(noType.args, { PROP_NAME: 'KalturaMediaEntry::mediaType' });
      const shortRef = await rejection(kaltura.services.media.add(new kaltura.objects.MediaEntry({ name: 'n', mediaType: 1, referenceId: 'x' })).execute(client));
      assert.equal(shortRef.code, 'PROPERTY_VALIDATION_MIN_LENGTH');
      assert.equal(shortRef.message, 'The property "KalturaMediaEntry::referenceId" must have a min length of 2 characters');
    });

    it('creates users named as owner, creator and entitled users', async function () {
      const client = admin();
      await kaltura.services.media
        .add(
          new kaltura.objects.MediaEntry({
            name: 'implicit users',
            mediaType: 1,
            userId: 'implicit.owner@contoso.com',
            creatorId: 'implicit.creator@contoso.com',
            entitledUsersPublish: 'implicit.publisher@contoso.com,implicit.publisher@contoso.com',
          }),
        )
        .execute(client);
      for (const id of ['implicit.owner@contoso.com', 'implicit.creator@contoso.com', 'implicit.publisher@contoso.com']) {
        const u = await kaltura.services.user.get(id).execute(client);
        assert.equal(u.id, id);
        assert.equal(u.screenName, id);
        assert.equal(String(u.status), '1');
      }
      const s = await state();
      assert.equal(s.users.filter((u) => u.id === 'implicit.publisher@contoso.com').length, 1);
    });
  });

  describe('categories', function () {
    it('finds a category by full name and links an entry, with each error', async function () {
      const client = admin();
      const found = await kaltura.services.category
        .listAction(new kaltura.objects.CategoryFilter({ fullNameEqual: TEAMS_CATEGORY }))
        .execute(client);
      assert.equal(found.objectType, 'KalturaCategoryListResponse');
      assert.equal(found.totalCount, 1);
      const category = found.objects[0]!;
      assert.equal(category.objectType, 'KalturaCategory');
      assert.equal(category.fullName, TEAMS_CATEGORY);
      assert.equal(category.name, 'Teams recordings');
      assert.equal(category.depth, 3);

      const byIds = await kaltura.services.category.listAction(new kaltura.objects.CategoryFilter({ idIn: `${category.id},${category.parentId}` })).execute(client);
      assert.equal(byIds.totalCount, 2);
      const none = await kaltura.services.category.listAction(new kaltura.objects.CategoryFilter({ fullNameEqual: 'No>Such' })).execute(client);
      assert.equal(none.totalCount, 0);

      const entry = await kaltura.services.media.add(new kaltura.objects.MediaEntry({ name: 'categorised', mediaType: 1 })).execute(client);
      const link = await kaltura.services.categoryEntry
        .add(new kaltura.objects.CategoryEntry({ entryId: entry.id, categoryId: category.id }))
        .execute(client);
      assert.equal(link.objectType, 'KalturaCategoryEntry');
      assert.equal(String(link.status), '2');
      assert.equal(link.categoryId, category.id);

      const dup = await rejection(
        kaltura.services.categoryEntry.add(new kaltura.objects.CategoryEntry({ entryId: entry.id, categoryId: category.id })).execute(client),
      );
      assert.deepEqual(dup, {
        code: 'CATEGORY_ENTRY_ALREADY_EXISTS',
        message: 'Entry already assigned to this category',
        objectType: 'KalturaAPIException',
        args: [],
      });
      const noEntry = await rejection(
        kaltura.services.categoryEntry.add(new kaltura.objects.CategoryEntry({ entryId: '0_nosuch00', categoryId: category.id })).execute(client),
      );
      assert.deepEqual(noEntry, {
        code: 'INVALID_ENTRY_ID',
        message: 'Invalid entry id ["0_nosuch00"]',
        objectType: 'KalturaAPIException',
        args: { ID: '0_nosuch00' },
      });
      const noCategory = await rejection(
        kaltura.services.categoryEntry.add(new kaltura.objects.CategoryEntry({ entryId: entry.id, categoryId: 987654 })).execute(client),
      );
      assert.deepEqual(noCategory, {
        code: 'CATEGORY_NOT_FOUND',
        message: 'Category id "987654" not found',
        objectType: 'KalturaAPIException',
        args: { ID: '987654' },
      });

      const links = await kaltura.services.categoryEntry
        .listAction(new kaltura.objects.CategoryEntryFilter({ entryIdEqual: entry.id }))
        .execute(client);
      assert.equal(links.totalCount, 1);
      const got = await kaltura.services.media.get(entry.id!).execute(client);
      assert.equal(got.categories, TEAMS_CATEGORY);
      assert.equal(got.categoriesIds, String(category.id));
      assert.deepEqual((await entryInState(entry.id!)).categories, [TEAMS_CATEGORY]);
    });
  });

  describe('category search', function () {
    it('finds categories by fullNameStartsWith and by nameOrReferenceIdStartsWith, ordered by +fullName', async function () {
      const client = admin();
      const list = async (filter: Record<string, string>) =>
        (
          await kaltura.services.category
            .listAction(new kaltura.objects.CategoryFilter({ ...filter, orderBy: '+fullName' }), new kaltura.objects.FilterPager({ pageSize: 20, pageIndex: 1 }))
            .execute(client)
        ).objects.map((c) => c.fullName);
      assert.deepEqual(await list({ fullNameStartsWith: 'mediaspace>site>' }), ['MediaSpace>site>channels', TEAMS_CATEGORY]);
      assert.deepEqual(await list({ nameOrReferenceIdStartsWith: 'Teams' }), [TEAMS_CATEGORY, 'Teams']);
    });
  });

  describe('users and groups', function () {
    it('gets, lists and adds users, with each error', async function () {
      const client = admin();
      const megan = await kaltura.services.user.get('megan.bowen@contoso.onmicrosoft.com').execute(client);
      assert.equal(megan.objectType, 'KalturaUser');
      assert.equal(megan.email, 'megan.bowen@contoso.com');
      assert.equal(megan.fullName, 'Megan Bowen');
      assert.equal(megan.partnerId, PARTNER_ID);

      const unknown = await rejection(kaltura.services.user.get('nobody@contoso.com').execute(client));
      assert.deepEqual(unknown, { code: 'INVALID_USER_ID', message: 'Invalid user id', objectType: 'KalturaAPIException', args: [] });

      const byEmail = await kaltura.services.user.listAction(new kaltura.objects.UserFilter({ emailStartsWith: 'MEGAN.bowen@' })).execute(client);
      assert.equal(byEmail.objectType, 'KalturaUserListResponse');
      assert.deepEqual(
        byEmail.objects.map((u) => u.id),
        ['megan.bowen@contoso.onmicrosoft.com'],
      );
      const like = await kaltura.services.user.listAction(new kaltura.objects.UserFilter({ emailLike: 'contoso.com' })).execute(client);
      assert.ok(like.totalCount >= 3);
      const byIds = await kaltura.services.user
        .listAction(new kaltura.objects.UserFilter({ idIn: 'adele.vance@contoso.onmicrosoft.com,teams-archive' }))
        .execute(client);
      assert.equal(byIds.totalCount, 2);

      const added = await kaltura.services.user
        .add(new kaltura.objects.User({ id: 'new.person@contoso.com', email: 'new.person@contoso.com', firstName: 'New', lastName: 'Person' }))
        .execute(client);
      assert.equal(added.id, 'new.person@contoso.com');
      assert.equal(added.fullName, 'New Person');
      const dup = await rejection(kaltura.services.user.add(new kaltura.objects.User({ id: 'new.person@contoso.com' })).execute(client));
      assert.deepEqual(dup, {
        code: 'DUPLICATE_USER_BY_ID',
        message: 'User with id [new.person@contoso.com] already exists in system',
        objectType: 'KalturaAPIException',
        args: { UID: 'new.person@contoso.com' },
      });
      const badId = await rejection(kaltura.services.user.add(new kaltura.objects.User({ id: 'has spaces' })).execute(client));
      assert.deepEqual(badId.args, { FIELD_NAME: 'id' });

      const one = await kaltura.services.user.listAction(new kaltura.objects.UserFilter({ idEqual: 'new.person@contoso.com' })).execute(client);
      assert.equal(one.totalCount, 1);
      await kaltura.services.user.deleteAction('new.person@contoso.com').execute(client);
      const gone = await kaltura.services.user.listAction(new kaltura.objects.UserFilter({ idEqual: 'new.person@contoso.com' })).execute(client);
      assert.equal(gone.totalCount, 0, 'deleted users are not listed');
      assert.equal((await rejection(kaltura.services.user.get('new.person@contoso.com').execute(client))).code, 'INVALID_USER_ID');
    });

    it('searches users and groups as the pickers do: typeEqual with idOrScreenNameStartsWith, case-insensitive', async function () {
      const client = admin();
      const search = (typeEqual: number, idOrScreenNameStartsWith: string) =>
        kaltura.services.user
          .listAction(new kaltura.objects.UserFilter({ typeEqual, idOrScreenNameStartsWith }), new kaltura.objects.FilterPager({ pageSize: 20, pageIndex: 1 }))
          .execute(client);
      const groups = await search(kaltura.enums.UserType.GROUP, 'teams r');
      assert.deepEqual(groups.objects.map((g) => [g.id, g.screenName, g.type]), [['teams-recorders', 'Teams recorders', 1]], 'by screen name');
      assert.deepEqual((await search(kaltura.enums.UserType.GROUP, 'TEAMS-REC')).objects.map((g) => g.id), ['teams-recorders'], 'by id');
      const users = await search(kaltura.enums.UserType.USER, 'Teams');
      assert.deepEqual(users.objects.map((u) => [u.id, u.fullName]), [['teams-archive', 'Teams Archive']], 'a group is not a user');
      assert.equal((await search(kaltura.enums.UserType.USER, 'zz-nobody')).totalCount, 0);
    });

    it('lists group membership by user and by group', async function () {
      const client = admin();
      const byUser = await kaltura.services.groupUser
        .listAction(new kaltura.objects.GroupUserFilter({ userIdEqual: 'megan.bowen@contoso.onmicrosoft.com' }))
        .execute(client);
      assert.equal(byUser.objectType, 'KalturaGroupUserListResponse');
      assert.deepEqual(
        byUser.objects.map((g) => [g.userId, g.groupId, g.objectType]),
        [['megan.bowen@contoso.onmicrosoft.com', 'teams-recorders', 'KalturaGroupUser']],
      );
      const byGroup = await kaltura.services.groupUser.listAction(new kaltura.objects.GroupUserFilter({ groupIdEqual: 'teams-recorders' })).execute(client);
      assert.deepEqual(byGroup.objects.map((g) => g.userId).sort(), ['adele.vance@contoso.onmicrosoft.com', 'megan.bowen@contoso.onmicrosoft.com']);
      const nobody = await kaltura.services.groupUser.listAction(new kaltura.objects.GroupUserFilter({ userIdEqual: 'nobody@x' })).execute(client);
      assert.equal(nobody.totalCount, 0);
    });
  });

  describe('captions', function () {
    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Megan Bowen>Hello everyone.\n';

    it('adds a WEBVTT caption, sets its content from a string and from an upload token, and lists it', async function () {
      const client = admin();
      const entry = await kaltura.services.media.add(new kaltura.objects.MediaEntry({ name: 'captioned', mediaType: 1 })).execute(client);
      const asset = await kaltura.services.captionAsset
        .add(
          entry.id!,
          new kaltura.objects.CaptionAsset({ language: kaltura.enums.Language.EN, format: kaltura.enums.CaptionType.WEBVTT, label: 'Teams', isDefault: 1 }),
        )
        .execute(client);
      assert.equal(asset.objectType, 'KalturaCaptionAsset');
      assert.equal(String(asset.status), '0');
      assert.equal(asset.format, '3');
      assert.equal(asset.language, 'English');
      assert.equal(asset.languageCode, 'en');
      assert.equal(asset.fileExt, 'vtt');

      const set = await kaltura.services.captionAsset.setContent(asset.id!, new kaltura.objects.StringResource({ content: vtt })).execute(client);
      assert.equal(String(set.status), '2');
      assert.equal(set.size, Buffer.byteLength(vtt));

      const listed = await kaltura.services.captionAsset
        .listAction(new kaltura.objects.CaptionAssetFilter({ entryIdEqual: entry.id }))
        .execute(client);
      assert.equal(listed.objectType, 'KalturaCaptionAssetListResponse');
      assert.equal(listed.totalCount, 1);
      assert.equal(listed.objects[0]?.label, 'Teams');

      const url = await kaltura.services.captionAsset.getUrl(asset.id!).execute(client);
      assert.equal(await (await fetch(url)).text(), vtt);

      // the other resource kind: the VTT through an upload token
      const second = await kaltura.services.captionAsset
        .add(entry.id!, new kaltura.objects.CaptionAsset({ language: 'English', format: '3', label: 'Teams (file)' }))
        .execute(client);
      const token = await kaltura.services.uploadToken.add(new kaltura.objects.UploadToken({ fileName: 'transcript.vtt' })).execute(client);
      await kaltura.services.uploadToken.upload(token.id!, Buffer.from(vtt + 'NOTE from a file\n')).execute(client);
      await kaltura.services.captionAsset.setContent(second.id!, new kaltura.objects.UploadedFileTokenResource({ token: token.id })).execute(client);

      const s = await entryInState(entry.id!);
      assert.deepEqual(
        s.captions.map((c) => [c.label, c.language, c.format, c.text]),
        [
          ['Teams', 'English', '3', vtt],
          ['Teams (file)', 'English', '3', vtt + 'NOTE from a file\n'],
        ],
      );
    });

    it('refuses captions for unknown entries and assets', async function () {
      const client = admin();
      const noEntry = await rejection(
        kaltura.services.captionAsset.add('0_nosuch00', new kaltura.objects.CaptionAsset({ language: 'English', format: '3' })).execute(client),
      );
      assert.deepEqual(noEntry.args, { ENTRY_ID: '0_nosuch00' });
      const noAsset = await rejection(
        kaltura.services.captionAsset.setContent('0_nosuch00', new kaltura.objects.StringResource({ content: vtt })).execute(client),
      );
      assert.deepEqual(noAsset, {
        code: 'CAPTION_ASSET_ID_NOT_FOUND',
        message: 'Caption asset id "0_nosuch00" not found',
        objectType: 'KalturaAPIException',
        args: { ASSET_ID: '0_nosuch00' },
      });
    });
  });

  describe('wire format', function () {
    it('runs a multirequest with 1-based result references and per-item errors', async function () {
      const client = admin();
      const results = await kaltura.services.media
        .add(new kaltura.objects.MediaEntry({ name: 'from a multirequest', mediaType: 1, referenceId: 'teams:multi' }))
        .add(kaltura.services.baseEntry.get('{1:result:id}'))
        .add(kaltura.services.baseEntry.get('0_nosuch00'))
        .add(kaltura.services.user.get('{1:result:userId}'))
        .execute(client);
      assert.equal(results.length, 4);
      const [added, fetched, missing, owner] = results as [kaltura.objects.MediaEntry, kaltura.objects.MediaEntry, APIException, kaltura.objects.User];
      assert.equal(fetched.id, added.id);
      assert.equal(fetched.referenceId, 'teams:multi');
      assert.equal(missing.objectType, 'KalturaAPIException');
      assert.equal(missing.code, 'ENTRY_ID_NOT_FOUND');
      assert.equal(owner.id, 'teams-archive', 'the KS user owns an entry added without userId');
      const log = emulators.kaltura.requests.filter((r) => r.path === '/api_v3/service/multirequest');
      assert.equal(log.length, 1);
    });

    it('matches service and action names case-insensitively and answers unknown ones in Kaltura form', async function () {
      const res = await fetch(`${emulators.kaltura.url}/api_v3/service/BaseEntry/action/LIST`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ ks: adminKs, format: 1, filter: { statusIn: '2', objectType: 'KalturaBaseEntryFilter' } }),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const body = (await res.json()) as { objectType: string };
      assert.equal(body.objectType, 'KalturaBaseEntryListResponse');

      const noAction = await fetch(`${emulators.kaltura.url}/api_v3/service/media/action/fly`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ks: adminKs }),
      });
      assert.equal(noAction.status, 200);
      assert.deepEqual(await noAction.json(), {
        code: 'ACTION_DOES_NOT_EXISTS',
        message: 'Action "fly" does not exists for service "media"',
        objectType: 'KalturaAPIException',
        args: { ACTION_NAME: 'fly', SERVICE_NAME: 'media' },
      });
    });

    it('shows entries on an inspection page and keeps secrets out of the state', async function () {
      const page = await fetch(`${emulators.kaltura.url}/__control/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const html = await page.text();
      assert.match(html, /http-equiv="refresh"/);
      assert.match(html, /Weekly sync/);
      const ready = (await state()).entries.find((e) => e.referenceId === 'teams:rec-ready-1');
      const focused = await (await fetch(`${emulators.kaltura.url}/__control/?entry=${ready?.id}`)).text();
      assert.match(focused, /class="focus"/);
      const text = JSON.stringify(await state());
      for (const secret of [ADMIN_SECRET, USER_SECRET, APP_TOKEN]) assert.ok(!text.includes(secret), 'no secret in the control state');
    });
  });
});

/** The value a promise rejects with; fails the test if it resolves. */
async function rejection(p: Promise<unknown>): Promise<APIException> {
  try {
    const value = await p;
    assert.fail(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err as APIException;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
