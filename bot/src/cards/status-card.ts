import { adaptiveCard, container, heading, openUrl, paragraphs, textBlock, type CardElement, type CardResult, type TextColor } from './elements.js';
import { escapeMarkdown, formatDateTime } from './format.js';

export interface StatusIntegration {
  name: string;
  enabled: boolean;
  state: 'ok' | 'warning' | 'error';
  code: string | null;
  message: string | null;
  fix: string | null;
  /** ISO 8601; null when it never archived anything */
  lastSuccessAt: string | null;
}

export interface StatusCardInput {
  integrations: StatusIntegration[];
  consoleUrl: string;
  timeZone?: string;
}

type Shown = 'OK' | 'Warning' | 'Error' | 'Disabled';

/** A disabled integration archives nothing whatever its last health was, so "Disabled" wins over the state. */
function shownState(i: StatusIntegration): Shown {
  if (!i.enabled) return 'Disabled';
  return i.state === 'error' ? 'Error' : i.state === 'warning' ? 'Warning' : 'OK';
}

const COLOURS: Record<Shown, TextColor> = { OK: 'Good', Warning: 'Warning', Error: 'Attention', Disabled: 'Default' };

/** The answer to "status" (admins only): each integration's state, what is wrong and how to fix it. */
export function statusCard(input: StatusCardInput): CardResult {
  const body: CardElement[] = [heading('Integration status')];
  if (input.integrations.length === 0) body.push(textBlock('No integrations are set up yet. Create one in the admin console.'));
  input.integrations.forEach((integration, i) => body.push(integrationBlock(integration, i > 0, input.timeZone)));

  const card = adaptiveCard(body, openUrl('Open the admin console', input.consoleUrl));
  return { card, summary: summarize(input.integrations) };
}

function integrationBlock(i: StatusIntegration, separator: boolean, timeZone: string | undefined): CardElement {
  const state = shownState(i);
  const items: CardElement[] = [
    {
      type: 'ColumnSet',
      columns: [
        { type: 'Column', width: 'stretch', items: [textBlock(escapeMarkdown(i.name), { weight: 'Bolder' })] },
        {
          type: 'Column',
          width: 'auto',
          items: [textBlock(state, { weight: 'Bolder', color: COLOURS[state], ...(state === 'Disabled' ? { isSubtle: true } : {}) })],
        },
      ],
    },
  ];
  if (i.state !== 'ok') {
    items.push(...paragraphs(i.message, { spacing: 'Small' }));
    const fix = paragraphs(i.fix, { isSubtle: true });
    if (fix.length > 0) items.push(textBlock('How to fix', { weight: 'Bolder', spacing: 'Small' }), ...fix);
    if (i.code) items.push(textBlock(`Code: ${escapeMarkdown(i.code)}`, { isSubtle: true, size: 'Small', spacing: 'Small' }));
  }
  const last = i.lastSuccessAt ? escapeMarkdown(formatDateTime(i.lastSuccessAt, { timeZone })) : 'never';
  items.push(textBlock(`Last archived: ${last}`, { isSubtle: true, size: 'Small', spacing: 'Small' }));
  return container(items, { separator, spacing: 'Medium' });
}

/** "3 integrations: 1 Error, 2 OK" — the worst first, because that is what the admin opens the card for. */
function summarize(integrations: StatusIntegration[]): string {
  if (integrations.length === 0) return 'No integrations are set up yet';
  const order: Shown[] = ['Error', 'Warning', 'OK', 'Disabled'];
  const counts = order
    .map((s) => [s, integrations.filter((i) => shownState(i) === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const noun = integrations.length === 1 ? 'integration' : 'integrations';
  return `${integrations.length} ${noun}: ${counts.join(', ')}`;
}
