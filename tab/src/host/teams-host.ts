/**
 * The one module that talks to the Teams host (`@microsoft/teams-js`). Everything else asks this
 * facade: whether we run inside Teams, the host theme, an SSO token, and the config page's save.
 * teams-js is imported dynamically, and only when a host may be there, so the console's first
 * bundle stays small and a plain browser tab (the sandbox) does not wait for it.
 */

export type HostTheme = 'default' | 'dark' | 'contrast';

/** What the console needs from the Teams context (kept free of teams-js types). */
export interface HostContext {
  userPrincipalName?: string;
  userId?: string;
  tenantId?: string;
  locale?: string;
  frameContext?: string;
  entityId?: string;
  hostName?: string;
}

export interface HostInfo {
  inTeams: boolean;
  context?: HostContext;
  theme: HostTheme;
}

type TeamsJs = typeof import('@microsoft/teams-js');

let teams: TeamsJs | undefined;
let initialized: Promise<HostInfo> | undefined;
const themeListeners = new Set<(theme: HostTheme) => void>();

/** `?theme=default|dark|contrast` forces the theme (tests, screenshots, a browser outside Teams). */
export function themeOverride(): HostTheme | undefined {
  const t = new URLSearchParams(window.location.search).get('theme');
  return t === 'default' || t === 'dark' || t === 'contrast' ? t : undefined;
}

export function toHostTheme(theme: string | undefined): HostTheme {
  if (theme === 'dark') return 'dark';
  if (theme === 'contrast') return 'contrast';
  return 'default'; // "default", "glass", unknown
}

/**
 * A Teams host talks to us through a parent frame, an opener (pop-ups) or a mobile webview bridge.
 * A top-level page with none of them is a plain browser: no need to load teams-js at all.
 */
function mayHaveHost(): boolean {
  const w = window as Window & { nativeInterface?: unknown };
  try {
    return w.parent !== w || !!w.opener || w.nativeInterface !== undefined;
  } catch {
    return true; // a cross-origin parent that refuses access is still a parent
  }
}

/**
 * Initializes teams-js once. Resolves (never rejects) within `timeoutMs`: outside Teams
 * `app.initialize()` rejects at once ("No Parent window found"), inside a foreign iframe it would
 * hang for 60 s, so we give up earlier.
 */
export function initHost(timeoutMs = 4000): Promise<HostInfo> {
  initialized ??= (async (): Promise<HostInfo> => {
    const forced = themeOverride();
    if (!mayHaveHost()) return { inTeams: false, theme: forced ?? 'default' };
    try {
      const sdk = await import('@microsoft/teams-js');
      await withTimeout(sdk.app.initialize(), timeoutMs);
      teams = sdk;
      const ctx = await withTimeout(sdk.app.getContext(), timeoutMs);
      sdk.app.registerOnThemeChangeHandler((t) => {
        if (themeOverride()) return;
        const theme = toHostTheme(t);
        for (const l of themeListeners) l(theme);
      });
      try {
        sdk.app.notifySuccess();
      } catch {
        /* older hosts */
      }
      const context: HostContext = {
        userPrincipalName: ctx.user?.userPrincipalName,
        userId: ctx.user?.id,
        tenantId: ctx.user?.tenant?.id,
        locale: ctx.app.locale,
        frameContext: ctx.page.frameContext,
        entityId: ctx.page.id,
        hostName: ctx.app.host.name,
      };
      return { inTeams: true, context, theme: forced ?? toHostTheme(ctx.app.theme) };
    } catch {
      teams = undefined;
      return { inTeams: false, theme: forced ?? 'default' };
    }
  })();
  return initialized;
}

/** Called with the new theme when the Teams user switches theme. Returns the unsubscribe. */
export function onThemeChange(listener: (theme: HostTheme) => void): () => void {
  themeListeners.add(listener);
  return () => themeListeners.delete(listener);
}

export function isInTeams(): boolean {
  return teams !== undefined;
}

/**
 * The Teams SSO token for our API. On `resourceRequiresConsent` (some tenants), asks once more
 * without `silent` so Teams shows its consent prompt (teams-2026.md §6.5).
 */
export async function getAuthToken(): Promise<string> {
  const sdk = requireTeams();
  try {
    return await sdk.authentication.getAuthToken();
  } catch (e) {
    if (errorText(e).includes('resourceRequiresConsent')) {
      return sdk.authentication.getAuthToken({ silent: false });
    }
    throw new Error(`Teams could not sign you in: ${errorText(e)}`);
  }
}

export interface TabConfig {
  contentUrl: string;
  websiteUrl: string;
  entityId: string;
  suggestedDisplayName: string;
}

/**
 * The configurable tab's config page: saving pins `config` in the channel or chat.
 * Returns false when not in a Teams config frame.
 */
export async function registerTabConfig(config: TabConfig): Promise<boolean> {
  const info = await initHost();
  const sdk = teams;
  if (!info.inTeams || !sdk) return false;
  sdk.pages.config.registerOnSaveHandler((saveEvent) => {
    sdk.pages.config
      .setConfig(config)
      .then(() => saveEvent.notifySuccess())
      .catch((e: unknown) => saveEvent.notifyFailure(errorText(e)));
  });
  sdk.pages.config.setValidityState(true);
  return true;
}

function requireTeams(): TeamsJs {
  if (!teams) throw new Error('Not running in Teams');
  return teams;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = window.setTimeout(() => reject(new Error('The Teams host did not answer')), ms);
    p.then(
      (v) => {
        window.clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        window.clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(errorText(e)));
      },
    );
  });
}
