import type { ServerResponse } from 'node:http';
import type { FixtureUser } from '../fixture/schema.js';
import type { AuthorizeRequest } from './auth-codes.js';
import { stsTimestamp, type StsError } from './sts-errors.js';

/**
 * The emulated Entra ID's sign-in page for the sandbox's plain browser: one button per fixture user
 * (there are no passwords), each posting the authorization request back with the chosen user.
 */

/** The authorization request's parameters carried through the page's forms. */
const CARRIED = [
  'client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge',
  'code_challenge_method', 'response_mode', 'login_hint', 'prompt',
] as const;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store, no-cache',
  'x-frame-options': 'DENY',
  // browsers hold a form's redirect to form-action too, and the sign-in redirects back to the app
  // (any loopback redirect_uri is accepted; CSP has no syntax for an IPv6 host with any port)
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://127.0.0.1:* https://127.0.0.1:* http://localhost:* https://localhost:*; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

const STYLE = `
  body { font-family: "Segoe UI", system-ui, sans-serif; background: #f2f2f2; margin: 0; color: #1b1b1b; }
  main { max-width: 30rem; margin: 3rem auto; background: #fff; padding: 2rem 2.5rem; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
  h1 { font-size: 1.5rem; font-weight: 600; margin: 0 0 .5rem; }
  p { margin: .25rem 0 1rem; }
  ul { list-style: none; padding: 0; margin: 0; }
  li { margin: 0 0 .5rem; }
  button { width: 100%; text-align: left; padding: .75rem 1rem; border: 1px solid #8a8886; background: #fff; font: inherit; cursor: pointer; }
  button:hover, button:focus-visible { background: #f3f2f1; outline: 2px solid #0067b8; outline-offset: 1px; }
  .name { display: block; font-weight: 600; }
  .upn, .roles { display: block; font-size: .875rem; color: #424242; }
  .hint { border-color: #0067b8; }
  .cancel { width: auto; margin-top: 1rem; }
  code { word-break: break-all; }
`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function hiddenFields(params: URLSearchParams): string {
  return CARRIED.filter((n) => params.get(n) !== null)
    .map((n) => `<input type="hidden" name="${n}" value="${escapeHtml(params.get(n)!)}">`)
    .join('');
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

/** The page listing the users of the request's tenant, the one `login_hint` names first. */
export function sendSignInPage(
  res: ServerResponse,
  input: { action: string; params: URLSearchParams; request: AuthorizeRequest; appName: string },
): void {
  const hint = input.request.loginHint?.toLowerCase();
  const users = [...input.request.tenant.users].sort((a, b) => Number(isHinted(b, hint)) - Number(isHinted(a, hint)));
  const fields = hiddenFields(input.params);
  const items = users
    .map((u) => {
      const roles = u.appRoles.length > 0 ? `App roles: ${u.appRoles.join(', ')}` : 'No app roles';
      return `<li><form method="post" action="${escapeHtml(input.action)}">${fields}<input type="hidden" name="user" value="${escapeHtml(u.id)}"><button type="submit"${isHinted(u, hint) ? ' class="hint"' : ''} aria-label="Sign in as ${escapeHtml(u.displayName)} (${escapeHtml(u.userPrincipalName)}), ${escapeHtml(roles)}"><span class="name">${escapeHtml(u.displayName)}</span><span class="upn">${escapeHtml(u.userPrincipalName)}</span><span class="roles">${escapeHtml(roles)}</span></button></form></li>`;
    })
    .join('\n');
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in to the emulated Entra ID</title><style>${STYLE}</style></head>
<body>
<main>
<h1>Sign in to the emulated Entra ID</h1>
<p>${escapeHtml(input.request.tenant.displayName)} · for <strong>${escapeHtml(input.appName)}</strong>. Pick an account: the sandbox has no passwords.</p>
<ul aria-label="Accounts">
${items}
</ul>
<form method="post" action="${escapeHtml(input.action)}">${fields}<input type="hidden" name="cancel" value="1"><button type="submit" class="cancel">Cancel</button></form>
</main>
</body>
</html>`;
  send(res, 200, html);
}

function isHinted(u: FixtureUser, hint: string | undefined): boolean {
  return hint !== undefined && (u.userPrincipalName.toLowerCase() === hint || u.mail?.toLowerCase() === hint);
}

/** Entra's own error page, for requests whose redirect URI cannot be trusted with the answer. */
export function sendErrorPage(res: ServerResponse, err: StsError, ctx: { correlationId: string; traceId: string }): void {
  const text = `AADSTS${err.code}: ${err.message}`;
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to the emulated Entra ID: error</title><style>${STYLE}</style></head>
<body>
<main>
<h1>Sorry, but we’re having trouble signing you in.</h1>
<p role="alert"><code>${escapeHtml(text)}</code></p>
<p>Request Id: ${escapeHtml(ctx.traceId)}<br>Correlation Id: ${escapeHtml(ctx.correlationId)}<br>Timestamp: ${escapeHtml(stsTimestamp())}</p>
</main>
</body>
</html>`;
  send(res, err.status, html);
}
