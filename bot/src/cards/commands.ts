/** The bot's commands, one line each; welcome and help list the same ones so they cannot drift apart. */
export interface BotCommand {
  name: string;
  does: string;
  adminOnly: boolean;
}

export const BOT_COMMANDS: readonly BotCommand[] = [
  { name: 'help', does: 'what I can do and the commands I understand', adminOnly: false },
  { name: 'recent', does: 'your 5 most recently archived recordings, with links', adminOnly: false },
  { name: 'status', does: 'how each integration is doing, and how to fix one that is not', adminOnly: true },
];

/** The commands a person may use: status is for admins only, so others are not shown it. */
export function commandsFor(isAdmin: boolean): BotCommand[] {
  return BOT_COMMANDS.filter((c) => isAdmin || !c.adminOnly);
}

/** "**recent**: your 5 most recently archived recordings, with links" (names are ours, not user data). */
export function commandLine(c: BotCommand): string {
  return `**${c.name}**: ${c.does}`;
}
