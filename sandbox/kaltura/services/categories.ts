import type { ActionContext, ServiceTable } from '../dispatcher.js';
import { apiError } from '../errors.js';
import {
  CategoryEntryStatus,
  ensureCategoryPath,
  findLiveEntry,
  nowSeconds,
  type CategoryEntryRec,
  type CategoryRec,
  type EntryRec,
} from '../model.js';
import { csv, optInt, optObject, optString, propName, rejectReadOnly, reqObject, type Params } from '../params.js';
import { categoryEntryWire, categoryWire, listResponse, order, page } from '../wire.js';

const MAX_CATEGORIES_PER_ENTRY = 32;

export const categoryServices: ServiceTable = {
  category: {
    list: { run: listCategories },
    get: { run: getCategory },
    add: { admin: true, run: addCategory },
  },
  categoryentry: {
    add: { run: addCategoryEntry },
    list: { run: listCategoryEntries },
    delete: { run: deleteCategoryEntry },
  },
};

/**
 * Full names compare case-insensitively, as MySQL's default collation does; `fullNameEqual` with
 * ">" separators is how Kaltura's own vendor engines resolve configured categories.
 */
function categoryMatches(c: CategoryRec, f: Params | undefined): boolean {
  const s = (n: string): string | undefined => optString(f, n);
  const lc = (x: string): string => x.toLowerCase();
  const idIn = csv(s('idIn'))?.map(Number);
  const idNotIn = csv(s('idNotIn'))?.map(Number);
  const fullNameIn = csv(s('fullNameIn'))?.map(lc);
  const parentIdIn = csv(s('parentIdIn'))?.map(Number);
  const startsWithIn = csv(s('fullNameStartsWithIn'))?.map(lc);
  if (optInt(f, 'idEqual') !== undefined && c.id !== optInt(f, 'idEqual')) return false;
  if (idIn && !idIn.includes(c.id)) return false;
  if (idNotIn?.includes(c.id)) return false;
  if (s('fullNameEqual') !== undefined && lc(c.fullName) !== lc(s('fullNameEqual') as string)) return false;
  if (fullNameIn && !fullNameIn.includes(lc(c.fullName))) return false;
  if (s('fullNameStartsWith') !== undefined && !lc(c.fullName).startsWith(lc(s('fullNameStartsWith') as string))) return false;
  if (startsWithIn && !startsWithIn.some((p) => lc(c.fullName).startsWith(p))) return false;
  if (optInt(f, 'parentIdEqual') !== undefined && c.parentId !== optInt(f, 'parentIdEqual')) return false;
  if (parentIdIn && !parentIdIn.includes(c.parentId)) return false;
  if (optInt(f, 'depthEqual') !== undefined && c.depth !== optInt(f, 'depthEqual')) return false;
  if (s('referenceIdEqual') !== undefined && c.referenceId !== s('referenceIdEqual')) return false;
  const prefix = s('nameOrReferenceIdStartsWith');
  if (prefix !== undefined && !lc(c.name).startsWith(lc(prefix)) && !lc(c.referenceId ?? '').startsWith(lc(prefix))) return false;
  if (s('fullIdsStartsWith') !== undefined && !c.fullIds.startsWith(s('fullIdsStartsWith') as string)) return false;
  if (s('fullIdsEqual') !== undefined && c.fullIds !== s('fullIdsEqual')) return false;
  return true;
}

function listCategories(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const filter = optObject(params, 'filter');
  const matches = [...state.categories.values()].filter((c) => categoryMatches(c, filter));
  const sorted = order(matches, optString(filter, 'orderBy'), '+id');
  return listResponse(
    'KalturaCategoryListResponse',
    page(sorted, optObject(params, 'pager')).map((c) => categoryWire(state, c)),
    matches.length,
  );
}

function getCategory(ctx: ActionContext): unknown {
  const id = optInt(ctx.params, 'id');
  const c = id === undefined ? undefined : ctx.state.categories.get(id);
  if (!c) throw apiError('CATEGORY_NOT_FOUND', optString(ctx.params, 'id'));
  return categoryWire(ctx.state, c);
}

/** For admin tooling and fixtures made on the fly: name under an optional parent. */
function addCategory(ctx: ActionContext): unknown {
  const { state } = ctx;
  const input = reqObject(ctx.params, 'category');
  rejectReadOnly(input, 'KalturaCategory', ['id', 'depth', 'partnerId', 'fullName', 'fullIds', 'entriesCount', 'createdAt', 'updatedAt']);
  const name = optString(input, 'name');
  if (!name) throw apiError('PROPERTY_VALIDATION_CANNOT_BE_NULL', propName(input, 'KalturaCategory', 'name'));
  if (/[<>,]/.test(name)) throw apiError('CATEGORY_NAME_CONTAINS_INVALID_CHARS');
  const parentId = optInt(input, 'parentId') ?? 0;
  const parent = parentId ? state.categories.get(parentId) : undefined;
  if (parentId && !parent) throw apiError('PARENT_CATEGORY_NOT_FOUND', parentId);
  const fullName = parent ? `${parent.fullName}>${name}` : name;
  if ([...state.categories.values()].some((c) => c.fullName.toLowerCase() === fullName.toLowerCase())) {
    throw apiError('DUPLICATE_CATEGORY', fullName);
  }
  const c = ensureCategoryPath(state, fullName, optInt(input, 'moderation') === 1);
  c.description = optString(input, 'description');
  c.tags = optString(input, 'tags');
  c.referenceId = optString(input, 'referenceId');
  return categoryWire(state, c);
}

/**
 * CategoryEntryService::addAction: INVALID_ENTRY_ID (not ENTRY_ID_NOT_FOUND) for a missing entry,
 * CATEGORY_NOT_FOUND, then CATEGORY_ENTRY_ALREADY_EXISTS only for an ACTIVE link. A moderated
 * category leaves the link PENDING (1), and a pending link is not an entry category yet.
 */
function addCategoryEntry(ctx: ActionContext): unknown {
  const { state } = ctx;
  const input = reqObject(ctx.params, 'categoryEntry');
  rejectReadOnly(input, 'KalturaCategoryEntry', ['createdAt', 'categoryFullIds', 'status', 'creatorUserId']);
  const entryId = optString(input, 'entryId');
  const categoryIdRaw = optString(input, 'categoryId');
  if (entryId === undefined) throw apiError('PROPERTY_VALIDATION_CANNOT_BE_NULL', propName(input, 'KalturaCategoryEntry', 'entryId'));
  if (categoryIdRaw === undefined) {
    throw apiError('PROPERTY_VALIDATION_CANNOT_BE_NULL', propName(input, 'KalturaCategoryEntry', 'categoryId'));
  }
  const entry = findLiveEntry(state, entryId);
  if (!entry) throw apiError('INVALID_ENTRY_ID', entryId);
  const category = state.categories.get(Number(categoryIdRaw));
  if (!category) throw apiError('CATEGORY_NOT_FOUND', categoryIdRaw);
  const link = linkEntryToCategory(ctx, entry, category.id, true);
  return categoryEntryWire(state, link);
}

/** `strict` (categoryEntry.add) reports an existing ACTIVE link; entry.categories just keeps it. */
export function linkEntryToCategory(ctx: ActionContext, entry: EntryRec, categoryId: number, strict = false): CategoryEntryRec {
  const { state } = ctx;
  const category = state.categories.get(categoryId);
  if (!category) throw apiError('CATEGORY_NOT_FOUND', categoryId);
  const live = state.categoryEntries.filter(
    (ce) => ce.entryId === entry.id && (ce.status === CategoryEntryStatus.ACTIVE || ce.status === CategoryEntryStatus.PENDING),
  );
  const existing = state.categoryEntries.find((ce) => ce.entryId === entry.id && ce.categoryId === categoryId);
  if (existing?.status === CategoryEntryStatus.ACTIVE && !strict) return existing;
  // the server counts links before it looks for a duplicate
  if (live.length >= MAX_CATEGORIES_PER_ENTRY) throw apiError('MAX_CATEGORIES_FOR_ENTRY_REACHED', MAX_CATEGORIES_PER_ENTRY);
  if (existing?.status === CategoryEntryStatus.ACTIVE) throw apiError('CATEGORY_ENTRY_ALREADY_EXISTS');
  const now = nowSeconds();
  const status = category.moderation ? CategoryEntryStatus.PENDING : CategoryEntryStatus.ACTIVE;
  const creatorUserId = ctx.ks?.userId || undefined;
  if (existing) {
    existing.status = status;
    existing.updatedAt = now;
    existing.creatorUserId = creatorUserId;
    return existing;
  }
  const rec: CategoryEntryRec = { categoryId, entryId: entry.id, status, creatorUserId, createdAt: now, updatedAt: now };
  state.categoryEntries.push(rec);
  entry.updatedAt = now;
  return rec;
}

function listCategoryEntries(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const f = optObject(params, 'filter');
  const entryIdEqual = optString(f, 'entryIdEqual');
  const entryIdIn = csv(optString(f, 'entryIdIn'));
  const categoryIdEqual = optInt(f, 'categoryIdEqual');
  const categoryIdIn = csv(optString(f, 'categoryIdIn'))?.map(Number);
  if (entryIdEqual === undefined && entryIdIn === undefined && categoryIdEqual === undefined && categoryIdIn === undefined) {
    throw apiError('MUST_FILTER_ON_ENTRY_OR_CATEGORY');
  }
  const statusEqual = optInt(f, 'statusEqual');
  const statusIn = csv(optString(f, 'statusIn'))?.map(Number);
  const matches = state.categoryEntries.filter(
    (ce) =>
      (entryIdEqual === undefined || ce.entryId === entryIdEqual) &&
      (entryIdIn === undefined || entryIdIn.includes(ce.entryId)) &&
      (categoryIdEqual === undefined || ce.categoryId === categoryIdEqual) &&
      (categoryIdIn === undefined || categoryIdIn.includes(ce.categoryId)) &&
      (statusEqual !== undefined
        ? ce.status === statusEqual
        : statusIn !== undefined
          ? statusIn.includes(ce.status)
          : ce.status === CategoryEntryStatus.ACTIVE || ce.status === CategoryEntryStatus.PENDING) &&
      findLiveEntry(state, ce.entryId) !== undefined,
  );
  const sorted = order(matches, optString(f, 'orderBy'), '+createdAt');
  return listResponse(
    'KalturaCategoryEntryListResponse',
    page(sorted, optObject(params, 'pager')).map((ce) => categoryEntryWire(state, ce)),
    matches.length,
  );
}

function deleteCategoryEntry(ctx: ActionContext): null {
  const { state, params } = ctx;
  const entryId = optString(params, 'entryId') ?? '';
  const categoryIdRaw = optString(params, 'categoryId') ?? '';
  if (!findLiveEntry(state, entryId)) throw apiError('INVALID_ENTRY_ID', entryId);
  if (!state.categories.get(Number(categoryIdRaw))) throw apiError('CATEGORY_NOT_FOUND', categoryIdRaw);
  const link = state.categoryEntries.find(
    (ce) => ce.entryId === entryId && ce.categoryId === Number(categoryIdRaw) && ce.status !== CategoryEntryStatus.DELETED,
  );
  if (!link) throw apiError('ENTRY_IS_NOT_ASSIGNED_TO_CATEGORY');
  link.status = CategoryEntryStatus.DELETED;
  link.updatedAt = nowSeconds();
  return null;
}
