import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';

/**
 * A certificate authority made for one sandbox data directory, and a loopback server certificate it
 * signs. msal-node refuses http authorities, so the Entra and Graph emulators speak HTTPS; the app and
 * the tests trust this CA explicitly (never by turning verification off).
 */
export interface SandboxTls {
  caCertPem: string;
  caCertFile: string;
  serverCertPem: string;
  serverKeyPem: string;
}

const DAY = 24 * 60 * 60 * 1000;

function rsaKeys(): forge.pki.rsa.KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const priv = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const pub = forge.pki.setRsaPublicKey(priv.n, priv.e);
  return { privateKey: priv, publicKey: pub };
}

function makeCert(
  subjectCn: string,
  keys: forge.pki.rsa.KeyPair,
  issuer: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } | undefined,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY);
  cert.validity.notAfter = new Date(now + 825 * DAY);
  const subject = [{ name: 'commonName', value: subjectCn }, { name: 'organizationName', value: 'Archiver sandbox' }];
  cert.setSubject(subject);
  if (issuer) {
    cert.setIssuer(issuer.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ]);
    cert.sign(issuer.key, forge.md.sha256.create());
  } else {
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
  }
  return cert;
}

export function createSandboxTls(): Omit<SandboxTls, 'caCertFile'> {
  const caKeys = rsaKeys();
  const caCert = makeCert('Archiver sandbox CA', caKeys, undefined);
  const serverKeys = rsaKeys();
  const serverCert = makeCert('localhost', serverKeys, { cert: caCert, key: caKeys.privateKey });
  return {
    caCertPem: forge.pki.certificateToPem(caCert),
    serverCertPem: forge.pki.certificateToPem(serverCert),
    serverKeyPem: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}

/** Loads the CA and server certificate kept in `dir`, making them on first use or when near expiry. */
export async function ensureSandboxTls(dir: string): Promise<SandboxTls> {
  const tlsDir = join(dir, 'tls');
  const files = { ca: join(tlsDir, 'ca.pem'), cert: join(tlsDir, 'server.pem'), key: join(tlsDir, 'server-key.pem') };
  try {
    const [caCertPem, serverCertPem, serverKeyPem] = await Promise.all([
      readFile(files.ca, 'utf8'),
      readFile(files.cert, 'utf8'),
      readFile(files.key, 'utf8'),
    ]);
    const notAfter = forge.pki.certificateFromPem(serverCertPem).validity.notAfter.getTime();
    if (notAfter - Date.now() > 30 * DAY) return { caCertPem, caCertFile: files.ca, serverCertPem, serverKeyPem };
  } catch {
    // missing or unreadable: make new ones below
  }
  const made = createSandboxTls();
  await mkdir(tlsDir, { recursive: true });
  await writeFile(files.ca, made.caCertPem);
  await writeFile(files.cert, made.serverCertPem);
  await writeFile(files.key, made.serverKeyPem, { mode: 0o600 });
  return { ...made, caCertFile: files.ca };
}
