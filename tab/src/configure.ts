import { initHost, registerTabConfig } from './host/teams-host';

/**
 * The configurable tab's config page (appPackage/manifest.json `configurationUrl`): pins the admin
 * console in a channel or chat. Plain DOM, no React, so this page loads fast inside Teams' dialog.
 */
async function main(): Promise<void> {
  const status = document.getElementById('status');
  const info = await initHost();
  document.body.classList.toggle('dark', info.theme === 'dark');
  document.body.classList.toggle('contrast', info.theme === 'contrast');
  const ok = await registerTabConfig({
    contentUrl: `${window.location.origin}/tab/`,
    websiteUrl: `${window.location.origin}/tab/`,
    entityId: 'archiver-admin',
    suggestedDisplayName: 'Recording Archiver',
  });
  if (status) {
    status.textContent = ok
      ? 'Select Save to pin the Recording Archiver admin console here. Only people with the Archiver admin role can use it.'
      : 'Open this app in Teams to add the admin console to a channel.';
  }
}

void main();
