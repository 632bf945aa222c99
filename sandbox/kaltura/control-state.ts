import {
  activeCategoriesOf,
  CaptionAssetStatus,
  CategoryEntryStatus,
  refreshEntry,
  UserStatus,
  type PartnerState,
} from './model.js';

/**
 * `GET /__control/state`: what tests and people check after a run. Secrets stay out: no admin or
 * user secret and no app-token values, only the facts about them.
 */
export function controlState(state: PartnerState): unknown {
  for (const e of state.entries.values()) refreshEntry(e);
  return {
    partner: {
      partnerId: state.partnerId,
      appTokens: [...state.appTokens.values()].map((t) => ({
        id: t.id,
        hashType: t.hashType,
        sessionType: t.sessionType,
        sessionUserId: t.sessionUserId,
        sessionPrivileges: t.sessionPrivileges,
        expiry: t.expiry,
        status: t.status,
      })),
    },
    entries: [...state.entries.values()].map((e) => ({
      id: e.id,
      userId: e.userId,
      creatorId: e.creatorId,
      name: e.name,
      description: e.description ?? null,
      referenceId: e.referenceId ?? null,
      adminTags: e.adminTags ?? null,
      tags: e.tags ?? null,
      categories: activeCategoriesOf(state, e.id).map((c) => c.fullName),
      pendingCategories: state.categoryEntries
        .filter((ce) => ce.entryId === e.id && ce.status === CategoryEntryStatus.PENDING)
        .map((ce) => state.categories.get(ce.categoryId)?.fullName)
        .filter((n): n is string => n !== undefined),
      entitledUsersEdit: [...e.entitledUsersEdit],
      entitledUsersPublish: [...e.entitledUsersPublish],
      entitledUsersView: [...e.entitledUsersView],
      status: e.status,
      mediaType: e.mediaType,
      msDuration: e.msDuration ?? null,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      captions: [...state.captions.values()]
        .filter((c) => c.entryId === e.id && c.status !== CaptionAssetStatus.DELETED)
        .map((c) => ({
          id: c.id,
          language: c.language ?? null,
          label: c.label ?? null,
          format: c.format ?? null,
          isDefault: c.isDefault,
          status: c.status,
          text: c.text ?? null,
        })),
      contentSize: e.content?.size ?? null,
      contentSha256: e.content?.sha256 ?? null,
      contentFileName: e.content?.fileName ?? null,
    })),
    users: [...state.users.values()]
      .filter((u) => u.type === 0)
      .map((u) => ({
        id: u.id,
        email: u.email ?? null,
        firstName: u.firstName ?? null,
        lastName: u.lastName ?? null,
        screenName: u.screenName ?? null,
        status: u.status,
        deleted: u.status === UserStatus.DELETED,
        createdAt: u.createdAt,
      })),
    groups: [...state.users.values()]
      .filter((u) => u.type === 1)
      .map((g) => ({
        id: g.id,
        name: g.screenName ?? null,
        members: state.groupUsers.filter((m) => m.groupId.toLowerCase() === g.id.toLowerCase()).map((m) => m.userId),
      })),
    categories: [...state.categories.values()].map((c) => ({
      id: c.id,
      fullName: c.fullName,
      parentId: c.parentId,
      moderation: c.moderation,
    })),
    categoryEntries: state.categoryEntries.map((ce) => ({ ...ce })),
    uploadTokens: [...state.uploadTokens.values()].map((t) => ({
      id: t.id,
      userId: t.userId,
      status: t.status,
      fileName: t.fileName ?? null,
      fileSize: t.fileSize ?? null,
      uploadedFileSize: t.uploadedFileSize ?? null,
      sha256: t.sha256 ?? null,
      parkedChunks: t.parked.map((c) => ({ offset: c.offset, size: c.size })),
      attachedObjectType: t.attachedObjectType ?? null,
      attachedObjectId: t.attachedObjectId ?? null,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    })),
  };
}
