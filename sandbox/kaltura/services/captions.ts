import { readFile, rm } from 'node:fs/promises';
import { RawResult, type ActionContext, type ServiceTable } from '../dispatcher.js';
import { apiError } from '../errors.js';
import {
  CaptionAssetStatus,
  findLiveEntry,
  newObjectId,
  nowSeconds,
  UploadTokenStatus,
  type CaptionRec,
  type PartnerState,
} from '../model.js';
import { csv, optBool, optInt, optObject, optString, rejectReadOnly, reqObject, reqString, type Params } from '../params.js';
import { captionWire, listResponse, order, page } from '../wire.js';
import { fullToken } from './upload-token.js';

/** CaptionType → file extension, as CaptionPlugin maps formats */
const EXTENSIONS: Record<string, string> = { '1': 'srt', '2': 'xml', '3': 'vtt', '4': 'cap', '5': 'scc' };
const CONTENT_TYPES: Record<string, string> = { '1': 'text/srt', '2': 'application/ttml+xml', '3': 'text/vtt' };
const READ_ONLY = ['id', 'entryId', 'partnerId', 'version', 'size', 'createdAt', 'updatedAt', 'deletedAt', 'status', 'languageCode', 'sizeInBytes'];
/** caption text above this is refused rather than held in memory */
const MAX_CAPTION_BYTES = 20 * 1024 * 1024;

export const captionServices: ServiceTable = {
  caption_captionasset: {
    add: { run: add },
    setcontent: { run: setContent },
    get: { run: (ctx) => captionWire(ctx.state, mustFind(ctx.state, reqString(ctx.params, 'captionAssetId'))) },
    list: { run: list },
    update: { run: update },
    delete: { run: remove },
    setasdefault: { run: setAsDefault },
    geturl: { run: getUrl },
    // the real serve action sends the file itself; the node client has no method for it
    serve: { ks: 'optional', widget: true, run: serve },
  },
};

function mustFind(state: PartnerState, id: string): CaptionRec {
  const c = state.captions.get(id);
  if (!c || c.status === CaptionAssetStatus.DELETED) throw apiError('CAPTION_ASSET_ID_NOT_FOUND', id);
  return c;
}

/** CaptionAssetService::addAction: the entry must be a VIDEO (1) or AUDIO (5) clip; the asset starts QUEUED. */
function add(ctx: ActionContext): unknown {
  const { state } = ctx;
  const entryId = reqString(ctx.params, 'entryId');
  const input = reqObject(ctx.params, 'captionAsset');
  const entry = findLiveEntry(state, entryId);
  if (!entry || (entry.mediaType !== 1 && entry.mediaType !== 5)) throw apiError('ENTRY_ID_NOT_FOUND', entryId);
  rejectReadOnly(input, 'KalturaCaptionAsset', READ_ONLY);
  const paramsId = optInt(input, 'captionParamsId');
  if (paramsId) {
    const dup = [...state.captions.values()].find(
      (c) => c.entryId === entryId && c.captionParamsId === paramsId && c.status !== CaptionAssetStatus.DELETED,
    );
    if (dup) throw apiError('CAPTION_ASSET_ALREADY_EXISTS', dup.id, paramsId);
  }
  const now = nowSeconds();
  const c: CaptionRec = {
    id: newObjectId(state.captions),
    entryId,
    isDefault: false,
    status: CaptionAssetStatus.QUEUED,
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
  applyFields(state, c, input);
  c.fileExt ??= c.format ? EXTENSIONS[c.format] : undefined;
  state.captions.set(c.id, c);
  return captionWire(state, c);
}

function applyFields(state: PartnerState, c: CaptionRec, input: Params): void {
  const str = (n: string): string | undefined => optString(input, n);
  if (str('language') !== undefined) c.language = str('language');
  if (str('label') !== undefined) c.label = str('label');
  if (str('format') !== undefined) c.format = str('format');
  if (str('fileExt') !== undefined) c.fileExt = str('fileExt');
  if (str('source') !== undefined) c.source = str('source');
  if (str('tags') !== undefined) c.tags = str('tags');
  if (str('partnerDescription') !== undefined) c.partnerDescription = str('partnerDescription');
  if (optInt(input, 'captionParamsId') !== undefined) c.captionParamsId = optInt(input, 'captionParamsId');
  if (optInt(input, 'accuracy') !== undefined) c.accuracy = optInt(input, 'accuracy');
  if (optBool(input, 'displayOnPlayer') !== undefined) c.displayOnPlayer = optBool(input, 'displayOnPlayer');
  const isDefault = optInt(input, 'isDefault');
  if (isDefault !== undefined && isDefault !== -1) {
    c.isDefault = isDefault === 1;
    // one default caption per entry
    if (c.isDefault) for (const other of state.captions.values()) if (other.entryId === c.entryId && other !== c) other.isDefault = false;
  }
}

/**
 * setContent with a KalturaStringResource (the text itself) or a KalturaUploadedFileTokenResource
 * (a FULL token, which is then CLOSED); either way the asset becomes READY (2).
 */
async function setContent(ctx: ActionContext): Promise<unknown> {
  const { state } = ctx;
  const c = mustFind(state, reqString(ctx.params, 'id'));
  const resource = reqObject(ctx.params, 'contentResource');
  const type = optString(resource, 'objectType') ?? '';
  let text: string;
  if (type === 'KalturaStringResource') {
    text = optString(resource, 'content') ?? '';
  } else if (type === 'KalturaUploadedFileTokenResource') {
    const token = fullToken(state, optString(resource, 'token'));
    text = await ctx.storage.withLock(token.id, async () => {
      if (token.status !== UploadTokenStatus.FULL_UPLOAD) throw apiError('UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY');
      if (token.bytesOnDisk > MAX_CAPTION_BYTES) throw apiError('UPLOAD_ERROR');
      const body = token.fileExists ? await readFile(token.path, 'utf8') : '';
      await rm(token.path, { force: true });
      token.fileExists = false;
      token.status = UploadTokenStatus.CLOSED;
      token.attachedObjectType = 'caption';
      token.attachedObjectId = c.id;
      token.updatedAt = nowSeconds();
      return body;
    });
  } else {
    throw apiError('RESOURCE_TYPE_NOT_SUPPORTED', type);
  }
  c.text = text;
  c.size = Buffer.byteLength(text, 'utf8');
  c.status = CaptionAssetStatus.READY;
  c.version += 1;
  c.updatedAt = nowSeconds();
  return captionWire(state, c);
}

function list(ctx: ActionContext): unknown {
  const { state, params } = ctx;
  const f = optObject(params, 'filter');
  const s = (n: string): string | undefined => optString(f, n);
  const entryIdIn = csv(s('entryIdIn'));
  const idIn = csv(s('idIn'));
  const statusIn = csv(s('statusIn'))?.map(Number);
  const statusNotIn = csv(s('statusNotIn'))?.map(Number);
  const formatIn = csv(s('formatIn'));
  const statusEqual = optInt(f, 'statusEqual');
  const matches = [...state.captions.values()].filter(
    (c) =>
      c.status !== CaptionAssetStatus.DELETED &&
      findLiveEntry(state, c.entryId) !== undefined &&
      (s('entryIdEqual') === undefined || c.entryId === s('entryIdEqual')) &&
      (entryIdIn === undefined || entryIdIn.includes(c.entryId)) &&
      (s('idEqual') === undefined || c.id === s('idEqual')) &&
      (idIn === undefined || idIn.includes(c.id)) &&
      (statusEqual === undefined || c.status === statusEqual) &&
      (statusIn === undefined || statusIn.includes(c.status)) &&
      (statusNotIn === undefined || !statusNotIn.includes(c.status)) &&
      (s('formatEqual') === undefined || c.format === s('formatEqual')) &&
      (formatIn === undefined || (c.format !== undefined && formatIn.includes(c.format))),
  );
  const sorted = order(matches, s('orderBy'), '+createdAt');
  return listResponse(
    'KalturaCaptionAssetListResponse',
    page(sorted, optObject(params, 'pager')).map((c) => captionWire(state, c)),
    matches.length,
  );
}

function update(ctx: ActionContext): unknown {
  const { state } = ctx;
  const c = mustFind(state, reqString(ctx.params, 'id'));
  const input = reqObject(ctx.params, 'captionAsset');
  rejectReadOnly(input, 'KalturaCaptionAsset', READ_ONLY);
  applyFields(state, c, input);
  c.updatedAt = nowSeconds();
  return captionWire(state, c);
}

function remove(ctx: ActionContext): null {
  const c = mustFind(ctx.state, reqString(ctx.params, 'captionAssetId'));
  c.status = CaptionAssetStatus.DELETED;
  c.updatedAt = nowSeconds();
  return null;
}

function setAsDefault(ctx: ActionContext): null {
  const c = mustFind(ctx.state, reqString(ctx.params, 'captionAssetId'));
  applyFields(ctx.state, c, { isDefault: 1 });
  return null;
}

/** A plain string, like the server's download URL; it points at `serve` on this emulator. */
function getUrl(ctx: ActionContext): string {
  const c = mustFind(ctx.state, reqString(ctx.params, 'id'));
  if (c.status !== CaptionAssetStatus.READY) throw apiError('CAPTION_ASSET_IS_NOT_READY', c.id);
  return `${ctx.baseUrl}/api_v3/index.php/service/caption_captionAsset/action/serve/captionAssetId/${c.id}`;
}

function serve(ctx: ActionContext): RawResult {
  const c = mustFind(ctx.state, reqString(ctx.params, 'captionAssetId'));
  if (c.status !== CaptionAssetStatus.READY) throw apiError('CAPTION_ASSET_IS_NOT_READY', c.id);
  const contentType = (c.format && CONTENT_TYPES[c.format]) ?? 'text/plain';
  return new RawResult(`${contentType}; charset=utf-8`, c.text ?? '');
}
