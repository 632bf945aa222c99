import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretDecryptError, SecretKeyConfigError, SecretKeyUnknownError } from '../../../api/src/security/errors.js';
import { createSecretBox } from '../../../api/src/security/secret-box.js';
import { ensureSandboxKey, formatSecretKey, loadSecretKeys, parseSecretKeys, SANDBOX_KEY_FILE } from '../../../api/src/security/secret-keys.js';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('secret box', function () {
  it('seals with AES-256-GCM under the current key id and opens again', function () {
    const box = createSecretBox([key('k1')]);
    const envelope = box.seal('s3cr3t-value', 'integration/1/appClientSecret');
    assert.match(envelope, /^sb1\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(!envelope.includes('s3cr3t'));
    assert.notEqual(envelope, box.seal('s3cr3t-value', 'integration/1/appClientSecret'), 'a fresh IV each time');
    assert.equal(box.open(envelope, 'integration/1/appClientSecret'), 's3cr3t-value');
    assert.equal(box.keyIdOf(envelope), 'k1');
    assert.equal(box.keyIdOf('plain text'), null);
  });

  it('refuses an envelope moved to another context, tampered with, or malformed', function () {
    const box = createSecretBox([key('k1')]);
    const envelope = box.seal('value', 'integration/1/appClientSecret');
    assert.throws(() => box.open(envelope, 'integration/2/appClientSecret'), SecretDecryptError);
    const parts = envelope.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[4] = ct.toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'integration/1/appClientSecret'), SecretDecryptError);
    assert.throws(() => box.open('sb1.k1.x', 'c'), SecretDecryptError);
    assert.throws(() => box.open('nonsense', 'c'), SecretDecryptError);
  });

  it('rotates: a new current key seals, old envelopes still open, a dropped key is reported by id', function () {
    const old = key('old');
    const sealedOld = createSecretBox([old]).seal('v', 'c');
    const rotated = createSecretBox([key('new'), old]);
    assert.equal(rotated.currentKeyId, 'new');
    assert.equal(rotated.open(sealedOld, 'c'), 'v');
    assert.equal(rotated.keyIdOf(rotated.seal('v', 'c')), 'new');
    assert.throws(() => createSecretBox([key('new')]).open(sealedOld, 'c'), (e: unknown) => e instanceof SecretKeyUnknownError && /"old"/.test(e.message));
  });

  it('rejects bad key sets', function () {
    assert.throws(() => createSecretBox([]), SecretKeyConfigError);
    assert.throws(() => createSecretBox([{ id: 'k', key: randomBytes(16) }]), SecretKeyConfigError);
    assert.throws(() => createSecretBox([key('a.b')]), SecretKeyConfigError);
    assert.throws(() => createSecretBox([key('k'), key('k')]), SecretKeyConfigError);
  });
});

describe('secret keys', function () {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keys-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('parses keyId:base64 lists, first is current; rejects malformed entries', function () {
    const a = key('a');
    const b = key('b');
    const parsed = parseSecretKeys(`${formatSecretKey(a)}, ${b.id}:${b.key.toString('base64url')}`);
    assert.deepEqual(parsed.map((k) => k.id), ['a', 'b']);
    assert.ok(parsed[0]!.key.equals(a.key) && parsed[1]!.key.equals(b.key));
    assert.throws(() => parseSecretKeys(''), SecretKeyConfigError);
    assert.throws(() => parseSecretKeys('no-colon'), SecretKeyConfigError);
    assert.throws(() => parseSecretKeys(`k:${randomBytes(31).toString('base64')}`), SecretKeyConfigError);
  });

  it('creates the sandbox key once, mode 0600, and keeps it (also when two start together)', async function () {
    const [first, second] = await Promise.all([ensureSandboxKey(dir), ensureSandboxKey(dir)]);
    assert.equal(first.id, second.id);
    assert.ok(first.key.equals(second.key));
    const file = join(dir, SANDBOX_KEY_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const again = await ensureSandboxKey(dir);
    assert.ok(again.key.equals(first.key));
    assert.equal((await readFile(file, 'utf8')).trim(), formatSecretKey(first));
    await chmod(file, 0o644);
    await ensureSandboxKey(dir);
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'a loosened key file is tightened again');
  });

  it('production refuses to start without keys; the sandbox makes its own; configured keys win', async function () {
    await assert.rejects(loadSecretKeys({ mode: 'production', dataDir: dir }), SecretKeyConfigError);
    await assert.rejects(loadSecretKeys({ mode: 'production', keys: '  ', dataDir: dir }), SecretKeyConfigError);
    const sandbox = await loadSecretKeys({ mode: 'sandbox', dataDir: join(dir, 'data') });
    assert.equal(sandbox.length, 1);
    const configured = key('prod1');
    const loaded = await loadSecretKeys({ mode: 'production', keys: formatSecretKey(configured), dataDir: dir });
    assert.deepEqual(loaded.map((k) => k.id), ['prod1']);
  });

  it('refuses a corrupt sandbox key file instead of silently replacing it', async function () {
    await writeFile(join(dir, SANDBOX_KEY_FILE), 'garbage\n', { mode: 0o600 });
    await assert.rejects(ensureSandboxKey(dir), SecretKeyConfigError);
  });
});
