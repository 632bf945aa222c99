// Toolkit `script` step (teamsapp.local.yml): from the dev tunnel's URL, the endpoints and domains the
// manifest, the Entra app and the bot registration use.
//   node infra/toolkit/local-endpoints.mjs <https URL of the tunnel for port 3978>
// Give the URL once (BOT_ENDPOINT=https://… atk provision --env local); it is written to
// env/.env.local with the rest, so later runs find it there.
const raw = (process.argv[2] ?? '').trim();
let url;
try {
  url = new URL(raw);
} catch {
  url = undefined;
}
if (!url || url.protocol !== 'https:' || raw.includes('${{')) {
  console.error(
    'BOT_ENDPOINT is not set to the https URL of a dev tunnel. Create one that forwards port 3978 (docs/deploy.md, Local debug):\n' +
      '  devtunnel create recording-archiver --allow-anonymous\n' +
      '  devtunnel port create recording-archiver -p 3978\n' +
      '  devtunnel host recording-archiver\n' +
      'then: BOT_ENDPOINT=https://<tunnel id>-3978.<region>.devtunnels.ms atk provision --env local',
  );
  process.exit(1);
}
const endpoint = `${url.protocol}//${url.host}`;
for (const [name, value] of [
  ['BOT_ENDPOINT', endpoint],
  ['BOT_DOMAIN', url.host],
  ['TAB_ENDPOINT', endpoint],
  ['TAB_DOMAIN', url.host],
]) {
  console.log(`::set-teamsfx-env ${name}=${value}`);
}
