import {
  activeCategoriesOf,
  type CaptionRec,
  type CategoryEntryRec,
  type CategoryRec,
  type EntryRec,
  type GroupUserRec,
  type PartnerState,
  type UploadTokenRec,
  type UserRec,
} from './model.js';
import { optInt, type Params } from './params.js';

/**
 * API objects as the JSON serializer writes them: null properties dropped, `objectType` (the PHP
 * class name) added last to every object. Enum-typed ints (status, type, mediaType) are numbers
 * because the core hands the serializer the DB ints; string enums (caption format, language) are
 * strings. Clients should compare enums with String(x) either way.
 */
export type Wire = Record<string, unknown>;

export function obj(objectType: string, fields: Record<string, unknown>): Wire {
  const out: Wire = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) out[k] = v;
  out.objectType = objectType;
  return out;
}

export function listResponse(objectType: string, objects: Wire[], totalCount: number): Wire {
  return { objects, totalCount, objectType };
}

/** KalturaFilterPager: pageSize defaults to 30 and is capped at 500; pageIndex starts at 1. */
export function page<T>(items: T[], pager: Params | undefined): T[] {
  let size = optInt(pager, 'pageSize') ?? 30;
  if (size <= 0) size = 30;
  size = Math.min(size, 500);
  const index = Math.max(1, optInt(pager, 'pageIndex') ?? 1);
  return items.slice((index - 1) * size, index * size);
}

/**
 * orderBy "+field" / "-field" over the record's own properties. Ties (same second) keep creation
 * order, newest first when descending, like the auto-increment ids behind them.
 */
export function order<T>(items: T[], orderBy: string | undefined, fallback: string): T[] {
  const spec = (orderBy || fallback).split(',')[0]?.trim() ?? fallback;
  const desc = spec.startsWith('-');
  const field = spec.replace(/^[+-]/, '');
  return (desc ? [...items].reverse() : [...items]).sort((a, b) => {
    const av = (a as Record<string, unknown>)[field];
    const bv = (b as Record<string, unknown>)[field];
    if (av === bv) return 0;
    if (av === undefined) return 1;
    if (bv === undefined) return -1;
    const cmp = (av as number | string) < (bv as number | string) ? -1 : 1;
    return desc ? -cmp : cmp;
  });
}

function joined(list: string[]): string | undefined {
  return list.length ? list.join(',') : undefined;
}

export function entryWire(state: PartnerState, e: EntryRec, baseUrl: string, objectType = 'KalturaMediaEntry'): Wire {
  const cats = activeCategoriesOf(state, e.id);
  const ready = e.status === 2;
  const msDuration = e.msDuration ?? (ready ? 0 : undefined);
  const sp = `${baseUrl}/p/${state.partnerId}/sp/${state.partnerId}00`;
  return obj(objectType, {
    mediaType: e.mediaType,
    sourceType: e.sourceType ?? '1',
    dataUrl: ready ? `${sp}/playManifest/entryId/${e.id}/format/url/protocol/http` : undefined,
    flavorParamsIds: ready ? '0' : undefined,
    plays: 0,
    views: 0,
    duration: msDuration === undefined ? undefined : Math.round(msDuration / 1000),
    msDuration,
    id: e.id,
    name: e.name,
    description: e.description,
    partnerId: state.partnerId,
    userId: e.userId || undefined,
    creatorId: e.creatorId || undefined,
    tags: e.tags ?? '',
    adminTags: e.adminTags,
    categories: cats.map((c) => c.fullName).join(','),
    categoriesIds: cats.map((c) => c.id).join(','),
    status: e.status,
    moderationStatus: 6,
    moderationCount: 0,
    type: 1,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    rank: 0,
    totalRank: 0,
    votes: 0,
    partnerData: e.partnerData,
    downloadUrl: ready ? `${sp}/playManifest/entryId/${e.id}/format/download/protocol/http/flavorParamIds/0` : undefined,
    licenseType: -1,
    version: e.version,
    thumbnailUrl: `${sp}/thumbnail/entry_id/${e.id}/version/0`,
    accessControlId: 1,
    startDate: e.startDate,
    endDate: e.endDate,
    referenceId: e.referenceId,
    replacementStatus: 0,
    partnerSortValue: 0,
    conversionProfileId: e.conversionProfileId ?? 1,
    rootEntryId: e.id,
    entitledUsersEdit: joined(e.entitledUsersEdit),
    entitledUsersPublish: joined(e.entitledUsersPublish),
    entitledUsersView: joined(e.entitledUsersView),
    operationAttributes: [],
    capabilities: '',
    displayInSearch: e.displayInSearch ?? 1,
    blockAutoTranscript: e.blockAutoTranscript ?? false,
  });
}

export function userWire(state: PartnerState, u: UserRec): Wire {
  return obj('KalturaUser', {
    type: u.type,
    isAdmin: u.isAdmin,
    isGuest: false,
    roleIds: undefined,
    isAccountOwner: false,
    firstName: u.firstName,
    lastName: u.lastName,
    loginEnabled: false,
    externalId: u.externalId,
    id: u.id,
    partnerId: state.partnerId,
    screenName: u.screenName,
    fullName: u.fullName,
    email: u.email,
    tags: u.tags,
    status: u.status,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
    partnerData: u.partnerData,
    storageSize: 0,
    statusUpdatedAt: u.updatedAt,
  });
}

export function groupUserWire(state: PartnerState, g: GroupUserRec): Wire {
  return obj('KalturaGroupUser', {
    id: g.id,
    userId: g.userId,
    groupId: g.groupId,
    status: 0,
    partnerId: state.partnerId,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
    creationMode: 1,
    userRole: 1,
  });
}

export function categoryWire(state: PartnerState, c: CategoryRec): Wire {
  const active = state.categoryEntries.filter((ce) => ce.categoryId === c.id && ce.status === 2);
  const pending = state.categoryEntries.filter((ce) => ce.categoryId === c.id && ce.status === 1);
  const children = [...state.categories.values()].filter((x) => x.parentId === c.id);
  const descendants = [...state.categories.values()].filter((x) => x.fullIds.startsWith(`${c.fullIds}>`));
  const inTree = new Set([c.id, ...descendants.map((d) => d.id)]);
  const entriesCount = new Set(
    state.categoryEntries.filter((ce) => inTree.has(ce.categoryId) && ce.status === 2).map((ce) => ce.entryId),
  ).size;
  return obj('KalturaCategory', {
    id: c.id,
    parentId: c.parentId,
    depth: c.depth,
    partnerId: state.partnerId,
    name: c.name,
    fullName: c.fullName,
    fullIds: c.fullIds,
    entriesCount,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    description: c.description,
    tags: c.tags,
    appearInList: 1,
    privacy: 1,
    inheritanceType: 2,
    userJoinPolicy: 3,
    defaultPermissionLevel: 3,
    directEntriesCount: active.length,
    referenceId: c.referenceId,
    contributionPolicy: 1,
    membersCount: 0,
    pendingMembersCount: 0,
    status: 2,
    partnerSortValue: 0,
    defaultOrderBy: undefined,
    directSubCategoriesCount: children.length,
    moderation: c.moderation ? 1 : 0,
    pendingEntriesCount: pending.length,
    isAggregationCategory: false,
  });
}

export function categoryEntryWire(state: PartnerState, ce: CategoryEntryRec): Wire {
  const c = state.categories.get(ce.categoryId);
  return obj('KalturaCategoryEntry', {
    categoryId: ce.categoryId,
    entryId: ce.entryId,
    createdAt: ce.createdAt,
    categoryFullIds: c?.fullIds,
    status: ce.status,
    creatorUserId: ce.creatorUserId,
  });
}

export function captionWire(state: PartnerState, c: CaptionRec): Wire {
  return obj('KalturaCaptionAsset', {
    captionParamsId: c.captionParamsId ?? 0,
    language: c.language,
    languageCode: c.language ? languageCode(c.language) : undefined,
    isDefault: c.isDefault ? 1 : 0,
    label: c.label,
    format: c.format,
    source: c.source,
    status: c.status,
    accuracy: c.accuracy,
    displayOnPlayer: c.displayOnPlayer ?? true,
    id: c.id,
    entryId: c.entryId,
    partnerId: state.partnerId,
    version: c.version,
    size: c.size ?? 0,
    tags: c.tags ?? '',
    fileExt: c.fileExt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    partnerDescription: c.partnerDescription,
    sizeInBytes: c.size ?? 0,
  });
}

export function uploadTokenWire(state: PartnerState, t: UploadTokenRec, baseUrl: string): Wire {
  return obj('KalturaUploadToken', {
    id: t.id,
    partnerId: state.partnerId,
    userId: t.userId || undefined,
    status: t.status,
    fileName: t.fileName,
    fileSize: t.fileSize,
    uploadedFileSize: t.uploadedFileSize,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    uploadUrl: baseUrl,
    autoFinalize: t.autoFinalize === undefined ? undefined : t.autoFinalize ? 1 : 0,
    attachedObjectType: t.attachedObjectType,
    attachedObjectId: t.attachedObjectId,
  });
}

/** The Language enum value ("English") to its ISO code, for the read-only languageCode. */
const LANGUAGE_CODES: Record<string, string> = {
  English: 'en',
  'English (American)': 'en-US',
  'English (British)': 'en-GB',
  Hebrew: 'he',
  Spanish: 'es',
  French: 'fr',
  German: 'de',
  Italian: 'it',
  Portuguese: 'pt',
  Dutch: 'nl',
  Russian: 'ru',
  Arabic: 'ar',
  Chinese: 'zh',
  Japanese: 'ja',
  Korean: 'ko',
  Polish: 'pl',
  Swedish: 'sv',
  Norwegian: 'no',
  Danish: 'da',
  Finnish: 'fi',
  Turkish: 'tr',
  Greek: 'el',
  Hindi: 'hi',
  Ukrainian: 'uk',
  Czech: 'cs',
  Hungarian: 'hu',
  Romanian: 'ro',
};

export function languageCode(language: string): string | undefined {
  return LANGUAGE_CODES[language];
}
