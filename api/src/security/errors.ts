import { CodedError } from '../errors.js';

/** Secret-box errors; stable codes, and messages that never include key material or plaintext. */
export abstract class SecretBoxError extends CodedError {}

/** Production started without an encryption key, or a key list is malformed. */
export class SecretKeyConfigError extends SecretBoxError {
  readonly code = 'SECRET_KEY_CONFIG';
}

/** An envelope names a key id this process was not given (rotated out too early?). */
export class SecretKeyUnknownError extends SecretBoxError {
  readonly code = 'SECRET_KEY_UNKNOWN';
}

/** The envelope is malformed, was tampered with, or belongs to another record or field. */
export class SecretDecryptError extends SecretBoxError {
  readonly code = 'SECRET_DECRYPT_FAILED';
}
