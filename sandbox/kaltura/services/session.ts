import { createHash } from 'node:crypto';
import type { ActionContext, ServiceTable } from '../dispatcher.js';
import { apiError } from '../errors.js';
import { generateKs, parseKs, SessionType, type KsData } from '../ks.js';
import { nowSeconds, type PartnerState } from '../model.js';
import { optInt, optString, reqString } from '../params.js';
import { obj } from '../wire.js';

/** Partner::ksMaxExpiryInSeconds default */
const MAX_EXPIRY = 86400;
/** privileges an app-token session may not ask for on top of the token's own (kSessionUtils) */
const RESERVED_PRIVILEGES = new Set(['apptoken', 'sessionid', 'setrole', 'privacycontext', 'actionslimit', 'iprestrict', 'urirestrict', 'all']);

export const sessionServices: ServiceTable = {
  session: {
    start: { ks: 'optional', widget: true, run: start },
    startwidgetsession: { ks: 'optional', widget: true, run: startWidgetSession },
    get: { ks: 'optional', widget: true, run: get },
    end: { widget: true, run: end },
  },
  apptoken: {
    startsession: { widget: true, run: appTokenStartSession },
  },
};

function issue(state: PartnerState, data: Omit<KsData, 'partnerId'>): string {
  return generateKs(state.adminSecret, { partnerId: state.partnerId, ...data });
}

/**
 * SessionService::startAction → kSessionUtils::startKSession: ADMIN needs the admin secret, USER
 * takes either secret; any mismatch, or another partner, is START_SESSION_ERROR {PID}.
 */
function start(ctx: ActionContext): string {
  const { state, params } = ctx;
  const secret = optString(params, 'secret') ?? '';
  const userId = optString(params, 'userId') ?? '';
  const type = optInt(params, 'type') ?? SessionType.USER;
  const partnerId = optInt(params, 'partnerId');
  const expiryIn = optInt(params, 'expiry') ?? MAX_EXPIRY;
  const privileges = optString(params, 'privileges') ?? '';

  const pidArg = optString(params, 'partnerId');
  if (partnerId !== state.partnerId) throw apiError('START_SESSION_ERROR', pidArg);
  const ok = type === SessionType.ADMIN ? secret === state.adminSecret : secret === state.secret || secret === state.adminSecret;
  if (!ok || (type !== SessionType.ADMIN && type !== SessionType.USER)) throw apiError('START_SESSION_ERROR', pidArg);

  const expiry = nowSeconds() + (expiryIn > 0 ? Math.min(expiryIn, MAX_EXPIRY) : MAX_EXPIRY);
  return issue(state, { userId, type, expiry, privileges });
}

/** Widget "_<pid>": an anonymous USER session (user "0") with view-only privileges. */
function startWidgetSession(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const widgetId = reqString(params, 'widgetId');
  if (widgetId !== `_${state.partnerId}`) throw apiError('INVALID_WIDGET_ID', widgetId);
  const expiryIn = optInt(params, 'expiry') ?? MAX_EXPIRY;
  const expiry = nowSeconds() + (expiryIn > 0 ? Math.min(expiryIn, MAX_EXPIRY) : MAX_EXPIRY);
  const ks = issue(state, { userId: '0', type: SessionType.USER, expiry, privileges: 'view:*,widget:1' });
  return obj('KalturaStartWidgetSessionResponse', { partnerId: state.partnerId, ks, userId: 0 });
}

function get(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const session = optString(params, 'session') || ctx.ksString;
  if (!session) throw apiError('SERVICE_FORBIDDEN', 'session->get');
  const parsed = parseKs(session, (pid) => (pid === state.partnerId ? state.adminSecret : undefined));
  if (!parsed) throw apiError('INVALID_KS', session, -1, 'INVALID_STR');
  return obj('KalturaSessionInfo', {
    ks: session,
    sessionType: parsed.type,
    partnerId: parsed.partnerId,
    userId: parsed.userId,
    expiry: parsed.expiry,
    privileges: parsed.privileges,
  });
}

function end(ctx: ActionContext): null {
  if (ctx.ksString) ctx.state.revokedKs.add(ctx.ksString);
  return null;
}

/**
 * AppTokenService::startSessionAction: the caller proves it holds the token by sending
 * hex(hash(hashType, <the KS of this very request> + token)). The token's own session type, user
 * and privileges override the request's; the session never outlives the token.
 */
function appTokenStartSession(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const id = reqString(params, 'id');
  const tokenHash = reqString(params, 'tokenHash');
  const token = state.appTokens.get(id);
  if (!token) throw apiError('APP_TOKEN_ID_NOT_FOUND', id);
  if (token.status !== 2) throw apiError('APP_TOKEN_NOT_ACTIVE', id);

  const algorithm = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' }[token.hashType];
  const expected = createHash(algorithm)
    .update((ctx.ksString ?? '') + token.token, 'utf8')
    .digest('hex');
  if (expected !== tokenHash) throw apiError('INVALID_APP_TOKEN_HASH');

  let tokenExpiry = MAX_EXPIRY;
  if (token.expiry !== undefined) {
    tokenExpiry = Math.min(tokenExpiry, token.expiry - nowSeconds());
    if (tokenExpiry < 0) throw apiError('APP_TOKEN_EXPIRED', id);
  }
  const requested = optInt(params, 'expiry');
  const expiryIn = Math.min(requested || tokenExpiry, tokenExpiry);
  const type = token.sessionType ?? optInt(params, 'type') ?? SessionType.USER;
  const userId = token.sessionUserId ?? optString(params, 'userId');

  const privileges = [`apptoken:${id}`, `sessionid:${id}`];
  const taken = new Set(['apptoken', 'sessionid']);
  for (const p of splitPrivileges(token.sessionPrivileges)) {
    privileges.push(p);
    taken.add(p.split(':')[0] as string);
  }
  for (const p of splitPrivileges(optString(params, 'sessionPrivileges'))) {
    const name = p.split(':')[0] as string;
    if (!RESERVED_PRIVILEGES.has(name) && !taken.has(name)) privileges.push(p);
  }

  const expiry = nowSeconds() + expiryIn;
  const ks = issue(state, { userId: userId ?? '', type, expiry, privileges: privileges.join(',') });
  return obj('KalturaSessionInfo', {
    ks,
    sessionType: type,
    partnerId: state.partnerId,
    userId,
    expiry,
    privileges: privileges.join(','),
  });
}

function splitPrivileges(s: string | undefined): string[] {
  return (s ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
