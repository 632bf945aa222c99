import type { EntitlementRole, Integration, IntegrationChange, IntegrationSettings } from '../api/types';

/** The client's copy of the server's rules (api/src/integrations/integration-input.ts, settings.ts). */

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type FieldErrors = Record<string, string>;

export function guidError(value: string, what: string): string | undefined {
  if (!value.trim()) return `${what} is required`;
  if (!GUID.test(value.trim())) return `${what} must be a GUID like 00000000-0000-0000-0000-000000000000`;
  return undefined;
}

export function nameError(value: string): string | undefined {
  if (!value.trim()) return 'Name is required';
  if (value.trim().length > 200) return 'Name must be at most 200 characters';
  return undefined;
}

export function urlError(value: string): string | undefined {
  if (!value.trim()) return undefined;
  try {
    const u = new URL(value.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Kaltura service URL must be an http(s) URL';
  } catch {
    return 'Kaltura service URL must be an http(s) URL, e.g. https://www.kaltura.com';
  }
  return undefined;
}

export function partnerIdError(value: string): string | undefined {
  if (!value.trim()) return 'Partner ID is required';
  if (!/^\d+$/.test(value.trim()) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) return 'Partner ID must be a positive whole number';
  return undefined;
}

/** The editor's form: the integration's editable fields with its settings flattened in. */
export interface EditorForm {
  name: string;
  tenantId: string;
  appClientId: string;
  settings: IntegrationSettings;
  /** the Kaltura connection; the secrets are write-only (empty keeps the stored one) */
  kaltura?: KalturaForm;
}

export interface KalturaForm {
  serviceUrl: string;
  partnerId: string;
  /** the credential kind chosen: the stored one until the admin picks the other */
  credential: 'appToken' | 'adminSecret';
  appTokenId: string;
  appToken: string;
  adminSecret: string;
}

export function formFrom(i: Integration): EditorForm {
  const f: EditorForm = { name: i.name, tenantId: i.tenantId, appClientId: i.appClientId, settings: { ...i.settings } };
  if (i.kaltura) {
    f.kaltura = {
      serviceUrl: i.kaltura.serviceUrl ?? '',
      partnerId: String(i.kaltura.partnerId),
      credential: i.kaltura.credential ?? 'appToken',
      appTokenId: '',
      appToken: '',
      adminSecret: '',
    };
  }
  return f;
}

const trimSlash = (u: string) => u.trim().replace(/\/+$/, '');

/** Errors keyed by field name (`name`, `tenantId`, `appClientId`, `groups`, `userIdSuffix`, `defaultUserId`, …). */
export function validateEditor(f: EditorForm, original?: Integration): FieldErrors {
  const e: FieldErrors = {};
  const put = (k: string, m: string | undefined) => {
    if (m) e[k] = m;
  };
  put('name', nameError(f.name));
  put('tenantId', guidError(f.tenantId, 'Directory (tenant) ID'));
  put('appClientId', guidError(f.appClientId, 'Application (client) ID'));
  const s = f.settings;
  if (s.uploadScope !== 'all' && s.groups.length === 0) e.groups = 'Must fill in at least one group';
  else if (s.uploadScope !== 'all' && s.groupSource === 'entra') {
    const bad = s.groups.find((g) => !GUID.test(g));
    if (bad) e.groups = `Entra ID groups are given by their object ID (a GUID, on the group's overview in the Entra admin center): "${bad}" is not one`;
  }
  if (s.userIdSource === 'upn' && s.userIdSuffixMethod !== 'none' && !s.userIdSuffix.trim()) {
    e.userIdSuffix = s.userIdSuffixMethod === 'remove' ? 'Enter the postfix to remove' : 'Enter the postfix to add';
  }
  if (s.userNotFoundMethod === 'assign-default' && !s.defaultUserId.trim()) e.defaultUserId = 'Default user ID is required';
  if (f.kaltura && original) {
    const k = f.kaltura;
    if (!k.serviceUrl.trim() && original.kaltura?.serviceUrl) e['kaltura.serviceUrl'] = 'Kaltura service URL is required';
    else put('kaltura.serviceUrl', urlError(k.serviceUrl));
    put('kaltura.partnerId', partnerIdError(k.partnerId));
    const stored = original.kaltura?.credential;
    if (k.credential === 'appToken') {
      if (stored !== 'appToken' && !k.appToken) e['kaltura.appToken'] = 'Enter the app token to switch to it';
      if (k.appToken && !k.appTokenId.trim() && !original.kaltura?.appTokenId) e['kaltura.appTokenId'] = 'An app token needs its app token ID';
    } else if (stored !== 'adminSecret' && !k.adminSecret) e['kaltura.adminSecret'] = 'Enter the admin secret to switch to it';
  }
  const tpl = s.entryUrlTemplate?.trim();
  if (tpl && !/^https?:\/\//i.test(tpl)) e.entryUrlTemplate = 'Entry link template must start with http:// or https://';
  else if (tpl && !tpl.includes('{entryId}')) e.entryUrlTemplate = 'Entry link template must contain {entryId}, where the entry ID goes';
  return e;
}

/** The PATCH body for a changed form (settings whole, as the API asks). */
export function changeFrom(original: Integration, f: EditorForm): IntegrationChange {
  const change: IntegrationChange = {};
  if (f.name.trim() !== original.name) change.name = f.name.trim();
  if (f.tenantId.trim() !== original.tenantId) change.tenantId = f.tenantId.trim();
  if (f.appClientId.trim() !== original.appClientId) change.appClientId = f.appClientId.trim();
  const s: IntegrationSettings = { ...f.settings };
  // With the Azure user id there is no postfix; do not send a half-filled one the server would refuse.
  if (s.userIdSource === 'azure-id' && s.userIdSuffixMethod !== 'none' && !s.userIdSuffix.trim()) s.userIdSuffixMethod = 'none';
  s.userIdSuffix = s.userIdSuffix.trim();
  s.defaultUserId = s.defaultUserId.trim();
  // Only send the entry link template to a server that knows it, or when the admin set one.
  if (s.entryUrlTemplate !== undefined) {
    s.entryUrlTemplate = s.entryUrlTemplate.trim();
    if (!('entryUrlTemplate' in original.settings) && !s.entryUrlTemplate) delete s.entryUrlTemplate;
  }
  // Likewise the switches added since: a server without one only hears of it when it is on.
  for (const k of ['includeAdhocCalls', 'notifyCoOrganizers', 'proactiveInstall'] as const) {
    if (!(k in original.settings) && !s[k]) delete s[k];
  }
  if (JSON.stringify(s) !== JSON.stringify(original.settings)) change.settings = s;
  const k = f.kaltura;
  const ok = original.kaltura;
  if (k && ok) {
    const kc: NonNullable<IntegrationChange['kaltura']> = {};
    if (k.serviceUrl.trim() && trimSlash(k.serviceUrl) !== trimSlash(ok.serviceUrl ?? '')) kc.serviceUrl = k.serviceUrl.trim();
    if (k.partnerId.trim() && Number(k.partnerId.trim()) !== ok.partnerId) kc.partnerId = Number(k.partnerId.trim());
    // only the chosen kind's fields go: never both credentials
    if (k.credential === 'appToken') {
      if (k.appTokenId.trim()) kc.appTokenId = k.appTokenId.trim();
      if (k.appToken) kc.appToken = k.appToken;
      // a kind switched to with nothing typed is still a change (and invalid until the token is given)
      if (ok.credential !== 'appToken' && !k.appToken) kc.appToken = '';
    } else {
      if (k.adminSecret) kc.adminSecret = k.adminSecret;
      if (ok.credential !== 'adminSecret' && !k.adminSecret) kc.adminSecret = '';
    }
    if (Object.keys(kc).length > 0) change.kaltura = kc;
  }
  return change;
}

export function isDirty(original: Integration, f: EditorForm): boolean {
  return Object.keys(changeFrom(original, f)).length > 0;
}

/** `settings.groups` → `groups`, `kaltura.partnerId` → `kaltura.partnerId` stays (dialog fields are dotted). */
export function editorFieldOf(path: string | undefined): string | undefined {
  if (!path) return undefined;
  if (path.startsWith('kaltura.')) return path.split('.').slice(0, 2).join('.');
  return path.startsWith('settings.') ? path.slice('settings.'.length).split('.')[0] : path.split('.')[0];
}

// Roles: the KMC dropdowns and the arrays they stand for.
export const HOST_ROLE_OPTIONS: { label: string; roles: EntitlementRole[] }[] = [
  { label: 'None', roles: [] },
  { label: 'Co-Viewer', roles: ['co-viewers'] },
  { label: 'Co-Publisher', roles: ['co-publishers'] },
  { label: 'Co-Editor', roles: ['co-editors'] },
  { label: 'Co-Editor & Co-Publisher', roles: ['co-editors', 'co-publishers'] },
];

export const ATTENDEE_ROLE_OPTIONS: { label: string; roles: EntitlementRole[] }[] = [
  { label: 'None', roles: [] },
  { label: 'Co-Viewers', roles: ['co-viewers'] },
  { label: 'Co-Publishers', roles: ['co-publishers'] },
];

export function roleLabel(options: { label: string; roles: EntitlementRole[] }[], roles: EntitlementRole[]): string | undefined {
  const key = [...roles].sort().join(',');
  return options.find((o) => [...o.roles].sort().join(',') === key)?.label;
}

export function rolesOf(options: { label: string; roles: EntitlementRole[] }[], label: string): EntitlementRole[] {
  return [...(options.find((o) => o.label === label)?.roles ?? [])];
}
