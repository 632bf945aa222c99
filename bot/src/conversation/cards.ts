import { helpCard, type CardResult } from '../cards/index.js';

export { helpCard, recentCard, statusCard, welcomeCard, type RecentItem, type StatusIntegration as StatusItem } from '../cards/index.js';
export type CardMessage = CardResult;

/** The answer to "status" from someone who is not an admin: what they may do instead. */
export function adminOnlyCard(input: { consoleUrl: string }): CardMessage {
  void input;
  const help = helpCard({ isAdmin: false });
  const body = (help.card.body as unknown[]) ?? [];
  return {
    card: { ...help.card, body: [{ type: 'TextBlock', text: 'Only the archiver\'s admins can see its status.', wrap: true, weight: 'Bolder' }, ...body] },
    summary: 'Only admins can see the status',
  };
}
