import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretDecryptError, SecretKeyConfigError, SecretKeyUnknownError } from './errors.js';

/** A 256-bit key and the id that envelopes sealed with it carry. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

/**
 * Seals secrets for storage with AES-256-GCM.
 *
 * Envelope: `sb1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id travels with the
 * ciphertext so keys can rotate: seal always uses the current (first) key, open uses whichever key the
 * envelope names. `context` (e.g. `integration/<id>/appClientSecret`) is authenticated but not stored,
 * so an envelope copied to another record or field fails to open.
 */
export interface SecretBox {
  readonly currentKeyId: string;
  seal(plaintext: string, context: string): string;
  /** @throws SecretKeyUnknownError, SecretDecryptError */
  open(envelope: string, context: string): string;
  /** the key id an envelope was sealed with, or null if it is not an envelope */
  keyIdOf(envelope: string): string | null;
}

const VERSION = 'sb1';
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createSecretBox(keys: readonly SecretKey[]): SecretBox {
  const first = keys[0];
  if (!first) throw new SecretKeyConfigError('the secret box needs at least one key');
  const byId = new Map<string, Buffer>();
  for (const k of keys) {
    if (!KEY_ID.test(k.id)) throw new SecretKeyConfigError(`invalid key id "${k.id}": use letters, digits, - or _`);
    if (k.key.length !== 32) throw new SecretKeyConfigError(`key "${k.id}" must be 32 bytes, got ${k.key.length}`);
    if (byId.has(k.id)) throw new SecretKeyConfigError(`key id "${k.id}" appears twice`);
    byId.set(k.id, k.key);
  }
  const aad = (keyId: string, context: string) => Buffer.from(`${VERSION}|${keyId}|${context}`, 'utf8');

  return {
    currentKeyId: first.id,

    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', first.key, iv);
      cipher.setAAD(aad(first.id, context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, first.id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
    },

    open(envelope, context) {
      const parts = envelope.split('.');
      const [version, keyId, ivText, tagText, ciphertextText] = parts;
      if (parts.length !== 5 || version !== VERSION || keyId === undefined || ivText === undefined || tagText === undefined || ciphertextText === undefined) {
        throw new SecretDecryptError('not a secret-box envelope');
      }
      const key = byId.get(keyId);
      if (!key) throw new SecretKeyUnknownError(`no key with id "${keyId}" is configured; it is needed to open a stored secret`);
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptError('malformed secret-box envelope');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(keyId, context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new SecretDecryptError('a stored secret failed authentication (wrong key, tampered, or moved)', { cause });
      }
    },

    keyIdOf(envelope) {
      const parts = envelope.split('.');
      return parts.length === 5 && parts[0] === VERSION && parts[1] !== undefined ? parts[1] : null;
    },
  };
}
