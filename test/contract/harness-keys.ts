import { randomBytes } from 'node:crypto';
import { createSecretBox, type SecretKey } from '../../api/src/security/secret-box.js';
import { formatSecretKey } from '../../api/src/security/secret-keys.js';

/** A fresh key for a test run, and a rotated box (new current key, old one kept for opening). */
export function testKeys() {
  const key: SecretKey = { id: 'test-k1', key: randomBytes(32) };
  return {
    box: createSecretBox([key]),
    spec: formatSecretKey(key),
    rotatedBox: () => createSecretBox([{ id: 'test-k2', key: randomBytes(32) }, key]),
  };
}
