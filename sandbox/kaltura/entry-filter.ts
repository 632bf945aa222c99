import { activeCategoriesOf, EntryStatus, type EntryRec, type PartnerState } from './model.js';
import { csv, optInt, optString, type Params } from './params.js';

/**
 * KalturaBaseEntryFilter semantics that matter to an ingestion client:
 * - with no status filter at all, only READY entries match (setDefaultStatus), which is why an
 *   idempotency lookup by referenceId must pass statusNotIn/statusIn;
 * - DELETED entries stay hidden unless a status filter names 3 explicitly (entryPeer's default
 *   criteria);
 * - with no moderation filter, PENDING_MODERATION (1) and REJECTED (3) are excluded; emulated
 *   entries are all AUTO_APPROVED (6).
 * "Like" filters match case-insensitively on substrings, as the search index does for words.
 */
export function entryMatches(state: PartnerState, e: EntryRec, filter: Params | undefined, mediaOnly = false): boolean {
  const f = filter ?? {};
  const s = (name: string): string | undefined => optString(f, name);
  const list = (name: string): string[] | undefined => csv(s(name));
  const ints = (name: string): number[] | undefined => list(name)?.map(Number);

  const statusEqual = optInt(f, 'statusEqual');
  const statusNotEqual = optInt(f, 'statusNotEqual');
  const statusIn = ints('statusIn');
  const statusNotIn = ints('statusNotIn');
  const anyStatus = statusEqual !== undefined || statusNotEqual !== undefined || statusIn !== undefined || statusNotIn !== undefined;
  const wantsDeleted = statusEqual === EntryStatus.DELETED || (statusIn?.includes(EntryStatus.DELETED) ?? false);
  if (e.status === EntryStatus.DELETED && !wantsDeleted) return false;
  if (!anyStatus && e.status !== EntryStatus.READY) return false;
  if (statusEqual !== undefined && e.status !== statusEqual) return false;
  if (statusNotEqual !== undefined && e.status === statusNotEqual) return false;
  if (statusIn && !statusIn.includes(e.status)) return false;
  if (statusNotIn?.includes(e.status)) return false;

  const moderation = 6;
  const modEqual = optInt(f, 'moderationStatusEqual');
  const modIn = ints('moderationStatusIn');
  const modNotIn = ints('moderationStatusNotIn');
  const modNotEqual = optInt(f, 'moderationStatusNotEqual');
  if (modEqual !== undefined && moderation !== modEqual) return false;
  if (modNotEqual !== undefined && moderation === modNotEqual) return false;
  if (modIn && !modIn.includes(moderation)) return false;
  if (modNotIn?.includes(moderation)) return false;

  const eq = (value: string | undefined, wanted: string | undefined): boolean => wanted === undefined || value === wanted;
  const ieq = (value: string | undefined, wanted: string | undefined): boolean =>
    wanted === undefined || (value ?? '').toLowerCase() === wanted.toLowerCase();
  const inList = (value: string | undefined, wanted: string[] | undefined, ci = false): boolean =>
    wanted === undefined || (value !== undefined && wanted.some((w) => (ci ? w.toLowerCase() === value.toLowerCase() : w === value)));
  const like = (value: string | undefined, wanted: string | undefined): boolean =>
    wanted === undefined || (value ?? '').toLowerCase().includes(wanted.toLowerCase());
  const likeOr = (value: string | undefined, wanted: string[] | undefined): boolean =>
    wanted === undefined || wanted.some((w) => (value ?? '').toLowerCase().includes(w.toLowerCase()));
  const likeAnd = (value: string | undefined, wanted: string[] | undefined): boolean =>
    wanted === undefined || wanted.every((w) => (value ?? '').toLowerCase().includes(w.toLowerCase()));

  if (!eq(e.id, s('idEqual')) || !inList(e.id, list('idIn'))) return false;
  if (list('idNotIn')?.includes(e.id)) return false;
  if (!eq(e.referenceId, s('referenceIdEqual')) || !inList(e.referenceId, list('referenceIdIn'))) return false;
  if (!ieq(e.userId, s('userIdEqual')) || !inList(e.userId, list('userIdIn'), true)) return false;
  if (list('userIdNotIn')?.some((u) => u.toLowerCase() === e.userId.toLowerCase())) return false;
  if (!ieq(e.creatorId, s('creatorIdEqual'))) return false;
  if (!eq(e.name, s('nameEqual')) || !like(e.name, s('nameLike'))) return false;
  if (!likeOr(e.name, list('nameMultiLikeOr')) || !likeAnd(e.name, list('nameMultiLikeAnd'))) return false;
  if (!like(e.description, s('descriptionLike'))) return false;
  if (!like(e.tags, s('tagsLike')) || !likeOr(e.tags, list('tagsMultiLikeOr')) || !likeAnd(e.tags, list('tagsMultiLikeAnd'))) return false;
  if (!like(e.adminTags, s('adminTagsLike'))) return false;
  if (!likeOr(e.adminTags, list('adminTagsMultiLikeOr')) || !likeAnd(e.adminTags, list('adminTagsMultiLikeAnd'))) return false;
  if (optInt(f, 'typeEqual') !== undefined && optInt(f, 'typeEqual') !== 1) return false;

  const range = (value: number | undefined, min: number | undefined, max: number | undefined): boolean =>
    (min === undefined || (value ?? -Infinity) >= min) && (max === undefined || (value ?? Infinity) <= max);
  if (!range(e.createdAt, optInt(f, 'createdAtGreaterThanOrEqual'), optInt(f, 'createdAtLessThanOrEqual'))) return false;
  if (!range(e.updatedAt, optInt(f, 'updatedAtGreaterThanOrEqual'), optInt(f, 'updatedAtLessThanOrEqual'))) return false;

  const cats = activeCategoriesOf(state, e.id);
  const catIds = cats.map((c) => String(c.id));
  const catNames = cats.map((c) => c.fullName);
  const idsOr = list('categoriesIdsMatchOr');
  if (idsOr && !idsOr.some((id) => catIds.includes(id))) return false;
  const idsAnd = list('categoriesIdsMatchAnd');
  if (idsAnd && !idsAnd.every((id) => catIds.includes(id))) return false;
  const namesOr = list('categoriesMatchOr') ?? list('categoriesFullNameIn');
  if (namesOr && !namesOr.some((n) => catNames.includes(n))) return false;
  const namesAnd = list('categoriesMatchAnd');
  if (namesAnd && !namesAnd.every((n) => catNames.includes(n))) return false;

  const entitledOr = (users: string[], wanted: string[] | undefined): boolean =>
    wanted === undefined || wanted.some((w) => users.some((u) => u.toLowerCase() === w.toLowerCase()));
  if (!entitledOr(e.entitledUsersEdit, list('entitledUsersEditMatchOr'))) return false;
  if (!entitledOr(e.entitledUsersPublish, list('entitledUsersPublishMatchOr'))) return false;
  if (!entitledOr(e.entitledUsersView, list('entitledUsersViewMatchOr'))) return false;

  if (mediaOnly) {
    const mediaTypeEqual = optInt(f, 'mediaTypeEqual');
    const mediaTypeIn = ints('mediaTypeIn');
    if (mediaTypeEqual !== undefined && e.mediaType !== mediaTypeEqual) return false;
    if (mediaTypeIn && !mediaTypeIn.includes(e.mediaType)) return false;
  }
  return true;
}
