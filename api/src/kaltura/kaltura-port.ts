import type { Readable } from 'node:stream';

/**
 * Everything the pipeline asks of Kaltura, one partner per instance (created per integration with its
 * own session). The adapter hides kaltura-client's quirks: rejections that are plain objects, HTML
 * bodies that resolve as success, multirequest hangs, the READY-only default list filter.
 */
export interface KalturaUserRecord {
  id: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  /** 0 blocked, 1 active, 2 deleted */
  status: number;
  /** a Kaltura group (a user of type GROUP), as opt-in / opt-out scopes name them */
  isGroup?: boolean;
}

export interface KalturaEntryRecord {
  id: string;
  status: number;
  referenceId?: string;
  userId?: string;
  name?: string;
}

/** Kaltura's UploadTokenStatus. */
export const UploadTokenStatus = { PENDING: 0, PARTIAL_UPLOAD: 1, FULL_UPLOAD: 2, CLOSED: 3, TIMED_OUT: 4, DELETED: 5 } as const;

export interface UploadTokenRecord {
  id: string;
  /** UploadTokenStatus */
  status: number;
  fileName?: string;
  /** bytes Kaltura holds */
  uploadedBytes: number;
  /** the entry or asset the token was attached to, if any */
  attachedObjectId?: string;
}

export interface NewEntry {
  name: string;
  description: string;
  referenceId: string;
  adminTags: string;
  userId: string;
  creatorId: string;
  entitledUsersEdit: string[];
  entitledUsersPublish: string[];
  entitledUsersView: string[];
}

export interface KalturaPort {
  /** proves the credentials work; throws KalturaError KALTURA_CREDENTIALS_REJECTED when they don't */
  verifyCredentials(): Promise<void>;

  getUser(id: string): Promise<KalturaUserRecord | undefined>;
  /** exact, case-insensitive email match (Kaltura has no emailEqual filter) */
  findUsersByEmail(email: string): Promise<KalturaUserRecord[]>;
  addUser(user: { id: string; email?: string; firstName?: string; lastName?: string }): Promise<KalturaUserRecord>;
  /** ids of the Kaltura groups the user belongs to */
  groupIdsOf(userId: string): Promise<string[]>;

  /**
   * For the editor's pickers, at most `limit` each: categories whose full name or own name starts with
   * `prefix`; Kaltura groups (users of type GROUP) and users whose id or screen name starts with it.
   */
  searchCategories(prefix: string, limit: number): Promise<Array<{ id: number; fullName: string }>>;
  searchGroups(prefix: string, limit: number): Promise<Array<{ id: string; name?: string }>>;
  searchUsers(prefix: string, limit: number): Promise<Array<{ id: string; name?: string }>>;

  /** category ids by full name; throws KalturaError CATEGORY_NOT_FOUND naming the missing ones */
  categoryIdsByFullName(fullNames: string[]): Promise<Map<string, number>>;

  /** entries with this referenceId in any live status (not deleted), oldest first */
  findEntriesByReferenceId(referenceId: string): Promise<KalturaEntryRecord[]>;

  createUploadToken(fileName: string, fileSize: number): Promise<string>;
  /** bytes Kaltura already holds for this token */
  uploadedBytes(uploadTokenId: string): Promise<number>;
  /**
   * The token as Kaltura holds it; undefined only when Kaltura says there is no such token. Any
   * other failure (an outage, a 502) is thrown: it says nothing about the token.
   */
  getUploadToken(uploadTokenId: string): Promise<UploadTokenRecord | undefined>;
  /** the partner's tokens with exactly this file name that can still take or give bytes (pending, partial, full) */
  findUploadTokens(fileName: string): Promise<UploadTokenRecord[]>;
  /** deletes the token and what it holds; one already gone is no error */
  deleteUploadToken(uploadTokenId: string): Promise<void>;
  /**
   * Uploads `content` (which starts at byte `offset` of the file) in chunks of `chunkSize`, streaming:
   * never more than one chunk in memory. Returns the bytes Kaltura holds afterwards.
   */
  uploadChunks(
    uploadTokenId: string,
    content: Readable,
    offset: number,
    totalSize: number,
    options?: { chunkSize?: number; onProgress?: (bytes: number) => void },
  ): Promise<number>;

  addMediaEntry(entry: NewEntry): Promise<KalturaEntryRecord>;
  attachUploadToken(entryId: string, uploadTokenId: string): Promise<KalturaEntryRecord>;
  addToCategories(entryId: string, categoryIds: number[]): Promise<void>;
  getEntry(entryId: string): Promise<KalturaEntryRecord | undefined>;
  /** sets the entry's name (what `media.update` takes; nothing else changes) */
  renameEntry(entryId: string, name: string): Promise<void>;

  /** adds a WEBVTT caption asset with this text unless one with the same label exists; returns its id */
  addCaption(entryId: string, caption: { label: string; language: string; text: string }): Promise<string>;
}
