import type { Clock } from '../clock.js';
import type { SecretBox } from '../security/secret-box.js';
import { NotFoundError, StoreValidationError, VersionConflictError } from './errors.js';
import { newId } from './ids.js';
import { isJsonObject } from './json.js';
import type { HealthError, Integration, IntegrationHealth, IntegrationPatch, IntegrationSecrets, NewIntegration, NewKalturaConnection } from './model.js';
import type { IntegrationRepository } from './store.js';
import type { IntegrationRecord, IntegrationTable } from './tables.js';
import { requireInt, requireText } from './validate.js';

/** Binds each envelope to its record and field, so a sealed value cannot be moved elsewhere. */
const context = (id: string, field: 'appClientSecret' | 'kalturaAppToken' | 'kalturaAdminSecret') => `integration/${id}/${field}`;

export function createIntegrationRepository(table: IntegrationTable, box: SecretBox, clock: Clock): IntegrationRepository {
  const seal = (id: string, field: Parameters<typeof context>[1], value: string) => box.seal(value, context(id, field));

  return {
    async create(input: NewIntegration): Promise<Integration> {
      const now = clock.now();
      const id = newId('int');
      const kaltura = checkKaltura(input.kaltura);
      const record: IntegrationRecord = {
        id,
        name: requireText('name', input.name, 200),
        tenantId: requireText('tenantId', input.tenantId, 100),
        appClientId: requireText('appClientId', input.appClientId, 100),
        appClientSecret: seal(id, 'appClientSecret', requireText('appClientSecret', input.appClientSecret, 2000)),
        kaltura: {
          partnerId: kaltura.partnerId,
          serviceUrl: kaltura.serviceUrl,
          appTokenId: kaltura.appTokenId ?? null,
          appToken: kaltura.appToken ? seal(id, 'kalturaAppToken', kaltura.appToken) : null,
          adminSecret: kaltura.adminSecret ? seal(id, 'kalturaAdminSecret', kaltura.adminSecret) : null,
        },
        settings: checkSettings(input.settings ?? {}),
        enabled: input.enabled ?? true,
        health: { state: 'unknown', error: null, problems: [], checkedAt: null, lastSuccessAt: null, secretExpiresAt: null, rev: 0 },
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      await table.insert(record);
      return toIntegration(record);
    },

    async get(id) {
      const record = await table.get(id);
      return record ? toIntegration(record) : null;
    },

    async list() {
      return (await table.list()).map(toIntegration);
    },

    async update(id, expectedVersion, patch) {
      const current = await table.get(id);
      if (!current) throw new NotFoundError(`integration ${id} not found`);
      if (current.version !== expectedVersion) {
        throw new VersionConflictError(`integration ${id} changed since it was read (version ${current.version}, expected ${expectedVersion})`);
      }
      const next = applyPatch(current, patch, seal, clock.now());
      if (!(await table.replace(next, expectedVersion))) {
        throw new VersionConflictError(`integration ${id} changed while it was being updated`);
      }
      return toIntegration(next);
    },

    async setHealth(id, health, expectedRev) {
      checkHealth(health);
      const written: IntegrationHealth = { ...health, rev: expectedRev + 1 };
      if (!(await table.setHealth(id, written, expectedRev, clock.now()))) {
        const record = await table.get(id);
        if (!record) throw new NotFoundError(`integration ${id} not found`);
        return null;
      }
      const record = await table.get(id);
      if (!record) throw new NotFoundError(`integration ${id} not found`);
      return toIntegration(record);
    },

    async getSecrets(id): Promise<IntegrationSecrets | null> {
      const record = await table.get(id);
      if (!record) return null;
      return {
        appClientSecret: box.open(record.appClientSecret, context(id, 'appClientSecret')),
        kalturaAppToken: record.kaltura.appToken ? box.open(record.kaltura.appToken, context(id, 'kalturaAppToken')) : null,
        kalturaAdminSecret: record.kaltura.adminSecret ? box.open(record.kaltura.adminSecret, context(id, 'kalturaAdminSecret')) : null,
      };
    },

    async resealSecrets() {
      let rewritten = 0;
      for (const record of await table.list()) {
        const envelopes = [record.appClientSecret, record.kaltura.appToken, record.kaltura.adminSecret].filter((e): e is string => e !== null);
        if (envelopes.every((e) => box.keyIdOf(e) === box.currentKeyId)) continue;
        const reseal = (field: Parameters<typeof context>[1], envelope: string | null) =>
          envelope === null ? null : box.seal(box.open(envelope, context(record.id, field)), context(record.id, field));
        const next: IntegrationRecord = {
          ...record,
          appClientSecret: reseal('appClientSecret', record.appClientSecret) ?? record.appClientSecret,
          kaltura: {
            ...record.kaltura,
            appToken: reseal('kalturaAppToken', record.kaltura.appToken),
            adminSecret: reseal('kalturaAdminSecret', record.kaltura.adminSecret),
          },
          updatedAt: clock.now(),
          version: record.version + 1,
        };
        // A concurrent admin edit wins; its own write already used the current key.
        if (await table.replace(next, record.version)) rewritten += 1;
      }
      return rewritten;
    },

    async delete(id) {
      return table.delete(id);
    },
  };
}

function applyPatch(
  current: IntegrationRecord,
  patch: IntegrationPatch,
  seal: (id: string, field: 'appClientSecret' | 'kalturaAppToken' | 'kalturaAdminSecret', value: string) => string,
  now: number,
): IntegrationRecord {
  const id = current.id;
  const k = patch.kaltura ?? {};
  const kaltura = { ...current.kaltura };
  if (k.partnerId !== undefined) kaltura.partnerId = requireInt('kaltura.partnerId', k.partnerId, 1, Number.MAX_SAFE_INTEGER);
  if (k.serviceUrl !== undefined) kaltura.serviceUrl = requireText('kaltura.serviceUrl', k.serviceUrl, 500);
  if (k.appTokenId !== undefined) kaltura.appTokenId = k.appTokenId;
  // Switching credential kind clears the other one, so exactly one stays in force.
  if (k.appToken) {
    kaltura.appToken = seal(id, 'kalturaAppToken', k.appToken);
    if (k.adminSecret === undefined) kaltura.adminSecret = null;
  }
  if (k.adminSecret) {
    kaltura.adminSecret = seal(id, 'kalturaAdminSecret', k.adminSecret);
    if (k.appToken === undefined) {
      kaltura.appToken = null;
      kaltura.appTokenId = k.appTokenId ?? null;
    }
  }
  if (!kaltura.appToken && !kaltura.adminSecret) throw new StoreValidationError('a Kaltura app token or admin secret is required');
  if (kaltura.appToken && !kaltura.appTokenId) throw new StoreValidationError('a Kaltura app token needs its appTokenId');
  return {
    ...current,
    name: patch.name !== undefined ? requireText('name', patch.name, 200) : current.name,
    tenantId: patch.tenantId !== undefined ? requireText('tenantId', patch.tenantId, 100) : current.tenantId,
    appClientId: patch.appClientId !== undefined ? requireText('appClientId', patch.appClientId, 100) : current.appClientId,
    appClientSecret:
      patch.appClientSecret !== undefined
        ? seal(id, 'appClientSecret', requireText('appClientSecret', patch.appClientSecret, 2000))
        : current.appClientSecret,
    kaltura,
    settings: patch.settings !== undefined ? checkSettings(patch.settings) : current.settings,
    enabled: patch.enabled ?? current.enabled,
    updatedAt: now,
    version: current.version + 1,
  };
}

function checkKaltura(k: NewKalturaConnection): NewKalturaConnection & { appTokenId?: string | null } {
  requireInt('kaltura.partnerId', k.partnerId, 1, Number.MAX_SAFE_INTEGER);
  requireText('kaltura.serviceUrl', k.serviceUrl, 500);
  if (!k.appToken && !k.adminSecret) throw new StoreValidationError('a Kaltura app token or admin secret is required');
  if (k.appToken && k.adminSecret) throw new StoreValidationError('give either a Kaltura app token or an admin secret, not both');
  if (k.appToken && !k.appTokenId) throw new StoreValidationError('a Kaltura app token needs its appTokenId');
  return k;
}

function checkSettings(settings: unknown) {
  if (!isJsonObject(settings)) throw new StoreValidationError('settings must be a JSON object');
  return settings;
}

function checkHealth(health: Omit<IntegrationHealth, 'rev'>): void {
  if (!['unknown', 'ok', 'warning', 'error'].includes(health.state)) throw new StoreValidationError('unknown health state');
  if (!Array.isArray(health.problems)) throw new StoreValidationError('health problems must be a list');
}

/** Health as stored before problems, fixes, revs and the secret's expiry were kept reads as the same facts in today's shape. */
function readHealth(stored: Partial<IntegrationHealth> & Pick<IntegrationHealth, 'state'>): IntegrationHealth {
  const legacy = stored.error as (Partial<HealthError> & { code: string; message: string; at: number }) | null | undefined;
  const error: HealthError | null = legacy ? { code: legacy.code, message: legacy.message, fix: legacy.fix ?? null, at: legacy.at } : null;
  const severity = stored.state === 'warning' ? 'warning' : 'error';
  return {
    state: stored.state,
    error,
    problems: stored.problems ?? (error ? [{ code: error.code, severity, message: error.message, fix: error.fix, since: error.at }] : []),
    checkedAt: stored.checkedAt ?? null,
    lastSuccessAt: stored.lastSuccessAt ?? null,
    secretExpiresAt: stored.secretExpiresAt ?? null,
    rev: stored.rev ?? 0,
  };
}

export function toIntegration(record: IntegrationRecord): Integration {
  return {
    id: record.id,
    name: record.name,
    tenantId: record.tenantId,
    appClientId: record.appClientId,
    hasAppClientSecret: record.appClientSecret.length > 0,
    kaltura: {
      partnerId: record.kaltura.partnerId,
      serviceUrl: record.kaltura.serviceUrl,
      appTokenId: record.kaltura.appTokenId,
      credential: record.kaltura.appToken ? 'appToken' : 'adminSecret',
    },
    settings: record.settings,
    enabled: record.enabled,
    health: readHealth(record.health),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    version: record.version,
  };
}
