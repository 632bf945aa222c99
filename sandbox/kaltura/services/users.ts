import type { ActionContext, ServiceTable } from '../dispatcher.js';
import { apiError } from '../errors.js';
import { SessionType } from '../ks.js';
import { findUser, fullNameOf, nowSeconds, userKey, UserStatus, type UserRec } from '../model.js';
import { csv, optBool, optInt, optObject, optString, propName, rejectReadOnly, reqObject, reqString, type Params } from '../params.js';
import { groupUserWire, listResponse, order, page, userWire } from '../wire.js';

/** kuser::PUSER_ID_REGEXP */
const USER_ID = /^[A-Za-z0-9,!#$%&'*+?^_`{|}~.@-]{1,320}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const USER_READ_ONLY = ['partnerId', 'createdAt', 'updatedAt', 'storageSize', 'statusUpdatedAt', 'deletedAt', 'lastLoginTime', 'roleNames', 'isAccountOwner'];

export const userServices: ServiceTable = {
  user: {
    add: { admin: true, run: addUser },
    get: { run: getUser },
    list: { run: listUsers },
    update: { admin: true, run: updateUser },
    delete: { admin: true, run: deleteUser },
  },
  groupuser: {
    list: { run: listGroupUsers },
    add: { admin: true, run: addGroupUser },
    delete: { admin: true, run: deleteGroupUser },
  },
};

/**
 * UserService::addAction: the id must match kuser's pattern (INVALID_FIELD_VALUE {id}); an existing
 * non-deleted id is DUPLICATE_USER_BY_ID {UID}. A DELETED user's id can be taken again.
 */
function addUser(ctx: ActionContext): unknown {
  const { state } = ctx;
  const input = reqObject(ctx.params, 'user');
  rejectReadOnly(input, 'KalturaUser', USER_READ_ONLY);
  const id = optString(input, 'id');
  if (id === undefined || id === '') throw apiError('PROPERTY_VALIDATION_CANNOT_BE_NULL', propName(input, 'KalturaUser', 'id'));
  if (!USER_ID.test(id)) throw apiError('INVALID_FIELD_VALUE', 'id');
  const email = optString(input, 'email');
  if (email !== undefined && email !== '' && !EMAIL.test(email)) throw apiError('INVALID_FIELD_VALUE', 'email');
  if (findUser(state, id)) throw apiError('DUPLICATE_USER_BY_ID', id);
  const now = nowSeconds();
  const user: UserRec = {
    id,
    type: optInt(input, 'type') ?? 0,
    status: optInt(input, 'status') ?? UserStatus.ACTIVE,
    isAdmin: optBool(input, 'isAdmin') ?? false,
    createdAt: now,
    updatedAt: now,
  };
  applyUserFields(user, input);
  user.screenName ??= id;
  state.users.set(userKey(id), user);
  return userWire(state, user);
}

function applyUserFields(user: UserRec, input: Params): void {
  const str = (n: string): string | undefined => optString(input, n);
  if (str('email') !== undefined) user.email = str('email');
  if (str('firstName') !== undefined) user.firstName = str('firstName');
  if (str('lastName') !== undefined) user.lastName = str('lastName');
  if (str('screenName') !== undefined) user.screenName = str('screenName');
  if (str('externalId') !== undefined) user.externalId = str('externalId');
  if (str('partnerData') !== undefined) user.partnerData = str('partnerData');
  if (str('tags') !== undefined) user.tags = str('tags');
  if (optBool(input, 'isAdmin') !== undefined) user.isAdmin = optBool(input, 'isAdmin') as boolean;
  if (optInt(input, 'status') !== undefined) user.status = optInt(input, 'status') as number;
  user.fullName = str('fullName') ?? fullNameOf(user.firstName, user.lastName) ?? user.fullName;
}

/**
 * UserService::getAction: no id means the session's own user; another user needs an admin KS;
 * unknown or deleted is INVALID_USER_ID with args [] (the KalturaErrors form has no placeholders).
 */
function getUser(ctx: ActionContext): unknown {
  const requested = optString(ctx.params, 'userId') || ctx.ks?.userId || '';
  const isAdmin = ctx.ks?.type === SessionType.ADMIN;
  if (!isAdmin && userKey(requested) !== userKey(ctx.ks?.userId ?? '')) {
    throw apiError('CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION', requested);
  }
  const user = findUser(ctx.state, requested);
  if (!user) throw apiError('INVALID_USER_ID');
  return userWire(ctx.state, user);
}

function updateUser(ctx: ActionContext): unknown {
  const user = findUser(ctx.state, reqString(ctx.params, 'userId'));
  if (!user) throw apiError('INVALID_USER_ID');
  const input = reqObject(ctx.params, 'user');
  rejectReadOnly(input, 'KalturaUser', USER_READ_ONLY);
  const newId = optString(input, 'id');
  if (newId !== undefined && newId !== user.id) {
    if (!USER_ID.test(newId)) throw apiError('INVALID_FIELD_VALUE', 'id');
    if (findUser(ctx.state, newId)) throw apiError('DUPLICATE_USER_BY_ID', newId);
    ctx.state.users.delete(userKey(user.id));
    user.id = newId;
    ctx.state.users.set(userKey(newId), user);
  }
  applyUserFields(user, input);
  user.updatedAt = nowSeconds();
  return userWire(ctx.state, user);
}

function deleteUser(ctx: ActionContext): null {
  const user = findUser(ctx.state, reqString(ctx.params, 'userId'));
  if (!user) throw apiError('INVALID_USER_ID');
  user.status = UserStatus.DELETED;
  user.updatedAt = nowSeconds();
  return null;
}

/**
 * kuserPeer's default criteria hide DELETED users (BLOCKED ones are listed); there is no
 * `emailEqual`, so exact email lookups are `emailStartsWith` plus a client-side comparison.
 */
function userMatches(u: UserRec, f: Params | undefined): boolean {
  const s = (n: string): string | undefined => optString(f, n);
  const lc = (x: string | undefined): string => (x ?? '').toLowerCase();
  const statusEqual = optInt(f, 'statusEqual');
  const statusIn = csv(s('statusIn'))?.map(Number);
  const typeIn = csv(s('typeIn'))?.map(Number);
  const idIn = csv(s('idIn'))?.map(lc);
  if (u.status === UserStatus.DELETED && statusEqual !== UserStatus.DELETED && !statusIn?.includes(UserStatus.DELETED)) return false;
  if (statusEqual !== undefined && u.status !== statusEqual) return false;
  if (statusIn && !statusIn.includes(u.status)) return false;
  if (optInt(f, 'typeEqual') !== undefined && u.type !== optInt(f, 'typeEqual')) return false;
  if (typeIn && !typeIn.includes(u.type)) return false;
  if (s('idEqual') !== undefined && lc(u.id) !== lc(s('idEqual'))) return false;
  if (idIn && !idIn.includes(lc(u.id))) return false;
  if (s('emailStartsWith') !== undefined && (u.email === undefined || !lc(u.email).startsWith(lc(s('emailStartsWith'))))) return false;
  if (s('emailLike') !== undefined && (u.email === undefined || !lc(u.email).includes(lc(s('emailLike'))))) return false;
  if (s('screenNameLike') !== undefined && !lc(u.screenName).includes(lc(s('screenNameLike')))) return false;
  if (s('screenNameStartsWith') !== undefined && !lc(u.screenName).startsWith(lc(s('screenNameStartsWith')))) return false;
  if (s('firstNameStartsWith') !== undefined && !lc(u.firstName).startsWith(lc(s('firstNameStartsWith')))) return false;
  if (s('lastNameStartsWith') !== undefined && !lc(u.lastName).startsWith(lc(s('lastNameStartsWith')))) return false;
  const either = s('firstNameOrLastNameStartsWith');
  if (either !== undefined && !lc(u.firstName).startsWith(lc(either)) && !lc(u.lastName).startsWith(lc(either))) return false;
  const idOrScreen = s('idOrScreenNameStartsWith');
  if (idOrScreen !== undefined && !lc(u.id).startsWith(lc(idOrScreen)) && !lc(u.screenName).startsWith(lc(idOrScreen))) return false;
  const isAdminEqual = optBool(f, 'isAdminEqual');
  if (isAdminEqual !== undefined && u.isAdmin !== isAdminEqual) return false;
  return true;
}

function listUsers(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const filter = optObject(params, 'filter');
  const matches = [...state.users.values()].filter((u) => userMatches(u, filter));
  const sorted = order(matches, optString(filter, 'orderBy'), '+createdAt');
  return listResponse('KalturaUserListResponse', page(sorted, optObject(params, 'pager')).map((u) => userWire(state, u)), matches.length);
}

/** GroupUserFilter: an unknown user or group gives an empty list, not an error. */
function listGroupUsers(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const f = optObject(params, 'filter');
  const lc = (x: string): string => x.toLowerCase();
  const userIdEqual = optString(f, 'userIdEqual');
  const groupIdEqual = optString(f, 'groupIdEqual');
  const userIdIn = csv(optString(f, 'userIdIn'))?.map(lc);
  const groupIdIn = csv(optString(f, 'groupIdIn'))?.map(lc);
  const liveUser = (id: string): boolean => findUser(state, id) !== undefined;
  const matches = state.groupUsers.filter(
    (g) =>
      liveUser(g.userId) &&
      liveUser(g.groupId) &&
      (userIdEqual === undefined || lc(g.userId) === lc(userIdEqual)) &&
      (groupIdEqual === undefined || lc(g.groupId) === lc(groupIdEqual)) &&
      (userIdIn === undefined || userIdIn.includes(lc(g.userId))) &&
      (groupIdIn === undefined || groupIdIn.includes(lc(g.groupId))),
  );
  return listResponse(
    'KalturaGroupUserListResponse',
    page(matches, optObject(params, 'pager')).map((g) => groupUserWire(state, g)),
    matches.length,
  );
}

function addGroupUser(ctx: ActionContext): unknown {
  const { state } = ctx;
  const input = reqObject(ctx.params, 'groupUser');
  const userId = optString(input, 'userId') ?? '';
  const groupId = optString(input, 'groupId') ?? '';
  const user = findUser(state, userId);
  if (!user || user.type !== 0) throw apiError('USER_NOT_FOUND');
  const group = findUser(state, groupId);
  if (!group || group.type !== 1) throw apiError('GROUP_NOT_FOUND');
  if (state.groupUsers.some((g) => userKey(g.userId) === userKey(userId) && userKey(g.groupId) === userKey(groupId))) {
    throw apiError('GROUP_USER_ALREADY_EXISTS');
  }
  const now = nowSeconds();
  const rec = { id: String(state.nextGroupUserId++), userId: user.id, groupId: group.id, createdAt: now, updatedAt: now };
  state.groupUsers.push(rec);
  return groupUserWire(state, rec);
}

function deleteGroupUser(ctx: ActionContext): null {
  const { state, params } = ctx;
  const userId = reqString(params, 'userId');
  const groupId = reqString(params, 'groupId');
  const before = state.groupUsers.length;
  state.groupUsers = state.groupUsers.filter((g) => !(userKey(g.userId) === userKey(userId) && userKey(g.groupId) === userKey(groupId)));
  if (state.groupUsers.length === before) throw apiError('GROUP_USER_DOES_NOT_EXIST', userId, groupId);
  return null;
}
