import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Field, Input, Text, makeStyles } from '@fluentui/react-components';
import { useState } from 'react';
import { isApiError } from '../api/client';
import type { Integration } from '../api/types';
import { useApi } from '../app/api-context';
import { ErrorBar } from './ErrorBar';

const useStyles = makeStyles({ surface: { maxWidth: '560px', width: 'calc(100vw - 32px)' }, content: { display: 'flex', flexDirection: 'column', gap: '12px' } });

/** KMC's "Update application secret": one field, checked against Entra ID by the API before it is stored. */
export function UpdateSecretDialog({ integration, onClose, onUpdated }: { integration: Integration; onClose: () => void; onUpdated: (i: Integration) => void }) {
  const s = useStyles();
  const api = useApi();
  const [secret, setSecret] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setError(null);
    if (!secret) {
      setFieldError('Application (client) Secret is required');
      return;
    }
    setBusy(true);
    try {
      onUpdated(await api.updateSecret(integration.id, secret));
    } catch (e) {
      if (isApiError(e) && (e.field === 'appClientSecret' || e.status === 422 || e.status === 400)) setFieldError(e.message);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open modalType="modal" onOpenChange={(_, d) => !d.open && !busy && onClose()}>
      <DialogSurface className={s.surface}>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <DialogBody>
            <DialogTitle>Update application (client) secret</DialogTitle>
            <DialogContent className={s.content}>
              <Text>
                A new client secret for {integration.name}. It is checked with Microsoft Entra ID first; the current secret stays if Entra ID refuses the new one.
              </Text>
              {error !== null && <ErrorBar error={error} />}
              <Field label="Application (client) Secret" validationState={fieldError ? 'error' : 'none'} validationMessage={fieldError}>
                <Input
                  type="password"
                  required
                  autoComplete="off"
                  value={secret}
                  onChange={(_, d) => {
                    setSecret(d.value);
                    setFieldError(undefined);
                  }}
                />
              </Field>
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={busy}>
                Update
              </Button>
              <Button disabled={busy} onClick={onClose}>
                Cancel
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
