import type { z } from 'zod';
import { AppError } from '../errors.js';

/**
 * Refusals of the integration service. Each has a stable code (http/error-status.ts maps codes to HTTP
 * statuses) and words an admin can act on; `field` names the input at fault, as a dotted path.
 */
export class ServiceError extends AppError {
  readonly field?: string;

  constructor(code: string, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.field = options.field;
  }
}

export const DELETE_ENABLED_MESSAGE = "Please change integration status to 'Disable' in order to delete it.";

export const refuse = {
  invalid: (field: string, message: string) => new ServiceError('INVALID_INPUT', `${field}: ${message}`, { field }),
  notFound: (id: string) => new ServiceError('INTEGRATION_NOT_FOUND', `No integration ${id}.`, { field: 'id' }),
  changed: (id: string) => new ServiceError('INTEGRATION_CHANGED', `Integration ${id} was changed by someone else since it was read; load it again.`),
  enabled: () => new ServiceError('INTEGRATION_ENABLED', DELETE_ENABLED_MESSAGE),
  duplicateName: (name: string) => new ServiceError('INTEGRATION_NAME_TAKEN', `An integration named "${name}" already exists.`, { field: 'name' }),
  recordingNotFound: (id: string) => new ServiceError('RECORDING_NOT_FOUND', `No recording ${id} in this integration.`, { field: 'recordingId' }),
  notRetryable: (why: string) => new ServiceError('RECORDING_NOT_RETRYABLE', why),
};

/** The first problem zod found, as a refusal naming its field. */
export function fromZod(error: z.ZodError, prefix?: string): ServiceError {
  const issue = error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || 'body';
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
  return refuse.invalid(path, message);
}
