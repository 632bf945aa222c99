import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Text } from '@fluentui/react-components';
import { useState } from 'react';
import { isApiError } from '../api/client';
import type { Integration } from '../api/types';
import { useApi } from '../app/api-context';
import { ErrorBar } from './ErrorBar';

export const ENABLED_DELETE_MESSAGE = "Please change integration status to 'Disable' in order to delete it.";

/**
 * KMC's delete: refused while enabled (the API's own message), otherwise a confirmation. If the API
 * refuses anyway (enabled meanwhile by someone else), its message replaces the confirmation.
 */
export function DeleteDialog({ integration, onClose, onDeleted }: { integration: Integration; onClose: () => void; onDeleted: (id: string) => void }) {
  const api = useApi();
  const [refusal, setRefusal] = useState<string | null>(integration.status === 'enabled' ? ENABLED_DELETE_MESSAGE : null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.deleteIntegration(integration.id);
      onDeleted(integration.id);
    } catch (e) {
      if (isApiError(e) && e.status === 404) onDeleted(integration.id);
      else if (isApiError(e) && e.status === 409) setRefusal(e.message);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (refusal) {
    return (
      <Dialog open modalType="alert" onOpenChange={(_, d) => !d.open && onClose()}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>Cannot delete {integration.name}</DialogTitle>
            <DialogContent>
              <Text>{refusal}</Text>
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" onClick={onClose}>
                OK
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    );
  }
  return (
    <Dialog open modalType="alert" onOpenChange={(_, d) => !d.open && !busy && onClose()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Delete {integration.name}?</DialogTitle>
          <DialogContent>
            {error !== null && <ErrorBar error={error} />}
            <Text>
              The integration, its settings and its secrets are removed. Recordings already archived stay in Kaltura.
            </Text>
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" disabled={busy} onClick={() => void remove()}>
              Delete
            </Button>
            <Button disabled={busy} onClick={onClose}>
              Cancel
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
