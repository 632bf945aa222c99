import { commandLine, commandsFor } from './commands.js';
import { adaptiveCard, heading, openUrl, textBlock, type CardElement, type CardResult } from './elements.js';

export interface WelcomeCardInput {
  isAdmin: boolean;
  /** the admin console (the Teams tab or its web address) */
  consoleUrl: string;
}

/** The first message after the app is installed: what the bot will send, and what it understands. */
export function welcomeCard(input: WelcomeCardInput): CardResult {
  const body: CardElement[] = [
    heading('Welcome to the Kaltura recording archiver'),
    textBlock(
      'When a Teams meeting you organised (or, where your organization archives calls, a Teams call you started) is recorded and the recording is archived in Kaltura, I send you a card here ' +
        'with its details and a link to watch it. When the transcript follows, I update that card.',
    ),
    textBlock('Commands you can send me', { weight: 'Bolder', spacing: 'Medium' }),
    ...commandsFor(input.isAdmin).map((c) => textBlock(commandLine(c), { spacing: 'Small' })),
  ];
  if (input.isAdmin) {
    body.push(
      textBlock('For admins', { weight: 'Bolder', spacing: 'Medium' }),
      textBlock(
        'You will also get an alert here when an integration stops archiving, when it is archiving again, ' +
          'and when its client secret is about to expire.',
        { spacing: 'Small' },
      ),
    );
  }
  const card = adaptiveCard(body, input.isAdmin ? openUrl('Open the admin console', input.consoleUrl) : []);
  return { card, summary: 'I will tell you here when your meeting recordings are archived in Kaltura' };
}
