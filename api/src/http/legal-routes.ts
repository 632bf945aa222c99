import type { Server } from 'restify';

/**
 * The privacy statement and terms of use the app package links to (manifest `privacyUrl`,
 * `termsOfUseUrl`): what this app keeps and does, in plain words, served by the app itself so the
 * links work wherever it is deployed.
 */
const PAGES: Record<string, { title: string; body: string[] }> = {
  '/privacy': {
    title: 'Privacy: Teams Recording Archiver for Kaltura',
    body: [
      'This app is run by your organization, in its own Azure subscription. It archives Microsoft Teams meeting recordings and transcripts into your organization\'s Kaltura partner. Nothing is sent to the app\'s authors.',
      'Media: recordings stream from Microsoft Graph into Kaltura in chunks; the app keeps no copy. Transcripts go to Kaltura as captions.',
      'What the app stores (in its own database): each integration\'s settings and its Entra and Kaltura secrets, encrypted (AES-256-GCM); each recording\'s progress (meeting subject, organizer\'s Entra id, Kaltura entry id and link, errors); the bot\'s conversation reference for each person who installed it (to send their cards); who signed in to the admin console with the admin role (to send admin alerts); an audit log of admin actions. Finished jobs are deleted after JOB_RETENTION_DAYS.',
      'Who sees it: admins of your tenant who hold the Archiver.Admin role, through the admin console. Organizers see their own recordings\' cards in Teams.',
      'Questions go to your organization\'s administrator, who runs this app.',
    ],
  },
  '/terms': {
    title: 'Terms of use: Teams Recording Archiver for Kaltura',
    body: [
      'This is open-source software under the MIT License, provided "as is", without warranty of any kind.',
      'Your organization runs it and is responsible for how it is configured and used, including the Microsoft Graph permissions it is granted and the Kaltura partner it writes to, under the terms of Microsoft 365 and Kaltura that apply to your organization.',
    ],
  },
};

export function registerLegalRoutes(server: Server): void {
  for (const [path, page] of Object.entries(PAGES)) {
    server.get(path, (_req, res, next) => {
      const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${page.title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#242424}</style></head>
<body><h1>${page.title}</h1>${page.body.map((p) => `<p>${p}</p>`).join('\n')}</body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=3600', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
      res.end(html);
      return next();
    });
  }
}
