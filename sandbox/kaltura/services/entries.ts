import { rename, rm } from 'node:fs/promises';
import type { ActionContext, ActionDef, ServiceTable } from '../dispatcher.js';
import { entryMatches } from '../entry-filter.js';
import { apiError } from '../errors.js';
import { SessionType } from '../ks.js';
import {
  CaptionAssetStatus,
  CategoryEntryStatus,
  ensureCategoryPath,
  EntryStatus,
  findLiveEntry,
  implicitUser,
  newObjectId,
  nowSeconds,
  refreshEntry,
  UploadTokenStatus,
  userKey,
  UserStatus,
  type EntryRec,
  type PartnerState,
  type UploadTokenRec,
} from '../model.js';
import {
  csv,
  optBool,
  optInt,
  optObject,
  optString,
  propName,
  rejectReadOnly,
  reqObject,
  reqString,
  type Params,
} from '../params.js';
import type { Storage } from '../storage.js';
import { entryWire, listResponse, order, page } from '../wire.js';
import { linkEntryToCategory } from './categories.js';

/** Properties the client may never send (KalturaBaseEntry/PlayableEntry/MediaEntry @readonly). */
const READ_ONLY = [
  'id',
  'partnerId',
  'status',
  'moderationStatus',
  'moderationCount',
  'createdAt',
  'updatedAt',
  'rank',
  'totalRank',
  'votes',
  'downloadUrl',
  'searchText',
  'version',
  'thumbnailUrl',
  'replacingEntryId',
  'replacedEntryId',
  'replacementStatus',
  'rootEntryId',
  'capabilities',
  'dataUrl',
  'plays',
  'views',
  'lastPlayedAt',
  'width',
  'height',
  'duration',
  'flavorParamsIds',
];
/** @insertonly: accepted by add, rejected by update */
const INSERT_ONLY = ['mediaType', 'sourceType', 'type', 'conversionProfileId'];

const MAX_CATEGORIES_PER_ENTRY = 32;

export function entryServices(): ServiceTable {
  const common = (objectType: string, listType: string, mediaOnly: boolean, entryParam: string): Record<string, ActionDef> => ({
    add: { run: (ctx) => add(ctx, objectType, reqObject(ctx.params, 'entry')) },
    addcontent: { run: (ctx) => addContent(ctx, objectType) },
    addfromuploadedfile: {
      run: async (ctx) => {
        const created = add(ctx, objectType, reqObject(ctx.params, entryParam === 'mediaEntry' ? 'mediaEntry' : 'entry'));
        const id = String((created as Params).id);
        return attachResource(ctx, id, { objectType: 'KalturaUploadedFileTokenResource', token: reqString(ctx.params, 'uploadTokenId') }, objectType);
      },
    },
    get: { run: (ctx) => entryWire(ctx.state, mustFind(ctx, reqString(ctx.params, 'entryId')), ctx.baseUrl, objectType) },
    list: { run: (ctx) => list(ctx, objectType, listType, mediaOnly) },
    update: { run: (ctx) => update(ctx, objectType, reqObject(ctx.params, entryParam)) },
    delete: { run: (ctx) => remove(ctx) },
  });
  return {
    media: common('KalturaMediaEntry', 'KalturaMediaListResponse', true, 'mediaEntry'),
    baseentry: common('KalturaMediaEntry', 'KalturaBaseEntryListResponse', false, 'baseEntry'),
  };
}

function mustFind(ctx: ActionContext, entryId: string): EntryRec {
  const e = findLiveEntry(ctx.state, entryId);
  if (!e) throw apiError('ENTRY_ID_NOT_FOUND', entryId);
  return e;
}

/** KalturaDispatcher::validateUser: a non-admin session may change only entries it owns or co-edits. */
function assertCanChange(ctx: ActionContext, e: EntryRec): void {
  if (ctx.ks?.type === SessionType.ADMIN) return;
  const me = (ctx.ks?.userId ?? '').toLowerCase();
  if (e.userId.toLowerCase() === me) return;
  if (e.entitledUsersEdit.some((u) => u.toLowerCase() === me)) return;
  throw apiError('INVALID_KS', '', -4, 'INVALID_TYPE');
}

function add(ctx: ActionContext, objectType: string, input: Params): unknown {
  const { state } = ctx;
  rejectReadOnly(input, objectType, READ_ONLY);
  if (optInt(input, 'mediaType') === undefined) {
    throw apiError('PROPERTY_VALIDATION_CANNOT_BE_NULL', propName(input, objectType, 'mediaType'));
  }
  validateReferenceId(input, objectType);
  const isAdmin = ctx.ks?.type === SessionType.ADMIN;
  const ksUser = ctx.ks?.userId ?? '';
  // KalturaEntryService::checkAndSetValidUserInsert: only an admin may name another owner
  const requestedOwner = optString(input, 'userId');
  const requestedCreator = optString(input, 'creatorId');
  if (!isAdmin && ((requestedOwner && requestedOwner !== ksUser) || (requestedCreator && requestedCreator !== ksUser))) {
    throw apiError('INVALID_KS', '', -4, 'INVALID_TYPE');
  }
  const owner = requestedOwner || ksUser;
  const creator = requestedCreator || owner;
  const now = nowSeconds();
  const e: EntryRec = {
    id: newObjectId(state.entries),
    name: optString(input, 'name') ?? '',
    userId: owner ? ensureUser(state, owner) : '',
    creatorId: creator ? ensureUser(state, creator) : '',
    mediaType: optInt(input, 'mediaType') as number,
    entitledUsersEdit: [],
    entitledUsersPublish: [],
    entitledUsersView: [],
    status: EntryStatus.NO_CONTENT,
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
  applyWritable(ctx, e, input);
  e.sourceType = optString(input, 'sourceType');
  e.conversionProfileId = optInt(input, 'conversionProfileId');
  state.entries.set(e.id, e);
  applyCategories(ctx, e, input);
  return entryWire(state, e, ctx.baseUrl, objectType);
}

function update(ctx: ActionContext, objectType: string, input: Params): unknown {
  const { state } = ctx;
  const e = mustFind(ctx, reqString(ctx.params, 'entryId'));
  assertCanChange(ctx, e);
  rejectReadOnly(input, objectType, [...READ_ONLY, ...INSERT_ONLY]);
  validateReferenceId(input, objectType);
  const isAdmin = ctx.ks?.type === SessionType.ADMIN;
  const isOwner = e.userId.toLowerCase() === (ctx.ks?.userId ?? '').toLowerCase();
  // KalturaEntryService: only the owner (or an admin) may change co-editors and co-publishers
  if (!isAdmin && !isOwner && (input.entitledUsersEdit !== undefined || input.entitledUsersPublish !== undefined)) {
    throw apiError('INVALID_KS', '', -4, 'INVALID_TYPE');
  }
  const owner = optString(input, 'userId');
  if (owner !== undefined) {
    if (!isAdmin && owner !== (ctx.ks?.userId ?? '')) throw apiError('INVALID_KS', '', -4, 'INVALID_TYPE');
    e.userId = ensureUser(state, owner);
  }
  const creator = optString(input, 'creatorId');
  if (creator !== undefined) e.creatorId = ensureUser(state, creator);
  applyWritable(ctx, e, input);
  applyCategories(ctx, e, input);
  e.updatedAt = nowSeconds();
  return entryWire(state, e, ctx.baseUrl, objectType);
}

async function remove(ctx: ActionContext): Promise<null> {
  const { state } = ctx;
  const e = mustFind(ctx, reqString(ctx.params, 'entryId'));
  assertCanChange(ctx, e);
  e.status = EntryStatus.DELETED;
  e.updatedAt = nowSeconds();
  for (const ce of state.categoryEntries) if (ce.entryId === e.id) ce.status = CategoryEntryStatus.DELETED;
  for (const c of state.captions.values()) if (c.entryId === e.id) c.status = CaptionAssetStatus.DELETED;
  return null;
}

function list(ctx: ActionContext, objectType: string, listType: string, mediaOnly: boolean): unknown {
  const { state, params } = ctx;
  const filter = optObject(params, 'filter');
  for (const e of state.entries.values()) refreshEntry(e);
  const matches = [...state.entries.values()].filter((e) => entryMatches(state, e, filter, mediaOnly));
  const sorted = order(matches, optString(filter, 'orderBy'), '-createdAt');
  return listResponse(
    listType,
    page(sorted, optObject(params, 'pager')).map((e) => entryWire(state, e, ctx.baseUrl, objectType)),
    matches.length,
  );
}

async function addContent(ctx: ActionContext, objectType: string): Promise<unknown> {
  const entryId = reqString(ctx.params, 'entryId');
  const resource = optObject(ctx.params, 'resource');
  if (!resource) throw apiError('MISSING_MANDATORY_PARAMETER', 'resource');
  return attachResource(ctx, entryId, resource, objectType);
}

/**
 * MediaService::addContentAction with a KalturaUploadedFileTokenResource: a FULL token's file
 * becomes the entry's content at once (token CLOSED, entry PRECONVERT then READY after
 * `readyDelayMs`); a token still uploading leaves the entry in IMPORT until its final chunk.
 */
async function attachResource(ctx: ActionContext, entryId: string, resource: Params, objectType: string): Promise<unknown> {
  const { state, storage } = ctx;
  const e = mustFind(ctx, entryId);
  assertCanChange(ctx, e);
  if (e.status !== EntryStatus.NO_CONTENT) throw apiError('ENTRY_ALREADY_WITH_CONTENT');
  const resourceType = optString(resource, 'objectType') ?? '';
  if (resourceType !== 'KalturaUploadedFileTokenResource') throw apiError('RESOURCE_TYPE_NOT_SUPPORTED', resourceType);
  const tokenId = optString(resource, 'token');
  const token = tokenId ? state.uploadTokens.get(tokenId) : undefined;
  if (!token) throw apiError('UPLOAD_TOKEN_NOT_FOUND');

  await storage.withLock(token.id, async () => {
    if (token.status === UploadTokenStatus.FULL_UPLOAD) {
      await moveTokenContent(storage, e, token);
    } else if (token.status === UploadTokenStatus.PENDING || token.status === UploadTokenStatus.PARTIAL_UPLOAD) {
      e.status = EntryStatus.IMPORT;
      e.pendingTokenId = token.id;
      token.attachedObjectType = 'entry';
      token.attachedObjectId = e.id;
    } else {
      throw apiError('UPLOADED_FILE_NOT_FOUND_BY_TOKEN');
    }
  });
  e.updatedAt = nowSeconds();
  return entryWire(state, e, ctx.baseUrl, objectType);
}

/** Called under the token's lock when its final chunk lands. */
export async function attachTokenToWaitingEntry(state: PartnerState, storage: Storage, token: UploadTokenRec): Promise<void> {
  if (token.attachedObjectType !== 'entry' || !token.attachedObjectId) return;
  const e = state.entries.get(token.attachedObjectId);
  if (!e || e.status !== EntryStatus.IMPORT || e.pendingTokenId !== token.id) return;
  await moveTokenContent(storage, e, token);
}

async function moveTokenContent(storage: Storage, e: EntryRec, token: UploadTokenRec): Promise<void> {
  const dest = storage.entryContentPath(e.id);
  await rm(dest, { force: true });
  if (token.fileExists) await rename(token.path, dest);
  token.fileExists = false;
  token.status = UploadTokenStatus.CLOSED;
  token.attachedObjectType = 'entry';
  token.attachedObjectId = e.id;
  token.updatedAt = nowSeconds();
  e.content = { path: dest, size: token.bytesOnDisk, sha256: token.sha256 ?? '', fileName: token.fileName };
  e.pendingTokenId = undefined;
  e.version += 1;
  e.updatedAt = nowSeconds();
  if (storage.settings.readyDelayMs <= 0) {
    e.status = EntryStatus.READY;
  } else {
    e.status = EntryStatus.PRECONVERT;
    e.readyAt = Date.now() + storage.settings.readyDelayMs;
  }
}

function validateReferenceId(input: Params, objectType: string): void {
  const ref = optString(input, 'referenceId');
  if (ref !== undefined && ref.length < 2) {
    throw apiError('PROPERTY_VALIDATION_MIN_LENGTH', propName(input, objectType, 'referenceId'), 2);
  }
}

function applyWritable(ctx: ActionContext, e: EntryRec, input: Params): void {
  const { state } = ctx;
  const str = (name: string): string | undefined => optString(input, name);
  if (str('name') !== undefined) e.name = str('name') as string;
  if (str('description') !== undefined) e.description = str('description');
  if (str('tags') !== undefined) e.tags = str('tags');
  if (str('adminTags') !== undefined) e.adminTags = str('adminTags');
  if (str('referenceId') !== undefined) e.referenceId = str('referenceId');
  if (str('partnerData') !== undefined) e.partnerData = str('partnerData');
  if (optInt(input, 'startDate') !== undefined) e.startDate = optInt(input, 'startDate');
  if (optInt(input, 'endDate') !== undefined) e.endDate = optInt(input, 'endDate');
  if (optInt(input, 'displayInSearch') !== undefined) e.displayInSearch = optInt(input, 'displayInSearch');
  if (optInt(input, 'msDuration') !== undefined) e.msDuration = optInt(input, 'msDuration');
  if (optBool(input, 'blockAutoTranscript') !== undefined) e.blockAutoTranscript = optBool(input, 'blockAutoTranscript');
  for (const kind of ['entitledUsersEdit', 'entitledUsersPublish', 'entitledUsersView'] as const) {
    const raw = str(kind);
    if (raw !== undefined) e[kind] = entitledUsers(state, raw);
  }
}

/**
 * KalturaBaseEntry::validateUsers → ensureKusersExist: unknown ids are created, DELETED users are
 * silently dropped, a BLOCKED one is refused.
 */
function entitledUsers(state: PartnerState, raw: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const id of csv(raw) ?? []) {
    const key = userKey(id);
    if (seen.has(key)) continue;
    seen.add(key);
    const existing = state.users.get(key);
    if (existing?.status === UserStatus.DELETED) continue;
    if (existing?.status === UserStatus.BLOCKED) throw apiError('USER_BLOCKED');
    out.push(existing ? existing.id : implicitUser(state, id).id);
  }
  return out;
}

/** The owner/creator as stored (its original case); created on first mention. */
function ensureUser(state: PartnerState, id: string): string {
  const existing = state.users.get(userKey(id));
  if (existing && existing.status !== UserStatus.DELETED) return existing.id;
  return implicitUser(state, id).id;
}

/**
 * The deprecated entry.categories / categoriesIds fields: names are created when missing (as the
 * server's category sync does), ids must exist. Both end up as ACTIVE category-entry links.
 */
function applyCategories(ctx: ActionContext, e: EntryRec, input: Params): void {
  const { state } = ctx;
  const names = csv(optString(input, 'categories'));
  const ids = csv(optString(input, 'categoriesIds'));
  if (names === undefined && ids === undefined) return;
  const wanted = new Set<number>();
  for (const id of ids ?? []) {
    const c = state.categories.get(Number(id));
    if (!c) throw apiError('CATEGORY_NOT_FOUND', id);
    wanted.add(c.id);
  }
  for (const name of names ?? []) wanted.add(ensureCategoryPath(state, name).id);
  if (wanted.size > MAX_CATEGORIES_PER_ENTRY) throw apiError('MAX_CATEGORIES_FOR_ENTRY_REACHED', MAX_CATEGORIES_PER_ENTRY);
  for (const ce of state.categoryEntries) {
    if (ce.entryId === e.id && ce.status === CategoryEntryStatus.ACTIVE && !wanted.has(ce.categoryId)) {
      ce.status = CategoryEntryStatus.DELETED;
    }
  }
  for (const id of wanted) linkEntryToCategory(ctx, e, id);
}
