import { randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { FixtureKalturaPartner } from '../fixture/schema.js';

/**
 * The emulated partner's data. Records hold what the server keeps; `wire.ts` turns them into the
 * API objects. Users are keyed by lowercased id because MySQL's default collation makes puser_id
 * lookups case-insensitive on the real server.
 */

export const EntryStatus = {
  ERROR_IMPORTING: -2,
  ERROR_CONVERTING: -1,
  IMPORT: 0,
  PRECONVERT: 1,
  READY: 2,
  DELETED: 3,
  PENDING: 4,
  NO_CONTENT: 7,
} as const;

export const UploadTokenStatus = { PENDING: 0, PARTIAL_UPLOAD: 1, FULL_UPLOAD: 2, CLOSED: 3, TIMED_OUT: 4, DELETED: 5 } as const;
export const CategoryEntryStatus = { PENDING: 1, ACTIVE: 2, DELETED: 3, REJECTED: 4 } as const;
export const UserStatus = { BLOCKED: 0, ACTIVE: 1, DELETED: 2 } as const;
export const CaptionAssetStatus = { ERROR: -1, QUEUED: 0, READY: 2, DELETED: 3 } as const;

export interface UserRec {
  id: string;
  type: number;
  status: number;
  email?: string;
  firstName?: string;
  lastName?: string;
  screenName?: string;
  fullName?: string;
  externalId?: string;
  isAdmin: boolean;
  partnerData?: string;
  tags?: string;
  createdAt: number;
  updatedAt: number;
}

export interface GroupUserRec {
  id: string;
  userId: string;
  groupId: string;
  createdAt: number;
  updatedAt: number;
}

export interface CategoryRec {
  id: number;
  parentId: number;
  depth: number;
  name: string;
  fullName: string;
  fullIds: string;
  moderation: boolean;
  description?: string;
  tags?: string;
  referenceId?: string;
  createdAt: number;
  updatedAt: number;
}

export interface CategoryEntryRec {
  categoryId: number;
  entryId: string;
  status: number;
  creatorUserId?: string;
  createdAt: number;
  updatedAt: number;
}

export interface EntryContent {
  path: string;
  size: number;
  sha256: string;
  fileName?: string;
}

export interface EntryRec {
  id: string;
  name: string;
  description?: string;
  userId: string;
  creatorId: string;
  tags?: string;
  adminTags?: string;
  referenceId?: string;
  partnerData?: string;
  entitledUsersEdit: string[];
  entitledUsersPublish: string[];
  entitledUsersView: string[];
  mediaType: number;
  sourceType?: string;
  conversionProfileId?: number;
  startDate?: number;
  endDate?: number;
  displayInSearch?: number;
  blockAutoTranscript?: boolean;
  msDuration?: number;
  status: number;
  /** when status is PRECONVERT, the moment it becomes READY (ms since epoch) */
  readyAt?: number;
  /** the upload token an IMPORT entry waits for */
  pendingTokenId?: string;
  content?: EntryContent;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface CaptionRec {
  id: string;
  entryId: string;
  language?: string;
  label?: string;
  format?: string;
  isDefault: boolean;
  fileExt?: string;
  captionParamsId?: number;
  source?: string;
  accuracy?: number;
  displayOnPlayer?: boolean;
  tags?: string;
  partnerDescription?: string;
  status: number;
  text?: string;
  size?: number;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface ParkedChunk {
  offset: number;
  path: string;
  size: number;
}

export interface UploadTokenRec {
  id: string;
  userId: string;
  status: number;
  fileName?: string;
  fileSize?: number;
  autoFinalize?: boolean;
  uploadedFileSize?: number;
  /** the assembled file; created by the first chunk */
  path: string;
  fileExists: boolean;
  bytesOnDisk: number;
  parked: ParkedChunk[];
  /** sha256 over bytes [0, hashedBytes) while chunks arrive in order; undefined once that breaks */
  hash?: Hash;
  hashedBytes: number;
  sha256?: string;
  attachedObjectType?: string;
  attachedObjectId?: string;
  createdAt: number;
  updatedAt: number;
}

export interface AppTokenRec {
  id: string;
  token: string;
  hashType: 'MD5' | 'SHA1' | 'SHA256' | 'SHA512';
  sessionType: number;
  sessionUserId?: string;
  sessionPrivileges?: string;
  expiry?: number;
  status: number;
  createdAt: number;
}

export interface PartnerState {
  partnerId: number;
  adminSecret: string;
  secret: string;
  appTokens: Map<string, AppTokenRec>;
  users: Map<string, UserRec>;
  groupUsers: GroupUserRec[];
  categories: Map<number, CategoryRec>;
  categoryEntries: CategoryEntryRec[];
  entries: Map<string, EntryRec>;
  captions: Map<string, CaptionRec>;
  uploadTokens: Map<string, UploadTokenRec>;
  /** KS strings ended with session.end */
  revokedKs: Set<string>;
  nextCategoryId: number;
  nextGroupUserId: number;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

const ALNUM = '0123456789abcdefghijklmnopqrstuvwxyz';

/** "0_" + 8 of [0-9a-z], as entry::calculateId and asset ids look. */
export function newObjectId(taken: { has(id: string): boolean }): string {
  for (;;) {
    const bytes = randomBytes(8);
    let id = '0_';
    for (const b of bytes) id += ALNUM[b % 36];
    if (!taken.has(id)) return id;
  }
}

/** "0_" + 32 hex, as UploadToken ids look. */
export function newUploadTokenId(): string {
  return `0_${randomBytes(16).toString('hex')}`;
}

export function userKey(id: string): string {
  return id.toLowerCase();
}

export function createPartnerState(fixture: FixtureKalturaPartner): PartnerState {
  const now = nowSeconds();
  const state: PartnerState = {
    partnerId: fixture.partnerId,
    adminSecret: fixture.adminSecret,
    secret: fixture.secret,
    appTokens: new Map(),
    users: new Map(),
    groupUsers: [],
    categories: new Map(),
    categoryEntries: [],
    entries: new Map(),
    captions: new Map(),
    uploadTokens: new Map(),
    revokedKs: new Set(),
    nextCategoryId: 1001,
    nextGroupUserId: 1,
  };
  for (const t of fixture.appTokens) {
    state.appTokens.set(t.id, {
      id: t.id,
      token: t.token,
      hashType: t.hashType,
      sessionType: t.sessionType,
      sessionUserId: t.sessionUserId,
      sessionPrivileges: t.sessionPrivileges,
      expiry: t.expiry,
      status: 2,
      createdAt: now,
    });
  }
  for (const u of fixture.users) {
    state.users.set(userKey(u.id), {
      id: u.id,
      type: u.type,
      status: u.status,
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      screenName: u.id,
      fullName: fullNameOf(u.firstName, u.lastName),
      isAdmin: false,
      createdAt: now,
      updatedAt: now,
    });
  }
  // Kaltura groups are users of type GROUP; membership is a separate KuserKgroup row
  for (const g of fixture.groups) {
    if (!state.users.has(userKey(g.id))) {
      state.users.set(userKey(g.id), {
        id: g.id,
        type: 1,
        status: 1,
        screenName: g.name ?? g.id,
        fullName: g.name,
        firstName: g.name,
        isAdmin: false,
        createdAt: now,
        updatedAt: now,
      });
    }
    for (const member of g.members) {
      if (!state.users.has(userKey(member))) implicitUser(state, member);
      state.groupUsers.push({ id: String(state.nextGroupUserId++), userId: member, groupId: g.id, createdAt: now, updatedAt: now });
    }
  }
  for (const c of fixture.categories) ensureCategoryPath(state, c.fullName, c.moderation);
  return state;
}

export function fullNameOf(first?: string, last?: string): string | undefined {
  const s = [first, last].filter((x) => x).join(' ').trim();
  return s || undefined;
}

/** kuserPeer::createKuserForPartner: screenName = firstName = id, ACTIVE. */
export function implicitUser(state: PartnerState, id: string): UserRec {
  const now = nowSeconds();
  const user: UserRec = {
    id,
    type: 0,
    status: UserStatus.ACTIVE,
    screenName: id,
    firstName: id,
    fullName: id,
    isAdmin: false,
    createdAt: now,
    updatedAt: now,
  };
  state.users.set(userKey(id), user);
  return user;
}

/** Creates the category and any missing ancestors; returns the leaf. */
export function ensureCategoryPath(state: PartnerState, fullName: string, moderation = false): CategoryRec {
  const names = fullName.split('>');
  let parent: CategoryRec | undefined;
  for (let depth = 0; depth < names.length; depth++) {
    const name = names[depth] as string;
    const path = names.slice(0, depth + 1).join('>');
    const isLeaf = depth === names.length - 1;
    const existing = [...state.categories.values()].find((c) => c.fullName === path);
    if (existing) {
      if (isLeaf && moderation) existing.moderation = true;
      parent = existing;
      continue;
    }
    const now = nowSeconds();
    const id = state.nextCategoryId++;
    const rec: CategoryRec = {
      id,
      parentId: parent?.id ?? 0,
      depth,
      name,
      fullName: path,
      fullIds: parent ? `${parent.fullIds}>${id}` : String(id),
      moderation: isLeaf && moderation,
      createdAt: now,
      updatedAt: now,
    };
    state.categories.set(id, rec);
    parent = rec;
  }
  if (!parent) throw new Error(`empty category name "${fullName}"`);
  return parent;
}

export function findUser(state: PartnerState, id: string): UserRec | undefined {
  const u = state.users.get(userKey(id));
  return u && u.status !== UserStatus.DELETED ? u : undefined;
}

/** entryPeer's default criteria hide DELETED entries from get/update/categoryEntry. */
export function findLiveEntry(state: PartnerState, id: string): EntryRec | undefined {
  const e = state.entries.get(id);
  if (!e || e.status === EntryStatus.DELETED) return undefined;
  refreshEntry(e);
  return e;
}

/** PRECONVERT → READY happens lazily, when anyone looks, so there are no timers to clean up. */
export function refreshEntry(e: EntryRec): void {
  if (e.status === EntryStatus.PRECONVERT && e.readyAt !== undefined && Date.now() >= e.readyAt) {
    e.status = EntryStatus.READY;
    e.readyAt = undefined;
    e.updatedAt = nowSeconds();
  }
}

export function activeCategoriesOf(state: PartnerState, entryId: string): CategoryRec[] {
  return state.categoryEntries
    .filter((ce) => ce.entryId === entryId && ce.status === CategoryEntryStatus.ACTIVE)
    .map((ce) => state.categories.get(ce.categoryId))
    .filter((c): c is CategoryRec => c !== undefined);
}
