// Toolkit `script` step (teamsapp.yml, teamsapp.local.yml): makes sure the environment has the secrets
// infra/azure.bicep and the app need, without anyone editing a file.
//   node infra/toolkit/ensure-secrets.mjs <env>
// - SECRET_ARCHIVER_SECRET_KEYS (the app's SECRET_KEYS): generated once (one AES-256 key) when the
//   environment has none. If the environment was provisioned before (KEY_VAULT_NAME is set) it refuses:
//   a new key would leave every stored secret unreadable, so it says how to fetch the one in Key Vault.
// - SECRET_MONGODB_URI: declared empty when not set, so the parameters file resolves (empty: none given).
// Outputs go through `::set-teamsfx-env`; the Toolkit writes SECRET_* keys to env/.env.<env>.user.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const envName = process.argv[2];
if (!envName || !/^[\w-]+$/.test(envName)) {
  console.error('usage: node infra/toolkit/ensure-secrets.mjs <environment name>');
  process.exit(2);
}

/** KEY=VALUE lines of a dotenv file (comments and blank lines skipped, quotes removed). */
function readEnvFile(file) {
  const values = new Map();
  if (!existsSync(file)) return values;
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    values.set(m[1], m[2].replace(/^(['"])(.*)\1$/, '$2'));
  }
  return values;
}

const envDir = join(process.cwd(), 'env');
const shared = readEnvFile(join(envDir, `.env.${envName}`));
const user = readEnvFile(join(envDir, `.env.${envName}.user`));
const value = (name) => process.env[name] || user.get(name) || shared.get(name) || '';
const declared = (name) => name in process.env || user.has(name) || shared.has(name);

if (!value('SECRET_ARCHIVER_SECRET_KEYS')) {
  const vault = value('KEY_VAULT_NAME');
  if (vault) {
    console.error(
      `SECRET_ARCHIVER_SECRET_KEYS is missing from env/.env.${envName}.user, but this environment was provisioned ` +
        `before (Key Vault ${vault}). A new key would make every stored secret unreadable. Put the stored one back:\n` +
        `  echo "SECRET_ARCHIVER_SECRET_KEYS=$(az keyvault secret show --vault-name ${vault} --name secret-keys --query value -o tsv)" >> env/.env.${envName}.user\n` +
        `(reading it needs the Key Vault Secrets User role or an access policy on that vault), then run provision again.`,
    );
    process.exit(1);
  }
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  // 32 random bytes, base64 without padding (config accepts it; no '=' to confuse a KEY=VALUE reader)
  const key = randomBytes(32).toString('base64').replace(/=+$/, '');
  console.log(`::set-teamsfx-env SECRET_ARCHIVER_SECRET_KEYS=k${day}:${key}`);
  console.log(`Generated the encryption key for secrets at rest (SECRET_ARCHIVER_SECRET_KEYS in env/.env.${envName}.user). Keep it: see docs/deploy.md.`);
}

if (!declared('SECRET_MONGODB_URI')) {
  console.log('::set-teamsfx-env SECRET_MONGODB_URI=');
}
