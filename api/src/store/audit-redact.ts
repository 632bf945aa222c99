import type { JsonObject, JsonValue } from './json.js';

const SECRET_KEY = /(secret|password|passwd|token|apikey|api_key|credential|private|clientstate|authorization|cookie|^key$)/i;

/** A copy of `details` with values under secret-looking keys replaced, at any depth. */
export function redactSecrets(details: JsonObject): JsonObject {
  return redactValue(details) as JsonObject;
}

function redactValue(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redactValue(v);
    return out;
  }
  return value;
}
