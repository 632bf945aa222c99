import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Radio,
  RadioGroup,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { isApiError } from '../api/client';
import type { Integration, NewIntegration } from '../api/types';
import { useApi } from '../app/api-context';
import { guidError, nameError, partnerIdError, urlError, type FieldErrors } from '../app/validation';
import { ErrorBar } from './ErrorBar';

const useStyles = makeStyles({
  surface: { maxWidth: '680px', width: 'calc(100vw - 32px)' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  row: { display: 'grid', gridTemplateColumns: '1fr 1fr', gap: tokens.spacingHorizontalM, '@media (max-width: 600px)': { gridTemplateColumns: '1fr' } },
});

interface Form {
  name: string;
  tenantId: string;
  appClientId: string;
  appClientSecret: string;
  serviceUrl: string;
  partnerId: string;
  credential: 'appToken' | 'adminSecret';
  appTokenId: string;
  appToken: string;
  adminSecret: string;
}

const EMPTY: Form = {
  name: '',
  tenantId: '',
  appClientId: '',
  appClientSecret: '',
  serviceUrl: '',
  partnerId: '',
  credential: 'appToken',
  appTokenId: '',
  appToken: '',
  adminSecret: '',
};

/** The API's field path → this form's field. */
const FIELD_OF: Record<string, keyof Form> = {
  name: 'name',
  tenantId: 'tenantId',
  appClientId: 'appClientId',
  appClientSecret: 'appClientSecret',
  'kaltura.serviceUrl': 'serviceUrl',
  'kaltura.partnerId': 'partnerId',
  'kaltura.appTokenId': 'appTokenId',
  'kaltura.appToken': 'appToken',
  'kaltura.adminSecret': 'adminSecret',
};

function validate(f: Form): FieldErrors {
  const e: FieldErrors = {};
  const put = (k: keyof Form, m: string | undefined) => {
    if (m) e[k] = m;
  };
  put('name', nameError(f.name));
  put('tenantId', guidError(f.tenantId, 'Directory (tenant) ID'));
  put('appClientId', guidError(f.appClientId, 'Application (client) ID'));
  if (!f.appClientSecret) e.appClientSecret = 'Application (client) Secret is required';
  put('serviceUrl', urlError(f.serviceUrl));
  put('partnerId', partnerIdError(f.partnerId));
  if (f.credential === 'appToken') {
    if (!f.appTokenId.trim()) e.appTokenId = 'App token ID is required';
    if (!f.appToken) e.appToken = 'App token is required';
  } else if (!f.adminSecret) {
    e.adminSecret = 'Admin secret is required';
  }
  return e;
}

function toInput(f: Form): NewIntegration {
  return {
    name: f.name.trim(),
    tenantId: f.tenantId.trim(),
    appClientId: f.appClientId.trim(),
    appClientSecret: f.appClientSecret,
    kaltura: {
      partnerId: Number(f.partnerId.trim()),
      ...(f.serviceUrl.trim() ? { serviceUrl: f.serviceUrl.trim() } : {}),
      ...(f.credential === 'appToken' ? { appTokenId: f.appTokenId.trim(), appToken: f.appToken } : { adminSecret: f.adminSecret }),
    },
  };
}

export function AddIntegrationDialog({ open, onClose, onAdded }: { open: boolean; onClose: () => void; onAdded: (i: Integration) => void }) {
  const s = useStyles();
  const api = useApi();
  const [form, setForm] = useState<Form>(EMPTY);
  const [touched, setTouched] = useState<Partial<Record<keyof Form, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [generalError, setGeneralError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (open) {
      setForm(EMPTY);
      setTouched({});
      setSubmitted(false);
      setServerErrors({});
      setGeneralError(null);
      setBusy(false);
    }
  }, [open]);

  const clientErrors = validate(form);
  const errorOf = (k: keyof Form): string | undefined => serverErrors[k] ?? (submitted || touched[k] ? clientErrors[k] : undefined);
  const set = (k: keyof Form) => (_: unknown, d: { value: string }) => {
    setForm((f) => ({ ...f, [k]: d.value }));
    setServerErrors((e) => {
      const { [k]: _drop, ...rest } = e;
      return rest;
    });
  };
  const blur = (k: keyof Form) => () => setTouched((t) => ({ ...t, [k]: true }));

  const submit = async () => {
    setSubmitted(true);
    setGeneralError(null);
    if (Object.keys(clientErrors).length > 0) return;
    setBusy(true);
    try {
      const created = await api.createIntegration(toInput(form));
      onAdded(created);
    } catch (e) {
      const field = isApiError(e) && e.field ? FIELD_OF[e.field] ?? FIELD_OF[e.field.split('.').slice(0, 2).join('.')] : undefined;
      if (field && isApiError(e)) setServerErrors({ [field]: e.message });
      else setGeneralError(e);
    } finally {
      setBusy(false);
    }
  };

  const text = (k: keyof Form, label: string, opts: { type?: 'password' | 'url'; hint?: string; placeholder?: string; required?: boolean } = {}) => {
    const err = errorOf(k);
    return (
      <Field label={label} hint={opts.hint} validationState={err ? 'error' : 'none'} validationMessage={err}>
        <Input
          type={opts.type === 'password' ? 'password' : opts.type === 'url' ? 'url' : 'text'}
          value={form[k]}
          placeholder={opts.placeholder}
          autoComplete="off"
          required={opts.required ?? true}
          onChange={set(k)}
          onBlur={blur(k)}
        />
      </Field>
    );
  };

  return (
    <Dialog open={open} modalType="modal" onOpenChange={(_, d) => !d.open && !busy && onClose()}>
      <DialogSurface className={s.surface}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          noValidate
        >
          <DialogBody>
            <DialogTitle>Add new integration</DialogTitle>
            <DialogContent className={s.form}>
              {generalError !== null && <ErrorBar error={generalError} />}
              <Text size={200}>All fields are required except the Kaltura service URL.</Text>
              {text('name', 'Name')}
              {text('tenantId', 'Directory (tenant) ID', { hint: 'Your Azure directory (tenant) ID', placeholder: '00000000-0000-0000-0000-000000000000' })}
              {text('appClientId', 'Application (client) ID', { hint: 'The app registration that has the Graph permissions', placeholder: '00000000-0000-0000-0000-000000000000' })}
              {text('appClientSecret', 'Application (client) Secret', { type: 'password', hint: "The client secret's value (not its ID)" })}
              <div className={s.row}>
                {text('serviceUrl', 'Kaltura service URL', { type: 'url', required: false, placeholder: 'https://www.kaltura.com', hint: 'Empty uses the app default' })}
                {text('partnerId', 'Partner ID')}
              </div>
              <Field label="Kaltura credential">
                <RadioGroup layout="horizontal" value={form.credential} onChange={(_, d) => setForm((f) => ({ ...f, credential: d.value as Form['credential'] }))}>
                  <Radio value="appToken" label="App token" />
                  <Radio value="adminSecret" label="Admin secret" />
                </RadioGroup>
              </Field>
              {form.credential === 'appToken' ? (
                <div className={s.row}>
                  {text('appTokenId', 'App token ID')}
                  {text('appToken', 'App token', { type: 'password' })}
                </div>
              ) : (
                text('adminSecret', 'Admin secret', { type: 'password' })
              )}
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={busy}>
                Add
              </Button>
              <Button appearance="secondary" disabled={busy} onClick={onClose}>
                Cancel
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
