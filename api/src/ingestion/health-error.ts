import type { AppError } from '../errors.js';
import { describeError } from '../integrations/error-catalogue.js';

/** The admin-facing words for an error: the catalogue's sentence, then what the service said. */
export function healthError(err: AppError, at: number) {
  const known = describeError(err.code);
  return { code: err.code, message: known ? `${known.message} ${err.message}` : err.message, at };
}
