import type { Readable } from 'node:stream';
import { apiError, internalErrorBody, KalturaApiError, type KalturaErrorBody } from './errors.js';
import { parseKs, SessionType, type ParsedKs } from './ks.js';
import { nowSeconds, type PartnerState } from './model.js';
import { isObject, optString, type Params } from './params.js';
import type { SpooledFile } from './request-body.js';
import type { Storage } from './storage.js';

/** What every action handler gets. */
export interface ActionContext {
  state: PartnerState;
  storage: Storage;
  /** the validated session, when the request carried one */
  ks?: ParsedKs;
  /** the KS exactly as sent (app tokens hash it) */
  ksString?: string;
  params: Params;
  files: Map<string, SpooledFile>;
  /** scheme://host:port of this emulator, as the caller reached it */
  baseUrl: string;
  service: string;
  action: string;
}

export interface ActionDef {
  /** 'required' (the default) answers SERVICE_FORBIDDEN without a KS */
  ks?: 'required' | 'optional';
  /** a widget KS (privilege widget:1) may call it */
  widget?: boolean;
  /** only an ADMIN (type 2) KS may call it */
  admin?: boolean;
  run(ctx: ActionContext): unknown;
}

export type ServiceTable = Record<string, Record<string, ActionDef>>;

/** A non-JSON answer (caption serve, content download). */
export class RawResult {
  constructor(
    readonly contentType: string,
    readonly body: string | Buffer | (() => Readable),
    readonly size?: number,
  ) {}
}

export interface DispatchInput {
  service: string;
  action: string;
  params: Params;
  files: Map<string, SpooledFile>;
  baseUrl: string;
}

export class Dispatcher {
  constructor(
    private readonly table: ServiceTable,
    private readonly getState: () => PartnerState,
    private readonly storage: Storage,
  ) {}

  /** One action; API errors come back as their exception body, never as a throw. */
  async single(input: DispatchInput): Promise<{ result: unknown; error?: KalturaErrorBody }> {
    try {
      return { result: await this.run(input) };
    } catch (err) {
      const body = toErrorBody(err);
      return { result: body, error: body };
    }
  }

  /**
   * `service=multirequest`: numbered sub-requests run in order, each inheriting the top-level ks,
   * partnerId and clientTag; `{N:result:path}` (1-based, as kCurrentContext::$multiRequest_index) is
   * replaced by an earlier result; a failing item becomes an exception object and the rest still run.
   */
  async multi(params: Params, files: Map<string, SpooledFile>, baseUrl: string): Promise<unknown[]> {
    const common: Params = {};
    const indexes: number[] = [];
    for (const [k, v] of Object.entries(params)) {
      if (/^\d+$/.test(k)) indexes.push(Number(k));
      else if (!isObject(v)) common[k] = v;
    }
    indexes.sort((a, b) => a - b);
    const results: unknown[] = [];
    const first = indexes[0] ?? 0;
    for (let i = first; ; i++) {
      const sub = params[String(i)];
      if (!isObject(sub)) break;
      const service = optString(sub, 'service');
      const action = optString(sub, 'action');
      if (!service || !action) break;
      const merged = substituteResults({ ...pick(common, ['ks', 'partnerId', 'clientTag', 'language']), ...sub }, results) as Params;
      const subFiles = new Map<string, SpooledFile>();
      for (const [name, f] of files) {
        const m = /^(\d+):(.+)$/.exec(name);
        if (m && Number(m[1]) === i) subFiles.set(m[2] as string, f);
      }
      const { result } = await this.single({ service, action, params: merged, files: subFiles, baseUrl });
      results.push(result instanceof RawResult ? null : result);
    }
    return results;
  }

  private async run(input: DispatchInput): Promise<unknown> {
    const service = input.service.toLowerCase();
    const action = input.action.toLowerCase();
    const svc = this.table[service];
    if (!svc) throw apiError('SERVICE_DOES_NOT_EXISTS', service);
    const def = svc[action];
    if (!def) throw apiError('ACTION_DOES_NOT_EXISTS', action, service);

    const state = this.getState();
    const ksString = optString(input.params, 'ks') || undefined;
    // kCurrentContext::initKsPartnerUser validates any KS sent, whatever the action
    const ks = ksString ? validateKs(state, ksString) : undefined;
    const forbidden = (): KalturaApiError => apiError('SERVICE_FORBIDDEN', `${service}->${action}`);
    if (!ks && (def.ks ?? 'required') === 'required') throw forbidden();
    if (ks && ks.privilegeMap.has('widget') && !def.widget) throw forbidden();
    if (ks && def.admin && ks.type !== SessionType.ADMIN) throw forbidden();

    return def.run({
      state,
      storage: this.storage,
      ks,
      ksString,
      params: input.params,
      files: input.files,
      baseUrl: input.baseUrl,
      service,
      action,
    });
  }
}

/**
 * Malformed or foreign KSs read `Invalid KS "<ks>", Error "-1,INVALID_STR"`; expired and ended ones
 * carry the reason name where the KS would be (kPermissionManager passes it as the exception data).
 */
export function validateKs(state: PartnerState, ksString: string): ParsedKs {
  const parsed = parseKs(ksString, (pid) => (pid === state.partnerId ? state.adminSecret : undefined));
  if (!parsed) throw apiError('INVALID_KS', ksString, -1, 'INVALID_STR');
  if (state.revokedKs.has(ksString)) throw apiError('INVALID_KS', 'LOGOUT', -1, 'INVALID_STR');
  if (parsed.expiry < nowSeconds()) throw apiError('INVALID_KS', 'EXPIRED', -1, 'INVALID_STR');
  return parsed;
}

export function toErrorBody(err: unknown): KalturaErrorBody {
  if (err instanceof KalturaApiError) return err.toBody();
  console.error('[kaltura emulator] unexpected error:', err instanceof Error ? err.stack : err);
  return internalErrorBody();
}

function pick(source: Params, keys: string[]): Params {
  const out: Params = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

const RESULT_REF = /\{([0-9]+):result:?(.*)?\}/;

function substituteResults(value: unknown, results: unknown[]): unknown {
  if (Array.isArray(value)) return value.map((v) => substituteResults(v, results));
  if (isObject(value)) {
    const out: Params = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteResults(v, results);
    return out;
  }
  if (typeof value !== 'string') return value;
  const m = RESULT_REF.exec(value);
  if (!m) return value;
  const index = Number(m[1]);
  if (index < 1 || index > results.length) return value;
  const path = (m[2] ?? '').split(':');
  const found = valueAt(results[index - 1], path);
  return value.replace(m[0], found);
}

function valueAt(root: unknown, path: string[]): string {
  let node: unknown = root;
  for (const key of path) {
    if (key === '') continue;
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node)) node = node[key];
    else return '';
  }
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (typeof node === 'boolean') return node ? '1' : '';
  return '';
}
