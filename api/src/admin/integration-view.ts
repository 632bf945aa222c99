import { IntegrationSettings } from '../integrations/settings.js';
import type { JsonObject } from '../store/json.js';
import type { Integration } from '../store/model.js';
import { isoTime } from './iso-time.js';

/** An integration as every admin route returns it (docs/admin-api.md "Integrations"); never a secret. */
export interface IntegrationView {
  id: string;
  name: string;
  tenantId: string;
  appClientId: string;
  appClientSecret: { set: boolean };
  status: 'enabled' | 'disabled';
  settings: JsonObject;
  lastError: { code: string; message: string; fix: string | null; at: string | null } | null;
  health: { state: Integration['health']['state'] };
  kaltura: Integration['kaltura'];
  createdAt: string | null;
  updatedAt: string | null;
  version: number;
}

export function integrationView(i: Integration): IntegrationView {
  // settings stored before a field existed show its default, as the pipeline reads them
  const parsed = IntegrationSettings.safeParse(i.settings);
  const e = i.health.error;
  return {
    id: i.id,
    name: i.name,
    tenantId: i.tenantId,
    appClientId: i.appClientId,
    appClientSecret: { set: i.hasAppClientSecret },
    status: i.enabled ? 'enabled' : 'disabled',
    settings: parsed.success ? (parsed.data as unknown as JsonObject) : i.settings,
    lastError: e ? { code: e.code, message: e.message, fix: e.fix, at: isoTime(e.at) } : null,
    health: { state: i.health.state },
    kaltura: { partnerId: i.kaltura.partnerId, serviceUrl: i.kaltura.serviceUrl, appTokenId: i.kaltura.appTokenId, credential: i.kaltura.credential },
    createdAt: isoTime(i.createdAt),
    updatedAt: isoTime(i.updatedAt),
    version: i.version,
  };
}

/** The version as an ETag (strong: the version names one exact state of the integration). */
export const etagOf = (i: Integration): string => `"${i.version}"`;
