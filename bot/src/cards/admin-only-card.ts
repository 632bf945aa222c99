import { commandLine, commandsFor } from './commands.js';
import { adaptiveCard, heading, textBlock, type CardResult } from './elements.js';

/** The answer to "status" from someone who is not an admin: what they can send instead. */
export function adminOnlyCard(): CardResult {
  const card = adaptiveCard([
    heading('Only the archiver\'s admins can see its status'),
    textBlock('Admins are the people who hold the archiver\'s admin role and have signed in to its admin console. You can send me:'),
    ...commandsFor(false).map((c) => textBlock(commandLine(c), { spacing: 'Small' })),
  ]);
  return { card, summary: 'Only admins can see the status' };
}
