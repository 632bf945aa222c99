import { Dropdown, Field, Input, Option, Radio, RadioGroup, Switch, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { EntitlementRole, IntegrationSettings, KalturaConnection } from '../api/types';
import { ATTENDEE_ROLE_OPTIONS, HOST_ROLE_OPTIONS, roleLabel, rolesOf, type EditorForm, type FieldErrors, type KalturaForm } from '../app/validation';
import { useCallback, useContext, useMemo } from 'react';
import type { LookupKind } from '../api/client';
import { ApiContext } from '../app/api-context';
import { SuggestField, TagInput, type Suggest } from './TagInput';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, paddingBottom: tokens.spacingVerticalXXL },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, border: 'none', margin: 0, padding: 0 },
  h3: { fontSize: tokens.fontSizeBase400, lineHeight: tokens.lineHeightBase400, fontWeight: tokens.fontWeightSemibold, margin: `${tokens.spacingVerticalS} 0 0` },
  grid: {
    display: 'grid',
    gridTemplateColumns: 'repeat(3, minmax(0, 1fr))',
    gap: tokens.spacingHorizontalM,
    '@media (max-width: 700px)': { gridTemplateColumns: '1fr' },
  },
  nested: { paddingLeft: tokens.spacingHorizontalXXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

/** The editor's Settings tab, fields in KMC's order (teams-2026.md §3.1). */
export function SettingsForm({
  form,
  onChange,
  errors,
  stored,
  integrationId,
}: {
  form: EditorForm;
  onChange: (f: EditorForm) => void;
  errors: FieldErrors;
  /** the saved Kaltura connection (which credential is in force) */
  stored?: KalturaConnection;
  /** the saved integration, whose Graph and Kaltura clients suggest categories, groups and users */
  integrationId?: string;
}) {
  const s = useStyles();
  const api = useContext(ApiContext);
  const lookup = useCallback(
    (kind: LookupKind): Suggest | undefined => (api && integrationId ? (q: string) => api.lookup(integrationId, kind, q) : undefined),
    [api, integrationId],
  );
  const suggestCategories = useMemoSuggest(lookup, 'categories');
  const suggestKalturaGroups = useMemoSuggest(lookup, 'kaltura-groups');
  const suggestEntraGroups = useMemoSuggest(lookup, 'entra-groups');
  const suggestUsers = useMemoSuggest(lookup, 'users');
  const k = form.kaltura;
  const setK = <K extends keyof KalturaForm>(key: K, v: KalturaForm[K]) => k && onChange({ ...form, kaltura: { ...k, [key]: v } });
  const st = form.settings;
  const setTop = (k: 'name' | 'tenantId' | 'appClientId', v: string) => onChange({ ...form, [k]: v });
  const set = <K extends keyof IntegrationSettings>(k: K, v: IntegrationSettings[K]) => onChange({ ...form, settings: { ...st, [k]: v } });
  const err = (k: string) => ({ validationState: errors[k] ? ('error' as const) : ('none' as const), validationMessage: errors[k] });

  const roleDropdown = (label: string, key: 'coOrganizerRoles' | 'presentersRoles' | 'attendeesRoles', options: typeof HOST_ROLE_OPTIONS) => {
    const current = roleLabel(options, st[key]);
    const value = current ?? st[key].join(', ');
    return (
      <Field label={label} {...err(key)}>
        <Dropdown
          value={value}
          selectedOptions={current ? [current] : []}
          onOptionSelect={(_, d) => {
            if (!d.optionValue || d.optionValue === current) return;
            set(key, rolesOf(options, d.optionValue) as EntitlementRole[]);
          }}
        >
          {options.map((o) => (
            <Option key={o.label} value={o.label}>
              {o.label}
            </Option>
          ))}
        </Dropdown>
      </Field>
    );
  };

  return (
    <div className={s.form}>
      <section className={s.section} aria-labelledby="settings-general">
        <h3 id="settings-general" className={s.h3}>
          Account
        </h3>
        <Field label="Name" {...err('name')}>
          <Input required value={form.name} onChange={(_, d) => setTop('name', d.value)} />
        </Field>
        <Field label="Directory (tenant) ID" {...err('tenantId')}>
          <Input required value={form.tenantId} onChange={(_, d) => setTop('tenantId', d.value)} />
        </Field>
        <Field label="Application (client) ID" {...err('appClientId')}>
          <Input required value={form.appClientId} onChange={(_, d) => setTop('appClientId', d.value)} />
        </Field>
      </section>

      {k && (
        <section className={s.section} aria-labelledby="settings-kaltura">
          <h3 id="settings-kaltura" className={s.h3}>
            Kaltura connection
          </h3>
          <Field label="Kaltura service URL" {...err('kaltura.serviceUrl')}>
            <Input type="url" required value={k.serviceUrl} placeholder="https://www.kaltura.com" onChange={(_, d) => setK('serviceUrl', d.value)} />
          </Field>
          <Field label="Partner ID" {...err('kaltura.partnerId')}>
            <Input required inputMode="numeric" value={k.partnerId} onChange={(_, d) => setK('partnerId', d.value)} />
          </Field>
          <Text id="settings-kaltura-stored">
            {stored?.credential === 'adminSecret'
              ? 'Stored credential: admin secret.'
              : stored?.credential === 'appToken'
                ? `Stored credential: app token${stored.appTokenId ? ` (app token ID ${stored.appTokenId})` : ''}.`
                : 'No credential stored.'}{' '}
            Leave the secret empty to keep the stored one; a new one replaces it.
          </Text>
          <Field label="Kaltura credential">
            <RadioGroup
              layout="horizontal"
              value={k.credential}
              aria-describedby="settings-kaltura-stored"
              onChange={(_, d) => setK('credential', d.value as KalturaForm['credential'])}
            >
              <Radio value="appToken" label="App token" />
              <Radio value="adminSecret" label="Admin secret" />
            </RadioGroup>
          </Field>
          {k.credential === 'appToken' ? (
            <div className={s.nested}>
              <Field
                label="App token ID"
                hint={stored?.credential === 'appToken' && stored.appTokenId ? `Empty keeps ${stored.appTokenId}` : undefined}
                {...err('kaltura.appTokenId')}
              >
                <Input value={k.appTokenId} autoComplete="off" onChange={(_, d) => setK('appTokenId', d.value)} />
              </Field>
              <Field label="App token" hint={stored?.credential === 'appToken' ? 'Empty keeps the stored app token' : undefined} {...err('kaltura.appToken')}>
                <Input type="password" value={k.appToken} autoComplete="new-password" onChange={(_, d) => setK('appToken', d.value)} />
              </Field>
            </div>
          ) : (
            <div className={s.nested}>
              <Field label="Admin secret" hint={stored?.credential === 'adminSecret' ? 'Empty keeps the stored admin secret' : undefined} {...err('kaltura.adminSecret')}>
                <Input type="password" value={k.adminSecret} autoComplete="new-password" onChange={(_, d) => setK('adminSecret', d.value)} />
              </Field>
            </div>
          )}
        </section>
      )}

      <section className={s.section} aria-labelledby="settings-publish">
        <h3 id="settings-publish" className={s.h3}>
          Publishing
        </h3>
        <TagInput
          label="Publish to categories"
          hint="Enter categories that the ingested media should be published to: the category's full name, e.g. MediaSpace>site>channels>Teams, then Enter"
          values={st.categories}
          onChange={(v) => set('categories', v)}
          validationMessage={errors.categories}
          suggest={suggestCategories}
        />
        <Field label="Upload recordings management" {...err('uploadScope')}>
          <RadioGroup value={st.uploadScope} onChange={(_, d) => set('uploadScope', d.value as IntegrationSettings['uploadScope'])}>
            <Radio value="all" label="Upload all recordings" />
            <Radio value="opt-in" label="Opt-in groups" />
            <Radio value="opt-out" label="Opt-out groups" />
          </RadioGroup>
        </Field>
        {st.uploadScope !== 'all' && (
          <div className={s.nested}>
            <Field label="Group source" {...err('groupSource')}>
              <RadioGroup value={st.groupSource} onChange={(_, d) => set('groupSource', d.value as IntegrationSettings['groupSource'])}>
                <Radio value="kaltura" label="Kaltura groups" />
                <Radio value="entra" label="Entra ID groups (needs GroupMember.Read.All)" />
              </RadioGroup>
            </Field>
            <TagInput
              label="Groups"
              hint={
                st.groupSource === 'kaltura'
                  ? `Kaltura group IDs whose members' recordings are ${st.uploadScope === 'opt-in' ? 'uploaded' : 'not uploaded'}; Enter adds one`
                  : `Entra ID group object IDs (GUIDs) whose members' recordings are ${st.uploadScope === 'opt-in' ? 'uploaded' : 'not uploaded'}; Enter adds one`
              }
              values={st.groups}
              onChange={(v) => set('groups', v)}
              validationMessage={errors.groups}
              suggest={st.groupSource === 'entra' ? suggestEntraGroups : suggestKalturaGroups}
            />
          </div>
        )}
        <Switch label="Teams transcription" checked={st.uploadTranscripts} onChange={(_, d) => set('uploadTranscripts', d.checked)} />
        <Field
          hint="1:1, group and PSTN calls recorded outside a meeting. Needs the Graph application permission CallRecordings.Read.All (and CallTranscripts.Read.All for their transcripts), with admin consent. Whoever started the call owns the entry; the others in it get no permissions on it, because Microsoft Graph does not say who took part."
          {...err('includeAdhocCalls')}
        >
          <Switch
            label="Include ad hoc call recordings"
            checked={st.includeAdhocCalls ?? false}
            onChange={(_, d) => set('includeAdhocCalls', d.checked)}
          />
        </Field>
      </section>

      <section className={s.section} aria-labelledby="settings-permissions">
        <h3 id="settings-permissions" className={s.h3}>
          Configure users permissions for uploaded recordings
        </h3>
        <div className={s.grid}>
          {roleDropdown('Co-organizers', 'coOrganizerRoles', HOST_ROLE_OPTIONS)}
          {roleDropdown('Presenters', 'presentersRoles', HOST_ROLE_OPTIONS)}
          {roleDropdown('Users (attendees)', 'attendeesRoles', ATTENDEE_ROLE_OPTIONS)}
        </div>
      </section>

      <section className={s.section} aria-labelledby="settings-owner">
        <h3 id="settings-owner" className={s.h3}>
          Setting owner for recordings
        </h3>
        <Field label="Set user based on">
          <RadioGroup value={st.userIdSource} onChange={(_, d) => set('userIdSource', d.value as IntegrationSettings['userIdSource'])}>
            <Radio value="upn" label="Microsoft User Principal Name" />
            <Radio value="azure-id" label="Azure user ID" />
          </RadioGroup>
        </Field>
        {st.userIdSource === 'upn' && (
          <div className={s.nested}>
            <Field label="Postfix">
              <RadioGroup
                layout="horizontal"
                value={st.userIdSuffixMethod}
                onChange={(_, d) => set('userIdSuffixMethod', d.value as IntegrationSettings['userIdSuffixMethod'])}
              >
                <Radio value="none" label="Do not modify" />
                <Radio value="remove" label="Remove postfix" />
                <Radio value="append" label="Add postfix" />
              </RadioGroup>
            </Field>
            <Field label="Postfix text" {...err('userIdSuffix')}>
              <Input
                required={st.userIdSuffixMethod !== 'none'}
                value={st.userIdSuffix}
                placeholder="@kaltura.com"
                disabled={st.userIdSuffixMethod === 'none'}
                onChange={(_, d) => set('userIdSuffix', d.value)}
              />
            </Field>
          </div>
        )}
        <Field label="Find user by" {...err('userSearchMethod')}>
          <RadioGroup layout="horizontal" value={st.userSearchMethod} onChange={(_, d) => set('userSearchMethod', d.value as IntegrationSettings['userSearchMethod'])}>
            <Radio value="id" label="User ID" />
            <Radio value="email" label="User e-mail" />
            <Radio value="all" label="Both" />
          </RadioGroup>
        </Field>
        <Field label="In case the user doesn't exist">
          <RadioGroup value={st.userNotFoundMethod} onChange={(_, d) => set('userNotFoundMethod', d.value as IntegrationSettings['userNotFoundMethod'])}>
            <Radio value="create" label="Create new user based on teams user" />
            <Radio value="assign-default" label="Use default user" />
          </RadioGroup>
        </Field>
        <div className={s.nested}>
          <SuggestField
            label="Default user ID"
            {...err('defaultUserId')}
            required={st.userNotFoundMethod === 'assign-default'}
            value={st.defaultUserId}
            disabled={st.userNotFoundMethod !== 'assign-default'}
            onChange={(v) => set('defaultUserId', v)}
            suggest={suggestUsers}
          />
        </div>
      </section>

      <section className={s.section} aria-labelledby="settings-notifications">
        <h3 id="settings-notifications" className={s.h3}>
          Teams notifications
        </h3>
        <Text>Once a recording is archived, the app's bot sends its organizer a card in Teams with the link to the entry.</Text>
        <Field label="Entry link template" hint="{entryId} and {partnerId} are replaced; empty uses the app default" {...err('entryUrlTemplate')}>
          <Input
            value={st.entryUrlTemplate ?? ''}
            placeholder="https://example.mediaspace.kaltura.com/media/t/{entryId}"
            onChange={(_, d) => set('entryUrlTemplate', d.value)}
          />
        </Field>
        <Field hint="The meeting's co-organizers get the organizer's card too" {...err('notifyCoOrganizers')}>
          <Switch
            label="Send the card to co-organizers too"
            checked={st.notifyCoOrganizers ?? false}
            onChange={(_, d) => set('notifyCoOrganizers', d.checked)}
          />
        </Field>
        <Field
          hint="For organizers the bot cannot reach yet, the app installs itself in their Teams. Needs the Graph application permissions TeamsAppInstallation.ReadWriteForUser.All (or TeamsAppInstallation.ReadWriteSelfForUser.All when this app registration is the Teams app's own) and AppCatalog.Read.All, with admin consent"
          {...err('proactiveInstall')}
        >
          <Switch
            label="Install the app for organizers who don't have it"
            checked={st.proactiveInstall ?? false}
            onChange={(_, d) => set('proactiveInstall', d.checked)}
          />
        </Field>
      </section>
    </div>
  );
}

/** One stable suggest function per kind, so a re-render does not start a new lookup. */
function useMemoSuggest(lookup: (kind: LookupKind) => Suggest | undefined, kind: LookupKind): Suggest | undefined {
  return useMemo(() => lookup(kind), [lookup, kind]);
}
