import { StoreValidationError } from './errors.js';

/** Checks on values the store relies on; the admin API validates user input before it gets here. */
export function requireText(name: string, value: unknown, maxLength = 1000): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new StoreValidationError(`${name} must be a non-empty string of at most ${maxLength} characters`);
  }
  return value;
}

export function requireInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new StoreValidationError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function requireTime(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new StoreValidationError(`${name} must be a time in epoch milliseconds`);
  }
  return Math.floor(value);
}
