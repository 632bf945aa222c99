import { AppError } from '../errors.js';
import { GraphError } from '../graph/graph-errors.js';

/**
 * Problems that stop ad hoc calls only (their permissions are separate from the meetings'): they are
 * warnings, meetings keep flowing, and the calls missed meanwhile are caught up once they are fixed
 * (see call-recovery.ts).
 */
export const CALL_ONLY_CODES: readonly string[] = ['MISSING_CALL_RECORDING_PERMISSION', 'MISSING_CALL_TRANSCRIPT_PERMISSION'];

export function isCallOnlyCode(code: string | undefined): boolean {
  return code !== undefined && CALL_ONLY_CODES.includes(code);
}

export function isCallOnly(err: unknown): boolean {
  return err instanceof GraphError && isCallOnlyCode(err.code);
}

/**
 * The same problem as a job failure that must not pause the integration's lane (a blocking error
 * would stop its meetings too): final, kept on the recording, retried by the recovery.
 */
export function callOnlyFailure(err: AppError): AppError {
  return new AppError(err.code, err.message, { cause: err });
}
