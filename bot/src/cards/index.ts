/** The bot's Adaptive Cards: pure functions from what happened to `{ card, summary }`. */
export { archivedCard, type ArchivedCardInput } from './archived-card.js';
export { welcomeCard, type WelcomeCardInput } from './welcome-card.js';
export { adminAlertCard, type AdminAlertCardInput, type AdminAlertKind } from './admin-alert-card.js';
export { helpCard, type HelpCardInput } from './help-card.js';
export { adminOnlyCard } from './admin-only-card.js';
export { recentCard, RECENT_LIMIT, type RecentCardInput, type RecentItem } from './recent-card.js';
export { statusCard, type StatusCardInput, type StatusIntegration } from './status-card.js';
export { BOT_COMMANDS, commandsFor, type BotCommand } from './commands.js';
export type { CardResult } from './elements.js';
export { escapeMarkdown } from './format.js';
