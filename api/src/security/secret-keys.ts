import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretKeyConfigError } from './errors.js';
import type { SecretKey } from './secret-box.js';

/** The sandbox's key file, inside its data directory. */
export const SANDBOX_KEY_FILE = 'secret-box.key';

/**
 * Parses a key list: `keyId:base64key`, separated by commas, semicolons or whitespace; the first is the
 * current key (used to seal), the rest only open older envelopes. Keys are 32 bytes, base64 or base64url.
 * Generate one with: `node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))"`
 */
export function parseSecretKeys(spec: string): SecretKey[] {
  const items = spec.split(/[\s,;]+/).filter((s) => s.length > 0);
  if (items.length === 0) throw new SecretKeyConfigError('the secret key list is empty');
  return items.map((item, index) => {
    const colon = item.indexOf(':');
    if (colon <= 0) throw new SecretKeyConfigError(`secret key #${index + 1} is not in the form keyId:base64key`);
    const id = item.slice(0, colon);
    const encoded = item.slice(colon + 1);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) {
      throw new SecretKeyConfigError(`secret key "${id}" is not base64`);
    }
    const key = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length !== 32) throw new SecretKeyConfigError(`secret key "${id}" must decode to 32 bytes, got ${key.length}`);
    return { id, key };
  });
}

export function formatSecretKey(key: SecretKey): string {
  return `${key.id}:${key.key.toString('base64')}`;
}

/**
 * The sandbox's own key: created on first start in `dataDir` (mode 0600), reused afterwards so the
 * sandbox's sealed secrets survive restarts. Two processes starting at once end up with the same key
 * (the file appears atomically via link()).
 */
export async function ensureSandboxKey(dataDir: string): Promise<SecretKey> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, SANDBOX_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing) return existing;

  const created: SecretKey = { id: `sandbox-${randomBytes(4).toString('hex')}`, key: randomBytes(32) };
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${formatSecretKey(created)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readKeyFile(file);
    if (!winner) throw new SecretKeyConfigError(`${file} exists but holds no key`);
    return winner;
  } finally {
    await rm(temp, { force: true });
  }
}

async function readKeyFile(file: string): Promise<SecretKey | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // Someone may have loosened the mode; the key only protects anything if others cannot read it.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const keys = parseSecretKeys(text);
  return keys[0] ?? null;
}

export interface SecretKeySource {
  /** 'production' refuses to start without keys; 'sandbox' makes its own */
  mode: 'production' | 'sandbox';
  /** the configured key list (see parseSecretKeys), if any */
  keys?: string | undefined;
  /** where the sandbox keeps its key file */
  dataDir: string;
}

/** The keys to build the secret box with, by the rules above. */
export async function loadSecretKeys(source: SecretKeySource): Promise<SecretKey[]> {
  if (source.keys !== undefined && source.keys.trim() !== '') return parseSecretKeys(source.keys);
  if (source.mode === 'production') {
    throw new SecretKeyConfigError(
      'no secret encryption key configured: production needs SECRET_KEYS (keyId:base64 of 32 random bytes); ' +
        "generate one with: node -e \"console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))\"",
    );
  }
  return [await ensureSandboxKey(source.dataDir)];
}
