import { createHash } from 'node:crypto';
import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import kaltura from 'kaltura-client';
import type { Dispatcher } from 'undici';
import { TokenBucket } from '../net/token-bucket.js';
import { classifyKalturaFailure, isApiException, KalturaError } from './kaltura-errors.js';
import { UploadTokenStatus, type KalturaEntryRecord, type KalturaPort, type KalturaUserRecord, type NewEntry, type UploadTokenRecord } from './kaltura-port.js';
import { withStreamedBody } from './streamed-upload.js';

export interface KalturaCredentials {
  partnerId: number;
  serviceUrl: string;
  /** preferred: no admin secret stored */
  appToken?: { id: string; token: string };
  adminSecret?: string;
}

export interface KalturaAdapterOptions {
  /** per-request timeout; chunk uploads get `uploadTimeoutMs` */
  timeoutMs?: number;
  uploadTimeoutMs?: number;
  requestsPerSecond?: number;
  /** KS lifetime asked for; renewed a few minutes before it ends */
  sessionSeconds?: number;
  now?: () => number;
  /**
   * Outbound TLS trust (the configured extra CA, for a self-hosted Kaltura behind a private CA):
   * the agent for kaltura-client's own requests, the dispatcher for chunk uploads.
   */
  httpsAgent?: HttpsAgent;
  dispatcher?: Dispatcher;
}

const { services, objects, enums } = kaltura;
/** Kaltura upload chunk size; two are in memory per upload (one uploading, one filling). */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** Kaltura's idempotent lookup must see entries still importing or converting (reference §3.3). */
const LIVE_STATUSES = '3,-1,-2';
const HASHES = ['sha256', 'sha1', 'sha512', 'md5'] as const;
const CATEGORY_CACHE_MS = 5 * 60_000;

/** kaltura-client sends with its own axios instance; it takes our agent for HTTPS. */
function newClient(serviceUrl: string, timeoutMs: number, httpsAgent: HttpsAgent | undefined): kaltura.Client {
  const client = new kaltura.Client(silentConfig(serviceUrl, timeoutMs));
  if (httpsAgent) (client as unknown as { axios: { defaults: { httpsAgent?: HttpsAgent } } }).axios.defaults.httpsAgent = httpsAgent;
  return client;
}

function silentConfig(serviceUrl: string, timeoutMs: number): kaltura.Configuration {
  const config = new kaltura.Configuration();
  // kaltura-client logs every request body (secrets and KS included) unless given a logger
  config.setLogger({ log() {}, debug() {}, error() {} });
  config.serviceUrl = serviceUrl;
  config.timeout = timeoutMs;
  return config;
}

function toUser(u: kaltura.objects.User): KalturaUserRecord {
  return { id: String(u.id), email: u.email ?? undefined, firstName: u.firstName ?? undefined, lastName: u.lastName ?? undefined, status: Number(u.status ?? 1), isGroup: Number(u.type ?? 0) === 1 };
}

function toUploadToken(t: kaltura.objects.UploadToken): UploadTokenRecord {
  return {
    id: String(t.id),
    status: Number(t.status),
    fileName: t.fileName ?? undefined,
    uploadedBytes: Number(t.uploadedFileSize ?? 0),
    attachedObjectId: t.attachedObjectId ?? undefined,
  };
}

/** What Kaltura answers for a token id it does not know (or no longer shows). */
const TOKEN_GONE = new Set(['UPLOAD_TOKEN_NOT_FOUND', 'INVALID_UPLOAD_TOKEN_ID']);
/** Tokens that can still take bytes or be attached. */
const LIVE_TOKEN_STATUSES = [UploadTokenStatus.PENDING, UploadTokenStatus.PARTIAL_UPLOAD, UploadTokenStatus.FULL_UPLOAD].join(',');

function toEntry(e: kaltura.objects.MediaEntry): KalturaEntryRecord {
  return { id: String(e.id), status: Number(e.status), referenceId: e.referenceId ?? undefined, userId: e.userId ?? undefined, name: e.name ?? undefined };
}

/**
 * KalturaPort over the real kaltura-client for one partner. It keeps an admin KS (from the app token,
 * trying each hash type Kaltura allows, or from the admin secret) with `disableentitlement`, renews it
 * before it ends or when Kaltura calls it invalid, and never uses multirequest (a top-level error
 * there leaves the client's promise hanging).
 */
export class KalturaAdapter implements KalturaPort {
  private readonly client: kaltura.Client;
  private readonly uploadClient: kaltura.Client;
  private readonly bucket: TokenBucket;
  private readonly now: () => number;
  private readonly uploadTimeoutMs: number;
  private ks?: { value: string; renewAt: number };
  private starting?: Promise<string>;
  private hash?: (typeof HASHES)[number];
  /** categories are looked up for every recording but rarely change */
  private readonly categories = new Map<string, { id: number; at: number }>();

  constructor(
    private readonly credentials: KalturaCredentials,
    private readonly options: KalturaAdapterOptions = {},
  ) {
    if (!credentials.appToken && !credentials.adminSecret) throw new TypeError('Kaltura credentials need an app token or an admin secret');
    this.client = newClient(credentials.serviceUrl, options.timeoutMs ?? 60_000, options.httpsAgent);
    this.uploadClient = newClient(credentials.serviceUrl, options.uploadTimeoutMs ?? 15 * 60_000, options.httpsAgent);
    this.client.setPartnerId(credentials.partnerId);
    this.uploadClient.setPartnerId(credentials.partnerId);
    this.bucket = new TokenBucket(options.requestsPerSecond ?? 20);
    this.now = options.now ?? Date.now;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 15 * 60_000;
  }

  private async session(): Promise<string> {
    if (this.ks && this.now() < this.ks.renewAt) return this.ks.value;
    this.starting ??= this.startSession().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startSession(): Promise<string> {
    const seconds = this.options.sessionSeconds ?? 86_400;
    // a fresh client: Kaltura validates any KS sent, even on session.start, so an expired one would fail it
    const client = newClient(this.credentials.serviceUrl, this.options.timeoutMs ?? 60_000, this.options.httpsAgent);
    client.setPartnerId(this.credentials.partnerId);
    let ks: string;
    try {
      if (this.credentials.appToken) {
        ks = await this.appTokenSession(client, this.credentials.appToken, seconds);
      } else {
        ks = await services.session
          .start(this.credentials.adminSecret!, '', enums.SessionType.ADMIN, this.credentials.partnerId, seconds, 'disableentitlement')
          .execute(client);
      }
    } catch (err) {
      throw classifyKalturaFailure(err, `start a Kaltura session for partner ${this.credentials.partnerId}`);
    }
    if (typeof ks !== 'string' || ks.length < 10) {
      throw new KalturaError('KALTURA_BAD_RESPONSE', `start a Kaltura session: the service URL did not answer like Kaltura`, { retryable: true });
    }
    this.ks = { value: ks, renewAt: this.now() + Math.max(60, seconds - 300) * 1000 };
    this.client.setKs(ks);
    this.uploadClient.setKs(ks);
    return ks;
  }

  private async appTokenSession(client: kaltura.Client, token: { id: string; token: string }, seconds: number): Promise<string> {
    const widget = await services.session.startWidgetSession(`_${this.credentials.partnerId}`, seconds).execute(client);
    if (!widget?.ks) throw new KalturaError('KALTURA_BAD_RESPONSE', 'widget session without a KS', { retryable: true });
    client.setKs(widget.ks);
    // the token's hash type is set when it is created and cannot be read back: try each, remember the one that works
    const order = this.hash ? [this.hash, ...HASHES.filter((h) => h !== this.hash)] : HASHES;
    let last: unknown;
    for (const hash of order) {
      const tokenHash = createHash(hash).update(widget.ks + token.token).digest('hex');
      try {
        const info = await services.appToken.startSession(token.id, tokenHash, null, enums.SessionType.ADMIN, seconds).execute(client);
        this.hash = hash;
        if (!info?.ks) throw new KalturaError('KALTURA_BAD_RESPONSE', 'app token session without a KS', { retryable: true });
        return info.ks;
      } catch (err) {
        last = err;
        if (!(isApiException(err) && err.code === 'INVALID_APP_TOKEN_HASH')) throw err;
      }
    }
    throw last;
  }

  /** One call with the session, the rate limit, one renewal on INVALID_KS, and classified errors. */
  private async call<T>(what: string, request: () => kaltura.RequestBuilder<T>, client = this.client): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.session();
      await this.bucket.take();
      try {
        const result = await request().execute(client);
        if (typeof result === 'string' && /^\s*</.test(result)) {
          throw new KalturaError('KALTURA_BAD_RESPONSE', `${what}: the service URL answered with HTML, not Kaltura's API`, { retryable: true });
        }
        return result;
      } catch (err) {
        const classified = classifyKalturaFailure(err, what);
        if (classified.code === 'KALTURA_SESSION_INVALID' && attempt === 0) {
          this.ks = undefined;
          continue;
        }
        throw classified;
      }
    }
  }

  async verifyCredentials(): Promise<void> {
    this.ks = undefined;
    await this.session();
  }

  async getUser(id: string): Promise<KalturaUserRecord | undefined> {
    try {
      return toUser(await this.call(`get user ${id}`, () => services.user.get(id)));
    } catch (err) {
      if (err instanceof KalturaError && (err.code === 'INVALID_USER_ID' || err.code === 'USER_NOT_FOUND')) return undefined;
      throw err;
    }
  }

  async findUsersByEmail(email: string): Promise<KalturaUserRecord[]> {
    const list = await this.call(`find users by email`, () =>
      services.user.listAction(new objects.UserFilter({ emailStartsWith: email }), new objects.FilterPager({ pageSize: 50 })),
    );
    return (list.objects ?? []).map(toUser).filter((u) => u.email?.toLowerCase() === email.toLowerCase());
  }

  async addUser(user: { id: string; email?: string; firstName?: string; lastName?: string }): Promise<KalturaUserRecord> {
    try {
      return toUser(
        await this.call(`add user ${user.id}`, () =>
          services.user.add(
            new objects.User({
              id: user.id,
              email: user.email,
              firstName: user.firstName ?? user.id,
              lastName: user.lastName,
              screenName: user.id,
              type: enums.UserType.USER,
              isAdmin: false,
            }),
          ),
        ),
      );
    } catch (err) {
      // another worker created it a moment ago
      if (err instanceof KalturaError && err.code === 'DUPLICATE_USER_BY_ID') return (await this.getUser(user.id)) ?? { id: user.id, status: 1 };
      throw err;
    }
  }

  async groupIdsOf(userId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let page = 1; ; page++) {
      const list = await this.call(`list groups of ${userId}`, () =>
        services.groupUser.listAction(new objects.GroupUserFilter({ userIdEqual: userId }), new objects.FilterPager({ pageSize: 500, pageIndex: page })),
      );
      const found = list.objects ?? [];
      ids.push(...found.map((g) => String(g.groupId)));
      if (found.length < 500) return ids;
    }
  }

  async searchCategories(prefix: string, limit: number): Promise<Array<{ id: number; fullName: string }>> {
    const found = new Map<number, string>();
    const pager = new objects.FilterPager({ pageSize: limit, pageIndex: 1 });
    const byFullName = await this.call('search categories', () =>
      services.category.listAction(new objects.CategoryFilter(prefix ? { fullNameStartsWith: prefix, orderBy: '+fullName' } : { orderBy: '+fullName' }), pager),
    );
    for (const c of byFullName.objects ?? []) if (c.id !== undefined && c.fullName) found.set(Number(c.id), c.fullName);
    // "Teams" should also find "MediaSpace>site>channels>Teams": a category's own name, at any depth
    if (prefix && !prefix.includes('>') && found.size < limit) {
      const byName = await this.call('search categories by name', () =>
        services.category.listAction(new objects.CategoryFilter({ nameOrReferenceIdStartsWith: prefix, orderBy: '+fullName' }), pager),
      );
      for (const c of byName.objects ?? []) if (c.id !== undefined && c.fullName && found.size < limit) found.set(Number(c.id), c.fullName);
    }
    return [...found].map(([id, fullName]) => ({ id, fullName })).slice(0, limit);
  }

  searchGroups(prefix: string, limit: number): Promise<Array<{ id: string; name?: string }>> {
    return this.searchUserList('search groups', enums.UserType.GROUP, prefix, limit);
  }

  searchUsers(prefix: string, limit: number): Promise<Array<{ id: string; name?: string }>> {
    return this.searchUserList('search users', enums.UserType.USER, prefix, limit);
  }

  /** KMC's own picker search: user.list{typeEqual, idOrScreenNameStartsWith} */
  private async searchUserList(what: string, type: number, prefix: string, limit: number): Promise<Array<{ id: string; name?: string }>> {
    const list = await this.call(what, () =>
      services.user.listAction(
        new objects.UserFilter({ typeEqual: type, ...(prefix ? { idOrScreenNameStartsWith: prefix } : {}) }),
        new objects.FilterPager({ pageSize: limit, pageIndex: 1 }),
      ),
    );
    return (list.objects ?? [])
      .filter((u) => u.id)
      .slice(0, limit)
      .map((u) => {
        // a group's name is its screen name; a user's screen name is usually just the id
        const person = u.fullName || [u.firstName, u.lastName].filter(Boolean).join(' ');
        const name = (type === enums.UserType.GROUP ? u.screenName || person : person || u.screenName) || undefined;
        return { id: String(u.id), ...(name ? { name } : {}) };
      });
  }

  async categoryIdsByFullName(fullNames: string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    const missing: string[] = [];
    for (const fullName of fullNames) {
      const cached = this.categories.get(fullName);
      if (cached && this.now() - cached.at < CATEGORY_CACHE_MS) {
        result.set(fullName, cached.id);
        continue;
      }
      const list = await this.call(`find category ${fullName}`, () =>
        services.category.listAction(new objects.CategoryFilter({ fullNameEqual: fullName }), new objects.FilterPager({ pageSize: 10 })),
      );
      const match = (list.objects ?? []).find((c) => c.fullName?.toLowerCase() === fullName.toLowerCase());
      if (match?.id !== undefined) {
        result.set(fullName, Number(match.id));
        this.categories.set(fullName, { id: Number(match.id), at: this.now() });
      }
      else missing.push(fullName);
    }
    if (missing.length) {
      throw new KalturaError('CATEGORY_NOT_FOUND', `Kaltura has no categor${missing.length > 1 ? 'ies' : 'y'} ${missing.map((m) => `"${m}"`).join(', ')}`, {
        blocking: true,
      });
    }
    return result;
  }

  async findEntriesByReferenceId(referenceId: string): Promise<KalturaEntryRecord[]> {
    const list = await this.call(`find entries by referenceId`, () =>
      services.baseEntry.listAction(
        new objects.BaseEntryFilter({ referenceIdEqual: referenceId, statusNotIn: LIVE_STATUSES, orderBy: '+createdAt' }),
        new objects.FilterPager({ pageSize: 50 }),
      ),
    );
    return (list.objects ?? []).map(toEntry);
  }

  async createUploadToken(fileName: string, fileSize: number): Promise<string> {
    const token = await this.call('create upload token', () => services.uploadToken.add(new objects.UploadToken({ fileName, fileSize })));
    if (!token.id) throw new KalturaError('KALTURA_BAD_RESPONSE', 'upload token without an id', { retryable: true });
    return token.id;
  }

  async uploadedBytes(uploadTokenId: string): Promise<number> {
    const token = await this.call(`read upload token ${uploadTokenId}`, () => services.uploadToken.get(uploadTokenId));
    return Number(token.uploadedFileSize ?? 0);
  }

  async getUploadToken(uploadTokenId: string): Promise<UploadTokenRecord | undefined> {
    try {
      return toUploadToken(await this.call(`read upload token ${uploadTokenId}`, () => services.uploadToken.get(uploadTokenId)));
    } catch (err) {
      if (err instanceof KalturaError && TOKEN_GONE.has(err.code)) return undefined;
      throw err;
    }
  }

  async findUploadTokens(fileName: string): Promise<UploadTokenRecord[]> {
    const found: UploadTokenRecord[] = [];
    for (let page = 1; ; page++) {
      const list = await this.call(`find upload tokens named ${fileName}`, () =>
        services.uploadToken.listAction(
          new objects.UploadTokenFilter({ fileNameEqual: fileName, statusIn: LIVE_TOKEN_STATUSES }),
          new objects.FilterPager({ pageSize: 100, pageIndex: page }),
        ),
      );
      const objectsOnPage = list.objects ?? [];
      found.push(...objectsOnPage.map(toUploadToken).filter((t) => t.fileName === fileName));
      if (objectsOnPage.length < 100) return found;
    }
  }

  async deleteUploadToken(uploadTokenId: string): Promise<void> {
    try {
      await this.call(`delete upload token ${uploadTokenId}`, () => services.uploadToken.deleteAction(uploadTokenId));
    } catch (err) {
      if (err instanceof KalturaError && TOKEN_GONE.has(err.code)) return;
      throw err;
    }
  }

  async uploadChunks(
    uploadTokenId: string,
    content: Readable,
    offset: number,
    totalSize: number,
    options: { chunkSize?: number; onProgress?: (bytes: number) => void } = {},
  ): Promise<number> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_BYTES;
    // two buffers, reused: one is uploading while the other fills from the download, so the two
    // transfers overlap; memory holds two chunks whatever the recording's size
    const buffers = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
    let current = 0;
    let filled = 0;
    let position = offset;
    let inFlight: Promise<void> | undefined;
    const flush = async (final: boolean) => {
      // one upload at a time, in order: Kaltura appends at resumeAt
      if (inFlight) await inFlight;
      const bytes = buffers[current]!.subarray(0, filled);
      const start = position;
      position += filled;
      filled = 0;
      current ^= 1;
      inFlight = this.call(
        `upload ${bytes.length} bytes at ${start} to ${uploadTokenId}`,
        () => withStreamedBody(services.uploadToken.upload(uploadTokenId, bytes, start > 0, final, start), this.options.dispatcher, this.uploadTimeoutMs),
        this.uploadClient,
      ).then((token) => options.onProgress?.(Number(token.uploadedFileSize ?? start + bytes.length)));
      inFlight.catch(() => undefined); // observed at the next flush or below
    };
    try {
      for await (const piece of content) {
        let data = piece as Buffer;
        while (data.length > 0) {
          const take = Math.min(chunkSize - filled, data.length);
          data.copy(buffers[current]!, filled, 0, take);
          filled += take;
          data = data.subarray(take);
          if (filled === chunkSize && position + filled < totalSize) await flush(false);
        }
      }
      if (position + filled !== totalSize) {
        throw new KalturaError('SOURCE_SHORT', `the recording stream ended at byte ${position + filled} of ${totalSize}`, { retryable: true });
      }
      await flush(true);
      await inFlight;
    } finally {
      // never leave an upload running behind a failure: what Kaltura holds must be settled before a retry asks
      await inFlight?.catch(() => undefined);
    }
    return this.uploadedBytes(uploadTokenId);
  }

  async addMediaEntry(entry: NewEntry): Promise<KalturaEntryRecord> {
    return toEntry(
      await this.call('add media entry', () =>
        services.media.add(
          new objects.MediaEntry({
            mediaType: enums.MediaType.VIDEO,
            name: entry.name,
            description: entry.description,
            referenceId: entry.referenceId,
            adminTags: entry.adminTags,
            userId: entry.userId,
            creatorId: entry.creatorId,
            entitledUsersEdit: entry.entitledUsersEdit.join(','),
            entitledUsersPublish: entry.entitledUsersPublish.join(','),
            entitledUsersView: entry.entitledUsersView.join(','),
          }),
        ),
      ),
    );
  }

  async attachUploadToken(entryId: string, uploadTokenId: string): Promise<KalturaEntryRecord> {
    return toEntry(
      await this.call(`add content to ${entryId}`, () => services.media.addContent(entryId, new objects.UploadedFileTokenResource({ token: uploadTokenId }))),
    );
  }

  async addToCategories(entryId: string, categoryIds: number[]): Promise<void> {
    for (const categoryId of categoryIds) {
      try {
        await this.call(`add ${entryId} to category ${categoryId}`, () => services.categoryEntry.add(new objects.CategoryEntry({ entryId, categoryId })));
      } catch (err) {
        if (err instanceof KalturaError && err.code === 'CATEGORY_ENTRY_ALREADY_EXISTS') continue;
        throw err;
      }
    }
  }

  async getEntry(entryId: string): Promise<KalturaEntryRecord | undefined> {
    try {
      return toEntry(await this.call(`get entry ${entryId}`, () => services.baseEntry.get(entryId)));
    } catch (err) {
      if (err instanceof KalturaError && (err.code === 'ENTRY_ID_NOT_FOUND' || err.code === 'INVALID_ENTRY_ID')) return undefined;
      throw err;
    }
  }

  async renameEntry(entryId: string, name: string): Promise<void> {
    await this.call(`rename entry ${entryId}`, () => services.media.update(entryId, new objects.MediaEntry({ name })));
  }

  async addCaption(entryId: string, caption: { label: string; language: string; text: string }): Promise<string> {
    const existing = await this.call(`list captions of ${entryId}`, () =>
      services.captionAsset.listAction(new objects.CaptionAssetFilter({ entryIdEqual: entryId }), new objects.FilterPager({ pageSize: 100 })),
    );
    const same = (existing.objects ?? []).find((c) => c.label === caption.label && Number(c.status) !== enums.CaptionAssetStatus.DELETED);
    let id = same?.id;
    if (same && Number(same.status) === enums.CaptionAssetStatus.READY) return String(id);
    if (!id) {
      const created = await this.call(`add caption to ${entryId}`, () =>
        services.captionAsset.add(
          entryId,
          new objects.CaptionAsset({ label: caption.label, language: caption.language, format: enums.CaptionType.WEBVTT, fileExt: 'vtt' }),
        ),
      );
      id = created.id;
    }
    if (!id) throw new KalturaError('KALTURA_BAD_RESPONSE', 'caption asset without an id', { retryable: true });
    const captionId = id;
    await this.call(`set caption ${captionId} content`, () =>
      services.captionAsset.setContent(captionId, new objects.StringResource({ content: caption.text })),
    );
    return captionId;
  }
}
