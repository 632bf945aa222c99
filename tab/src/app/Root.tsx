import {
  Button,
  FluentProvider,
  Text,
  makeStyles,
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
  tokens,
  type Theme,
} from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createAdminApi, getClientConfig, type AdminApi } from '../api/client';
import type { ClientConfig } from '../api/types';
import { completeSignIn, isSignInRedirect, signOut, startSignIn, storedToken } from '../auth/sandbox-sign-in';
import { ErrorBar } from '../components/ErrorBar';
import { Console } from '../components/Console';
import { getAuthToken, initHost, onThemeChange, themeOverride, type HostInfo, type HostTheme } from '../host/teams-host';
import { ApiContext } from './api-context';
import { Loading, PageHeading, ThemeNameContext } from './common';
import { ToastProvider } from './toasts';

const THEMES: Record<HostTheme, Theme> = {
  default: teamsLightTheme,
  dark: teamsDarkTheme,
  contrast: teamsHighContrastTheme,
};

const useStyles = makeStyles({
  // not on FluentProvider itself: its classes also go to the portal nodes (tooltips, dialogs) and would cover the page
  shell: { minHeight: '100vh', boxSizing: 'border-box', backgroundColor: tokens.colorNeutralBackground1, color: tokens.colorNeutralForeground1 },
  page: {
    padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXXL}`,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    maxWidth: '1400px',
    '@media (max-width: 600px)': { padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalM}` },
  },
});

export function Root() {
  const s = useStyles();
  const [theme, setTheme] = useState<HostTheme>(themeOverride() ?? 'default');
  const [host, setHost] = useState<HostInfo | null>(null);
  useEffect(() => {
    let live = true;
    void initHost().then((h) => {
      if (!live) return;
      setHost(h);
      setTheme(h.theme);
    });
    const off = onThemeChange(setTheme);
    return () => {
      live = false;
      off();
    };
  }, []);
  useEffect(() => {
    document.documentElement.style.colorScheme = theme === 'default' ? 'light' : 'dark';
  }, [theme]);
  return (
    <FluentProvider theme={THEMES[theme]}>
      <ThemeNameContext.Provider value={theme}>
      <ToastProvider>
        <div className={s.shell}>
          <main className={s.page}>{host ? <Boot host={host} onUrlRestored={() => setTheme(themeOverride() ?? host.theme)} /> : <Loading />}</main>
        </div>
      </ToastProvider>
      </ThemeNameContext.Provider>
    </FluentProvider>
  );
}


type Phase =
  | { kind: 'loading' }
  | { kind: 'config-error'; error: unknown }
  | { kind: 'open-in-teams' }
  | { kind: 'signed-out'; config: ClientConfig; error?: unknown; notice?: string }
  | { kind: 'ready'; mode: 'teams' | 'sandbox'; config?: ClientConfig };

/** Decides how the console gets a token: Teams SSO, the sandbox's sign-in page, or not at all. */
function Boot({ host, onUrlRestored }: { host: HostInfo; onUrlRestored: () => void }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    const set = (p: Phase) => live && setPhase(p);
    setPhase({ kind: 'loading' });
    (async () => {
      if (host.inTeams) {
        set({ kind: 'ready', mode: 'teams' });
        return;
      }
      let config: ClientConfig;
      try {
        config = await getClientConfig();
      } catch (error) {
        set({ kind: 'config-error', error });
        return;
      }
      if (config.signIn !== 'sandbox') {
        set({ kind: 'open-in-teams' });
        return;
      }
      if (isSignInRedirect()) {
        try {
          await completeSignIn(config);
        } catch (error) {
          set({ kind: 'signed-out', config, error });
          return;
        } finally {
          // the redirect's URL is replaced by the one sign-in started from (with its ?theme=)
          if (live) onUrlRestored();
        }
      }
      set(storedToken() ? { kind: 'ready', mode: 'sandbox', config } : { kind: 'signed-out', config });
    })();
    return () => {
      live = false;
    };
  }, [host, attempt]);

  const config = phase.kind === 'ready' || phase.kind === 'signed-out' ? phase.config : undefined;
  const onSessionEnded = useCallback(
    (notice?: string) => {
      signOut();
      if (config) setPhase({ kind: 'signed-out', config, notice });
    },
    [config],
  );
  const sessionEnded = useRef(onSessionEnded);
  sessionEnded.current = onSessionEnded;

  const api = useMemo<AdminApi | null>(() => {
    if (phase.kind !== 'ready') return null;
    if (phase.mode === 'teams') return createAdminApi({ getToken: getAuthToken });
    return createAdminApi({
      getToken: async () => {
        const t = storedToken();
        if (!t) throw new Error('Your sign-in has expired. Sign in again.');
        return t;
      },
      onUnauthorized: () => window.setTimeout(() => sessionEnded.current('Your sign-in has expired. Sign in again.'), 0),
    });
  }, [phase]);

  switch (phase.kind) {
    case 'loading':
      return <Loading />;
    case 'config-error':
      return (
        <>
          <PageHeading />
          <ErrorBar error={phase.error} onRetry={() => setAttempt((a) => a + 1)} />
        </>
      );
    case 'open-in-teams':
      return (
        <>
          <PageHeading />
          <Text as="p">Open this app in Teams</Text>
          <Text as="p" size={200}>
            The Recording Archiver admin console signs you in with your Teams account. Open it from the Archiver app in Microsoft Teams.
          </Text>
        </>
      );
    case 'signed-out':
      return <SignIn config={phase.config} error={phase.error} notice={phase.notice} />;
    case 'ready':
      return api ? (
        <ApiContext.Provider value={api}>
          <Console mode={phase.mode} onSignOut={phase.mode === 'sandbox' ? () => onSessionEnded() : undefined} />
        </ApiContext.Provider>
      ) : (
        <Loading />
      );
  }
}

function SignIn({ config, error, notice }: { config: ClientConfig; error?: unknown; notice?: string }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(error);
  return (
    <>
      <PageHeading />
      {failure !== undefined && <ErrorBar error={failure} />}
      {notice && <Text as="p">{notice}</Text>}
      <Text as="p">Sign in with an account that holds the Archiver admin role to manage Teams integrations.</Text>
      <div>
        <Button
          appearance="primary"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            startSignIn(config).catch((e: unknown) => {
              setFailure(e);
              setBusy(false);
            });
          }}
        >
          Sign in
        </Button>
      </div>
    </>
  );
}
