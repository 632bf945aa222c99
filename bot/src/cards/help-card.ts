import { commandLine, commandsFor } from './commands.js';
import { adaptiveCard, heading, textBlock, type CardResult } from './elements.js';

export interface HelpCardInput {
  isAdmin: boolean;
}

/** The answer to "help" (and to anything the bot does not understand). */
export function helpCard(input: HelpCardInput): CardResult {
  const commands = commandsFor(input.isAdmin);
  const card = adaptiveCard([
    heading('What I can do'),
    textBlock('I send you a card for each archived recording of a meeting you organised. You can also send me:'),
    ...commands.map((c) => textBlock(commandLine(c), { spacing: 'Small' })),
  ]);
  return { card, summary: `Commands: ${commands.map((c) => c.name).join(', ')}` };
}
