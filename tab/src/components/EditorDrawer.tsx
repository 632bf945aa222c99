import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  OverlayDrawer,
  Tab,
  TabList,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { useEffect, useMemo, useState } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { Integration } from '../api/types';
import { useApi } from '../app/api-context';
import { useNotify } from '../app/toasts';
import { changeFrom, editorFieldOf, formFrom, isDirty, validateEditor, type EditorForm, type FieldErrors } from '../app/validation';
import { HealthPanel } from './HealthPanel';
import { RecordingsPanel } from './RecordingsPanel';
import { SettingsForm } from './SettingsForm';

export type EditorTab = 'settings' | 'health' | 'recordings';

const useStyles = makeStyles({
  drawer: { width: '995px', maxWidth: '100vw' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  tabs: { marginTop: tokens.spacingVerticalS },
  body: { paddingTop: tokens.spacingVerticalM },
  bar: { marginBottom: tokens.spacingVerticalM },
});

/** KMC's 995 px slide-in editor, with Health and Recordings beside the settings. */
export function EditorDrawer(props: {
  integration: Integration;
  tab: EditorTab;
  onTab: (t: EditorTab) => void;
  onClose: () => void;
  onChanged: (i: Integration) => void;
}) {
  const s = useStyles();
  const api = useApi();
  const notify = useNotify();
  const { integration } = props;
  const [form, setForm] = useState<EditorForm>(() => formFrom(integration));
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [saveError, setSaveError] = useState<unknown>(null);
  const [conflict, setConflict] = useState(false);
  const [saving, setSaving] = useState(false);
  /** asking whether to drop the unsaved changes before closing */
  const [confirmClose, setConfirmClose] = useState(false);
  /** the version the form was started from (its If-Match); a newer one replaces it unless the admin is editing */
  const [base, setBase] = useState<Integration>(integration);

  useEffect(() => {
    if (integration.version === base.version && integration === base) return;
    if (!isDirty(base, form)) {
      setBase(integration);
      setForm(formFrom(integration));
    } else if (integration.version === base.version) {
      setBase(integration);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [integration]);

  const clientErrors = useMemo(() => validateEditor(form, base), [form, base]);
  const errors = { ...clientErrors, ...serverErrors };
  const dirty = isDirty(base, form);
  const valid = Object.keys(clientErrors).length === 0;

  /** Cancel, the close button, Escape or a click outside: with unsaved changes, ask first. */
  const requestClose = () => {
    if (dirty) setConfirmClose(true);
    else props.onClose();
  };

  const change = (f: EditorForm) => {
    // a server error clears when its field changes
    setServerErrors((errs) => {
      const next: FieldErrors = {};
      for (const [k, v] of Object.entries(errs)) if (JSON.stringify(fieldValue(f, k)) === JSON.stringify(fieldValue(form, k))) next[k] = v;
      return next;
    });
    setForm(f);
  };

  const save = async () => {
    setSaving(true);
    setSaveError(null);
    setConflict(false);
    try {
      const updated = await api.updateIntegration(base.id, base.version, changeFrom(base, form));
      setBase(updated);
      props.onChanged(updated);
      setForm(formFrom(updated));
      setServerErrors({});
      notify('Settings saved');
    } catch (e) {
      if (isApiError(e) && e.code === 'INTEGRATION_CHANGED') setConflict(true);
      else if (isApiError(e) && e.field && editorFieldOf(e.field)) {
        setServerErrors({ [editorFieldOf(e.field) as string]: e.message });
        if (props.tab !== 'settings') props.onTab('settings');
      } else setSaveError(e);
    } finally {
      setSaving(false);
    }
  };

  const reload = async () => {
    try {
      const fresh = await api.getIntegration(integration.id);
      setBase(fresh);
      props.onChanged(fresh);
      setForm(formFrom(fresh));
      setConflict(false);
      setServerErrors({});
    } catch (e) {
      setSaveError(e);
    }
  };

  return (
    <OverlayDrawer
      open
      position="end"
      className={s.drawer}
      modalType="modal"
      onOpenChange={(_, d) => {
        if (!d.open && !confirmClose) requestClose();
      }}
      aria-labelledby="editor-title"
    >
      <DrawerHeader>
        <DrawerHeaderTitle
          heading={{ id: 'editor-title' }}
          action={
            <div className={s.actions}>
              <Button appearance="primary" disabled={!dirty || !valid || saving} onClick={() => void save()}>
                Save
              </Button>
              <Button onClick={requestClose}>Cancel</Button>
              <Button appearance="subtle" aria-label="Close" icon={<DismissRegular />} onClick={requestClose} />
            </div>
          }
        >
          {integration.name}
        </DrawerHeaderTitle>
        <TabList className={s.tabs} selectedValue={props.tab} onTabSelect={(_, d) => props.onTab(d.value as EditorTab)}>
          <Tab value="settings">Settings</Tab>
          <Tab value="health">Health</Tab>
          <Tab value="recordings">Recordings</Tab>
        </TabList>
      </DrawerHeader>
      <DrawerBody className={s.body}>
        <div role="tabpanel" aria-label={props.tab === 'settings' ? 'Settings' : props.tab === 'health' ? 'Health' : 'Recordings'}>
          {conflict && (
            <MessageBar intent="warning" className={s.bar} layout="multiline">
              <MessageBarBody>Someone else changed this integration since you opened it. Reload to see their changes, then make yours again.</MessageBarBody>
              <MessageBarActions>
                <Button onClick={() => void reload()}>Reload</Button>
              </MessageBarActions>
            </MessageBar>
          )}
          {saveError !== null && (
            <MessageBar intent="error" className={s.bar} layout="multiline">
              <MessageBarBody>{errorMessage(saveError)}</MessageBarBody>
              <MessageBarActions>
                <Button onClick={() => void save()} disabled={!dirty || !valid}>
                  Retry
                </Button>
              </MessageBarActions>
            </MessageBar>
          )}
          {props.tab === 'settings' && <SettingsForm form={form} onChange={change} errors={errors} stored={base.kaltura} integrationId={base.id} />}
          {props.tab === 'health' && <HealthPanel integration={integration} />}
          {props.tab === 'recordings' && <RecordingsPanel integration={integration} />}
        </div>
      </DrawerBody>
      <Dialog open={confirmClose} onOpenChange={(_, d) => !d.open && setConfirmClose(false)}>
        <DialogSurface aria-describedby="discard-text">
          <DialogBody>
            <DialogTitle>Discard unsaved changes?</DialogTitle>
            <DialogContent id="discard-text">Your changes to {base.name} have not been saved. Closing the editor drops them.</DialogContent>
            <DialogActions>
              <Button
                appearance="primary"
                onClick={() => {
                  setConfirmClose(false);
                  props.onClose();
                }}
              >
                Discard
              </Button>
              <Button onClick={() => setConfirmClose(false)}>Keep editing</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </OverlayDrawer>
  );
}

function fieldValue(f: EditorForm, key: string): unknown {
  if (key === 'name' || key === 'tenantId' || key === 'appClientId') return f[key];
  if (key.startsWith('kaltura.')) return (f.kaltura as unknown as Record<string, unknown> | undefined)?.[key.slice('kaltura.'.length)];
  return (f.settings as unknown as Record<string, unknown>)[key];
}
