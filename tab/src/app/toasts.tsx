import { Toast, ToastTitle, Toaster, makeStyles, useId, useToastController } from '@fluentui/react-components';
import { createContext, useCallback, useContext, type ReactNode } from 'react';

type Notify = (title: string, intent?: 'success' | 'error' | 'warning' | 'info') => void;

// above dialog and drawer backdrops (their portals come later in the DOM), so a toast shown over a dialog stays legible
const useStyles = makeStyles({ toaster: { zIndex: 1000000 } });

const NotifyContext = createContext<Notify>(() => undefined);

/** A polite Toaster for the console's confirmations ("Settings saved", …). */
export function ToastProvider({ children }: { children: ReactNode }) {
  const s = useStyles();
  const toasterId = useId('toaster');
  const { dispatchToast } = useToastController(toasterId);
  const notify = useCallback<Notify>(
    (title, intent = 'success') => {
      dispatchToast(
        <Toast>
          <ToastTitle>{title}</ToastTitle>
        </Toast>,
        { intent, politeness: intent === 'error' ? 'assertive' : 'polite', timeout: 5000 },
      );
    },
    [dispatchToast],
  );
  return (
    <NotifyContext.Provider value={notify}>
      {children}
      <Toaster className={s.toaster} toasterId={toasterId} position="bottom-end" pauseOnHover pauseOnWindowBlur />
    </NotifyContext.Provider>
  );
}

export function useNotify(): Notify {
  return useContext(NotifyContext);
}
