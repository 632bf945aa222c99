import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Kaltura Session v2, byte-compatible with kaltura/server `kSessionBase::generateKsV2/parseKsV2`:
 *   base64url("v2|" + pid + "|" + AES-128-CBC(key = sha1(adminSecret)[0..16], iv = 0, zero padding)(
 *     sha1(rand16 + fields) + rand16 + fields))
 * where fields = http_build_query({privileges…, _e: expiry, _t: type, _u: user, _m, _d}).
 * The server always signs with the partner's admin secret, whatever the session type, so a KS can be
 * verified knowing only that secret.
 */

export const SessionType = { USER: 0, WIDGET: 1, ADMIN: 2 } as const;

export interface KsData {
  partnerId: number;
  userId: string;
  type: number;
  /** unix seconds */
  expiry: number;
  /** privileges as the server rebuilds them: "name:value" or "name", comma-separated */
  privileges: string;
  masterPartnerId?: number;
  additionalData?: string;
}

export interface ParsedKs extends KsData {
  privilegeMap: Map<string, string>;
}

const RANDOM_SIZE = 16;
const SHA1_SIZE = 20;
const RESERVED = new Set(['_e', '_t', '_u', '_m', '_d']);

export function generateKs(adminSecret: string, data: KsData): string {
  const fields: Array<[string, string]> = [];
  for (const raw of data.privileges.split(',')) {
    let privilege = raw.trim();
    if (!privilege) continue;
    if (privilege === '*') privilege = 'all:*';
    const colon = privilege.indexOf(':');
    if (colon >= 0) fields.push([privilege.slice(0, colon), privilege.slice(colon + 1)]);
    else fields.push([privilege, '']);
  }
  fields.push(['_e', String(data.expiry)], ['_t', String(data.type)], ['_u', data.userId]);
  // http_build_query skips nulls, so absent optional fields simply do not appear
  if (data.masterPartnerId !== undefined) fields.push(['_m', String(data.masterPartnerId)]);
  if (data.additionalData !== undefined) fields.push(['_d', data.additionalData]);

  const fieldsStr = Buffer.from(fields.map(([k, v]) => `${phpUrlencode(k)}=${phpUrlencode(v)}`).join('&'), 'utf8');
  const plain = Buffer.concat([randomBytes(RANDOM_SIZE), fieldsStr]);
  const signed = Buffer.concat([createHash('sha1').update(plain).digest(), plain]);
  const padded = Buffer.concat([signed, Buffer.alloc((16 - (signed.length % 16)) % 16)]);
  const cipher = createCipheriv('aes-128-cbc', aesKey(adminSecret), Buffer.alloc(16));
  cipher.setAutoPadding(false);
  const encrypted = Buffer.concat([cipher.update(padded), cipher.final()]);
  const whole = Buffer.concat([Buffer.from(`v2|${data.partnerId}|`, 'utf8'), encrypted]);
  return base64UrlEncode(whole);
}

/** Returns undefined for anything that is not a v2 KS signed with the given partner's secret. */
export function parseKs(ks: string, secretFor: (partnerId: number) => string | undefined): ParsedKs | undefined {
  let raw: Buffer;
  try {
    raw = Buffer.from(ks.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  } catch {
    return undefined;
  }
  if (raw.subarray(0, 3).toString('latin1') !== 'v2|') return undefined;
  const sep = raw.indexOf(0x7c, 3);
  if (sep < 0) return undefined;
  const partnerId = Number(raw.subarray(3, sep).toString('latin1'));
  if (!Number.isInteger(partnerId)) return undefined;
  const secret = secretFor(partnerId);
  if (secret === undefined) return undefined;
  const encrypted = raw.subarray(sep + 1);
  if (encrypted.length === 0 || encrypted.length % 16 !== 0) return undefined;

  const decipher = createDecipheriv('aes-128-cbc', aesKey(secret), Buffer.alloc(16));
  decipher.setAutoPadding(false);
  let decrypted = Buffer.concat([decipher.update(encrypted), decipher.final()]);
  let end = decrypted.length;
  while (end > 0 && decrypted[end - 1] === 0) end--; // rtrim("\0")
  decrypted = decrypted.subarray(0, end);
  if (decrypted.length < SHA1_SIZE + RANDOM_SIZE) return undefined;
  const hash = decrypted.subarray(0, SHA1_SIZE);
  const rest = decrypted.subarray(SHA1_SIZE);
  if (!createHash('sha1').update(rest).digest().equals(hash)) return undefined;

  const params = new URLSearchParams(rest.subarray(RANDOM_SIZE).toString('utf8'));
  const privilegeMap = new Map<string, string>();
  const privileges: string[] = [];
  for (const [k, v] of params) {
    if (RESERVED.has(k)) continue;
    privilegeMap.set(k, v);
    privileges.push(k === 'all' && v === '*' ? '*' : v === '' ? k : `${k}:${v}`);
  }
  const expiry = Number(params.get('_e'));
  const type = Number(params.get('_t'));
  if (!Number.isFinite(expiry) || !Number.isFinite(type)) return undefined;
  const m = params.get('_m');
  const d = params.get('_d');
  return {
    partnerId,
    userId: params.get('_u') ?? '',
    type,
    expiry,
    privileges: privileges.join(','),
    privilegeMap,
    ...(m !== null ? { masterPartnerId: Number(m) } : {}),
    ...(d !== null ? { additionalData: d } : {}),
  };
}

function aesKey(secret: string): Buffer {
  return createHash('sha1').update(secret, 'utf8').digest().subarray(0, 16);
}

/** PHP urlencode: everything but [A-Za-z0-9_.-] is %XX, space is '+'. */
function phpUrlencode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Kaltura's "base64url" keeps the '=' padding; only '+' and '/' are swapped. */
function base64UrlEncode(b: Buffer): string {
  return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
