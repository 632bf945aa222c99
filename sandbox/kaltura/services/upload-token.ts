import { createHash, randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import type { ActionContext, ServiceTable } from '../dispatcher.js';
import { apiError } from '../errors.js';
import { SessionType } from '../ks.js';
import { newUploadTokenId, nowSeconds, UploadTokenStatus, type PartnerState, type UploadTokenRec } from '../model.js';
import { csv, optBool, optInt, optNumber, optObject, optString, rejectReadOnly, reqString } from '../params.js';
import type { SpooledFile } from '../request-body.js';
import { sha256File, writeAt } from '../storage.js';
import { listResponse, order, page, uploadTokenWire } from '../wire.js';
import { attachTokenToWaitingEntry } from './entries.js';

/** upload_token_max_resume_time default */
const MAX_RESUME_SECONDS = 604800;

export const uploadTokenServices: ServiceTable = {
  uploadtoken: {
    add: { run: add },
    upload: { run: upload },
    get: { run: get },
    list: { run: list },
    delete: { run: remove },
  },
};

function add(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const input = optObject(params, 'uploadToken') ?? {};
  rejectReadOnly(input, 'KalturaUploadToken', ['id', 'partnerId', 'userId', 'status', 'uploadedFileSize', 'createdAt', 'updatedAt']);
  const autoFinalize = optBool(input, 'autoFinalize');
  const fileSize = optNumber(input, 'fileSize');
  if (autoFinalize && fileSize === undefined) throw apiError('UPLOAD_TOKEN_MISSING_FILE_SIZE');
  const id = newUploadTokenId();
  const now = nowSeconds();
  const token: UploadTokenRec = {
    id,
    userId: ctx.ks?.userId ?? '',
    status: UploadTokenStatus.PENDING,
    fileName: optString(input, 'fileName'),
    fileSize,
    autoFinalize,
    path: ctx.storage.tokenPath(id),
    fileExists: false,
    bytesOnDisk: 0,
    parked: [],
    hashedBytes: 0,
    createdAt: now,
    updatedAt: now,
  };
  state.uploadTokens.set(id, token);
  return uploadTokenWire(state, token, ctx.baseUrl);
}

/** UploadTokenService::restrictPeerToCurrentUser: a non-admin session sees only its own tokens. */
function findToken(ctx: ActionContext, id: string): UploadTokenRec {
  const token = ctx.state.uploadTokens.get(id);
  const own = token && (ctx.ks?.type === SessionType.ADMIN || token.userId === (ctx.ks?.userId ?? ''));
  if (!token || !own) throw apiError('UPLOAD_TOKEN_NOT_FOUND');
  return token;
}

function get(ctx: ActionContext): unknown {
  const token = findToken(ctx, reqString(ctx.params, 'uploadTokenId'));
  return uploadTokenWire(ctx.state, token, ctx.baseUrl);
}

function list(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const filter = optObject(params, 'filter');
  const idEqual = optString(filter, 'idEqual');
  const idIn = csv(optString(filter, 'idIn'));
  const userIdEqual = optString(filter, 'userIdEqual');
  const statusEqual = optInt(filter, 'statusEqual');
  const statusIn = csv(optString(filter, 'statusIn'))?.map(Number);
  const fileNameEqual = optString(filter, 'fileNameEqual');
  const isAdmin = ctx.ks?.type === SessionType.ADMIN;
  const matches = [...state.uploadTokens.values()].filter(
    (t) =>
      (isAdmin || t.userId === (ctx.ks?.userId ?? '')) &&
      (idEqual === undefined || t.id === idEqual) &&
      (idIn === undefined || idIn.includes(t.id)) &&
      (userIdEqual === undefined || t.userId.toLowerCase() === userIdEqual.toLowerCase()) &&
      (statusEqual === undefined || t.status === statusEqual) &&
      (statusIn === undefined || statusIn.includes(t.status)) &&
      (fileNameEqual === undefined || t.fileName === fileNameEqual),
  );
  const sorted = order(matches, optString(filter, 'orderBy'), '-createdAt');
  return listResponse(
    'KalturaUploadTokenListResponse',
    page(sorted, optObject(params, 'pager')).map((t) => uploadTokenWire(state, t, ctx.baseUrl)),
    matches.length,
  );
}

async function remove(ctx: ActionContext): Promise<null> {
  const token = findToken(ctx, reqString(ctx.params, 'uploadTokenId'));
  await ctx.storage.withLock(token.id, async () => {
    token.status = UploadTokenStatus.DELETED;
    token.updatedAt = nowSeconds();
    await dropParked(token);
  });
  return null;
}

/**
 * kUploadTokenMgr::uploadFileToToken / handleResume, step for step:
 * - resume=false replaces the file with this chunk;
 * - resume=true, resumeAt=-1 appends at the end;
 * - resume=true, resumeAt=N appends directly when N is the current size (and this is not a final
 *   chunk past 0); otherwise the chunk is parked and every parked chunk that starts inside or at
 *   the end of the file and would grow it is written at its offset;
 * - a resumed final chunk at N>0 must leave the file at N + its size: the server waits for late
 *   chunks, then fails with UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE (retryable);
 * - an empty non-final chunk with N>0 is ignored.
 * The sha256 follows the bytes while they arrive in order and is recomputed from the file when
 * they did not.
 */
async function upload(ctx: ActionContext): Promise<unknown> {
  const { state, params, storage } = ctx;
  const token = findToken(ctx, reqString(params, 'uploadTokenId'));
  const file = ctx.files.get('fileData');
  const resume = optBool(params, 'resume') ?? false;
  const finalChunk = optBool(params, 'finalChunk') ?? true;
  const resumeAt = optNumber(params, 'resumeAt') ?? -1;

  const first = await storage.withLock(token.id, async () => {
    if (token.status !== UploadTokenStatus.PENDING && token.status !== UploadTokenStatus.PARTIAL_UPLOAD) {
      throw apiError('UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD');
    }
    if (token.status === UploadTokenStatus.PARTIAL_UPLOAD && nowSeconds() - token.updatedAt > MAX_RESUME_SECONDS) {
      throw apiError('UPLOAD_PASSED_MAX_RESUME_TIME_ALLOWED', MAX_RESUME_SECONDS);
    }
    if (!file || !file.filename) throw apiError('UPLOAD_ERROR');
    // kUploadTokenMgr::updateFileName: only when the token has none ("chunk" for a Buffer upload)
    if (!token.fileName) token.fileName = file.filename;
    if (file.size === 0 && !finalChunk && resumeAt > 0) return { ignored: true, verify: false, expected: 0 };

    if (!resume) {
      await replaceWith(token, file);
      return { ignored: false, verify: false, expected: 0 };
    }
    if (!token.fileExists) throw apiError('UPLOAD_TOKEN_CANNOT_RESUME');
    if (resumeAt === -1) {
      await appendAtEnd(token, file.path, file.size);
      await rm(file.path, { force: true });
      return { ignored: false, verify: false, expected: 0 };
    }
    // backwards compatibility on the server: a final chunk at offset 0 overrides without checks
    const verify = finalChunk && resumeAt > 0;
    if (!verify && resumeAt > 0 && resumeAt === token.bytesOnDisk) {
      await appendAtEnd(token, file.path, file.size);
      await rm(file.path, { force: true });
    } else {
      const parkedPath = storage.chunkPath(token.id, resumeAt, randomUUID());
      await rename(file.path, parkedPath);
      token.parked.push({ offset: resumeAt, path: parkedPath, size: file.size });
    }
    await appendAvailableChunks(token);
    return { ignored: false, verify, expected: resumeAt + file.size };
  });

  if (!first.ignored && first.verify && token.bytesOnDisk !== first.expected) {
    const deadline = Date.now() + storage.settings.finalChunkWaitMs;
    while (token.bytesOnDisk !== first.expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      await storage.withLock(token.id, () => appendAvailableChunks(token));
    }
    if (token.bytesOnDisk !== first.expected) throw apiError('UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE');
  }

  // The answer is this request's own result, taken under the lock: in Kaltura each request saves and
  // returns its own copy of the token, so a chunk never reports what a parallel final chunk did
  // (FULL_UPLOAD), and a late non-final chunk never takes a finished token back to PARTIAL_UPLOAD.
  return storage.withLock(token.id, async () => {
    const stillOpen = token.status === UploadTokenStatus.PENDING || token.status === UploadTokenStatus.PARTIAL_UPLOAD;
    if (first.ignored || !stillOpen) {
      // nothing of this request's own to save: a non-final chunk still says partial, a final one what the token is
      return uploadTokenWire(state, finalChunk || stillOpen ? token : { ...token, status: UploadTokenStatus.PARTIAL_UPLOAD }, ctx.baseUrl);
    }
    const autoFinal = token.autoFinalize === true && token.fileSize !== undefined && token.bytesOnDisk >= token.fileSize;
    token.uploadedFileSize = token.bytesOnDisk;
    token.updatedAt = nowSeconds();
    if (finalChunk || autoFinal) {
      token.status = UploadTokenStatus.FULL_UPLOAD;
      await finishToken(token);
      await attachTokenToWaitingEntry(state, storage, token);
      return uploadTokenWire(state, token, ctx.baseUrl);
    }
    token.status = UploadTokenStatus.PARTIAL_UPLOAD;
    return uploadTokenWire(state, token, ctx.baseUrl);
  });
}

async function replaceWith(token: UploadTokenRec, file: SpooledFile): Promise<void> {
  await dropParked(token);
  await rename(file.path, token.path);
  token.fileExists = true;
  token.bytesOnDisk = file.size;
  token.hash = file.hash;
  token.hashedBytes = file.size;
}

async function appendAtEnd(token: UploadTokenRec, src: string, size: number): Promise<void> {
  const inOrder = token.hash !== undefined && token.hashedBytes === token.bytesOnDisk;
  await writeAt(token.path, token.bytesOnDisk, src, inOrder ? token.hash : undefined);
  if (inOrder) token.hashedBytes += size;
  token.bytesOnDisk += size;
}

/** kUploadTokenMgr::appendAvailableChunks: offset 0, or starting within/at the end and growing the file. */
async function appendAvailableChunks(token: UploadTokenRec): Promise<void> {
  for (;;) {
    const size = token.bytesOnDisk;
    const next = token.parked.find((c) => c.offset === 0 || (c.offset <= size && c.offset + c.size > size));
    if (!next) return;
    token.parked = token.parked.filter((c) => c !== next);
    if (next.offset === size) {
      await appendAtEnd(token, next.path, next.size);
    } else {
      // overwriting bytes already hashed: the running hash no longer describes the file
      await writeAt(token.path, next.offset, next.path);
      token.hash = undefined;
      token.bytesOnDisk = Math.max(size, next.offset + next.size);
    }
    await rm(next.path, { force: true });
  }
}

async function finishToken(token: UploadTokenRec): Promise<void> {
  await dropParked(token);
  if (!token.fileExists) {
    token.sha256 = createHash('sha256').digest('hex');
    return;
  }
  token.sha256 =
    token.hash !== undefined && token.hashedBytes === token.bytesOnDisk ? token.hash.digest('hex') : await sha256File(token.path);
  token.hash = undefined;
}

async function dropParked(token: UploadTokenRec): Promise<void> {
  await Promise.all(token.parked.map((c) => rm(c.path, { force: true })));
  token.parked = [];
}

/** For resources that name a token: it must exist and hold a complete upload. */
export function fullToken(state: PartnerState, tokenId: string | undefined): UploadTokenRec {
  const token = tokenId ? state.uploadTokens.get(tokenId) : undefined;
  if (!token) throw apiError('UPLOAD_TOKEN_NOT_FOUND');
  if (token.status !== UploadTokenStatus.FULL_UPLOAD) throw apiError('UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY');
  return token;
}
