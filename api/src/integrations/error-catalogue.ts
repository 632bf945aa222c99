/**
 * What an admin sees for each error the product can show (integration health, the connection test,
 * a recording's or a card's history): the admin guide's words where Kaltura's integration has
 * them (reference/kaltura-teams-integration-admin-guide.txt, "Troubleshooting"), and the fix. Codes
 * are stable: the tab, the API and the store refer to them.
 */
export interface CatalogueEntry {
  message: string;
  fix: string;
}

export const errorCatalogue = {
  MISSING_RECORDING_PERMISSION: {
    message: "The provided application credentials are missing the 'OnlineMeetingRecording.Read.All' permission.",
    fix: 'In the Entra admin center, open the app registration > API permissions, add the Microsoft Graph application permission OnlineMeetingRecording.Read.All and grant admin consent.',
  },
  MISSING_TRANSCRIPT_PERMISSION: {
    message: "The provided application credentials are missing the 'OnlineMeetingTranscript.Read.All' permission.",
    fix: 'Add the Microsoft Graph application permission OnlineMeetingTranscript.Read.All and grant admin consent, or turn transcripts off for this integration.',
  },
  MISSING_CALL_RECORDING_PERMISSION: {
    message: "Ad hoc calls are on, but the application credentials are missing the 'CallRecordings.Read.All' permission, so call recordings are not archived (meeting recordings are).",
    fix: 'Add the Microsoft Graph application permission CallRecordings.Read.All and grant admin consent, or turn "Include ad hoc call recordings" off for this integration. The calls recorded meanwhile are archived once it is granted.',
  },
  MISSING_CALL_TRANSCRIPT_PERMISSION: {
    message: "Ad hoc calls and transcripts are on, but the application credentials are missing the 'CallTranscripts.Read.All' permission, so call transcripts are not attached (meeting transcripts are).",
    fix: 'Add the Microsoft Graph application permission CallTranscripts.Read.All and grant admin consent, or turn "Include ad hoc call recordings" or Teams transcription off. The transcripts missed meanwhile are attached once it is granted.',
  },
  MISSING_MEETING_PERMISSION: {
    message: "The provided application credentials are missing the 'OnlineMeetings.Read.All' permission.",
    fix: 'Add the Microsoft Graph application permission OnlineMeetings.Read.All and grant admin consent.',
  },
  MISSING_USER_PERMISSION: {
    message: "The provided application credentials are missing the 'User.Read.All' permission.",
    fix: 'Add the Microsoft Graph application permission User.Read.All and grant admin consent.',
  },
  MISSING_GROUP_PERMISSION: {
    message: "Entra groups are used for the upload scope, but the application credentials are missing the 'GroupMember.Read.All' permission.",
    fix: 'Add the Microsoft Graph application permission GroupMember.Read.All and grant admin consent, or use Kaltura groups for the upload scope.',
  },
  MISSING_TEAMS_APP_INSTALL_PERMISSION: {
    message: "Proactive install is on, but the application credentials are missing the 'TeamsAppInstallation.ReadWriteForUser.All' permission, so the app cannot be installed for organizers who don't have it.",
    fix: 'Add the Microsoft Graph application permission TeamsAppInstallation.ReadWriteForUser.All (TeamsAppInstallation.ReadWriteSelfForUser.All is enough only when this app registration is the Teams app\'s own Entra app) and grant admin consent, or turn proactive install off.',
  },
  MISSING_APP_CATALOG_PERMISSION: {
    message: "Proactive install is on, but the application credentials are missing the 'AppCatalog.Read.All' permission, so the app cannot be found in the organization's catalog.",
    fix: 'Add the Microsoft Graph application permission AppCatalog.Read.All and grant admin consent, or turn proactive install off.',
  },
  TEAMS_APP_NOT_IN_CATALOG: {
    message: "Proactive install is on, but the app is not in the organization's Teams app catalog.",
    fix: 'Upload the app package in the Teams admin center (Teams apps > Manage apps > Upload new app), then allow it in the app permission policies.',
  },
  APPLICATION_ACCESS_POLICY_MISSING: {
    message: 'Application policy is missing for the configured application registration.',
    fix: 'In Teams PowerShell run: New-CsApplicationAccessPolicy -Identity Teams-policy -AppIds "<client id>" -Description "Kaltura archiver"; then Grant-CsApplicationAccessPolicy -PolicyName Teams-policy -Global. Changes can take 30 minutes or more to apply.',
  },
  TRANSCRIPT_API_ACCESS_DISABLED: {
    message: 'Microsoft Graph access to meeting transcripts is turned off for this tenant.',
    fix: 'Teams admin center > Meetings > Meeting settings > Transcript API access: set Microsoft Graph access to On. Or in Teams PowerShell: Set-CsTeamsMeetingConfiguration -EnableGraphTranscriptAccess $true -EnableAttributedTranscripts $true -Identity Global.',
  },
  MICROSOFT_API_ACCESS_DENIED: {
    message: 'Access to the Microsoft API was denied.',
    fix: 'Check the app registration\'s permissions and admin consent, and that the tenant id belongs to the tenant where the app is registered.',
  },
  SECRET_EXPIRED: {
    message: 'The provided application secret has expired.',
    fix: 'Create a new client secret for the app registration in the Entra admin center, then use "Update secret" on this integration.',
  },
  SECRET_EXPIRING: {
    message: 'The application secret expires soon.',
    fix: 'Create a new client secret before it expires, then use "Update secret" on this integration.',
  },
  SECRET_INVALID: {
    message: 'The provided application secret is invalid.',
    fix: 'The secret may have been deleted or mistyped (use the secret Value, not its ID). Create a new one and use "Update secret".',
  },
  UNKNOWN_TENANT: {
    message: 'The directory (tenant) ID was not found.',
    fix: 'Copy the Directory (tenant) ID from the app registration\'s Overview page in the Entra admin center.',
  },
  UNKNOWN_CLIENT_ID: {
    message: 'No application with this client ID exists in the tenant.',
    fix: 'Copy the Application (client) ID from the app registration\'s Overview page, and check the tenant ID.',
  },
  GRAPH_PAYMENT_REQUIRED: {
    message: 'Microsoft Graph refused the call: the app must be associated with an Azure subscription for billing (HTTP 402).',
    fix: 'Link the app registration to an Azure subscription (Microsoft.GraphServices/accounts), or check the tenant\'s Teams API licensing.',
  },
  KALTURA_CREDENTIALS_REJECTED: {
    message: 'Kaltura rejected the partner credentials.',
    fix: 'Check the partner ID and the app token (ID and token) or admin secret in the Kaltura admin console (KMC > Settings > Integration Settings).',
  },
  CATEGORY_NOT_FOUND: {
    message: 'A category chosen for this integration does not exist in Kaltura.',
    fix: 'Create the category in KMC (Categories) with exactly this full name, or remove it from the integration\'s categories.',
  },
  GROUP_NOT_FOUND: {
    message: 'A group named in the upload scope does not exist.',
    fix: 'Check the group ids in the upload scope: Kaltura groups as in KMC (Users > Groups), Entra groups by their object id.',
  },
  DEFAULT_USER_NOT_FOUND: {
    message: 'The default Kaltura user for recordings does not exist.',
    fix: 'Create the user in KMC, or choose another default user.',
  },
  INTEGRATION_SETTINGS_INVALID: {
    message: "The integration's stored settings are no longer valid.",
    fix: 'Open the integration in the admin console, correct the field it names and save.',
  },
  MISSING_APPLICATION_PERMISSION: {
    message: "The application credentials are missing the 'Application.Read.All' permission, so the app cannot warn before the client secret expires.",
    fix: 'Optional: add the Microsoft Graph application permission Application.Read.All and grant admin consent.',
  },
  ENTRA_UNAVAILABLE: {
    message: 'Entra ID could not be reached to sign in.',
    fix: 'Usually passing: the app retries. If it lasts, check the app\'s outbound network and ENTRA_AUTHORITY_HOST.',
  },
  GRAPH_UNAVAILABLE: {
    message: 'Microsoft Graph could not be reached or answered with a server error.',
    fix: 'Usually passing: the app retries with backoff. If it lasts, check the app\'s outbound network and GRAPH_BASE_URL.',
  },
  GRAPH_THROTTLED: {
    message: 'Microsoft Graph asked the app to slow down (HTTP 429).',
    fix: 'Nothing to do: the app waits as long as Graph asks and tries again.',
  },
  GRAPH_TLS_UNTRUSTED: {
    message: "Microsoft Graph's certificate is not trusted by the app.",
    fix: 'A proxy that inspects TLS needs its certificate authority in EXTRA_CA_FILE; verification is never turned off.',
  },
  KALTURA_UNAVAILABLE: {
    message: 'Kaltura could not be reached or answered with a server error.',
    fix: 'Usually passing: the app retries with backoff. If it lasts, check the integration\'s Kaltura service URL and the app\'s outbound network.',
  },
  ORGANIZER_UNKNOWN: {
    message: 'Graph named no organizer for the meeting, so the recording has no owner to archive it for.',
    fix: 'Retry the recording from the Recordings panel; if it fails again, the meeting may have been deleted.',
  },
  JOB_STALLED: {
    message: 'The worker handling this recording stopped several times in the middle of it.',
    fix: 'Check that the app has enough memory and is not being restarted; then Retry the recording.',
  },
  BOT_USER_UNREACHABLE: {
    message: "The bot cannot message this person: the app is not installed for them, or they blocked the bot.",
    fix: 'Ask them to add the app in Teams (or install it for everyone with an app setup policy), or turn on proactive install for the integration.',
  },
  BOT_CONVERSATION_NOT_FOUND: {
    message: "The person's chat with the bot no longer exists.",
    fix: 'It comes back when they open the app in Teams again; nothing else to do.',
  },
  NOTIFIER_NOT_CONFIGURED: {
    message: 'No bot is configured, so nobody is sent a card.',
    fix: 'Set BOT_ID and BOT_PASSWORD (or BOT_TYPE=UserAssignedMsi) in the app settings and restart it.',
  },
  TEAMS_APP_ID_MISSING: {
    message: "Proactive install is on, but the app does not know its Teams app id, so it cannot find itself in the catalog.",
    fix: "Set TEAMS_APP_ID (the app package's manifest id) in the app settings and restart it, or turn proactive install off.",
  },
  BOT_AUTH_FAILED: {
    message: "Entra ID refused the bot's credentials.",
    fix: "Check BOT_ID, BOT_TENANT_ID and BOT_PASSWORD (create a new secret for the bot's app registration if it expired).",
  },
  BOT_UNAUTHORIZED: {
    message: "The Bot Connector refused the bot's token, or does not know the bot.",
    fix: 'Check that the Azure Bot resource uses this BOT_ID as its Microsoft App ID and has the Teams channel on.',
  },
  BOT_THROTTLED: {
    message: 'The Bot Connector asked the bot to slow down (HTTP 429).',
    fix: 'Nothing to do: the card is sent once the connector lets it, after the wait it asks for.',
  },
  BOT_TRANSIENT: {
    message: 'The Bot Connector or the token endpoint could not be reached or had an outage.',
    fix: 'Nothing to do: the card is retried with backoff.',
  },
  BOT_REJECTED: {
    message: 'The Bot Connector refused the card.',
    fix: 'The card is not retried; the message in the recording\'s history says why.',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type BlockingErrorCode = keyof typeof errorCatalogue;

export function describeError(code: string): CatalogueEntry | undefined {
  return (errorCatalogue as Record<string, CatalogueEntry>)[code];
}
