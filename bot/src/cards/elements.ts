import { escapeMarkdown, isWebUrl } from './format.js';

/**
 * The few Adaptive Card 1.4 building blocks the bot's cards use. Every TextBlock wraps (Teams cuts a
 * non-wrapping one at the card's width) and the only action is Action.OpenUrl: the bot has no
 * handler for Action.Submit, so a submit button would do nothing.
 */
export type CardElement = Record<string, unknown>;

/** What every card function returns: the card, and the text a notification or the chat list previews. */
export interface CardResult {
  card: Record<string, unknown>;
  summary: string;
}

export type TextColor = 'Default' | 'Good' | 'Warning' | 'Attention' | 'Accent';

export interface TextOptions {
  weight?: 'Bolder' | 'Lighter';
  size?: 'Small' | 'Medium' | 'Large';
  color?: TextColor;
  isSubtle?: boolean;
  fontType?: 'Monospace';
  spacing?: 'None' | 'Small' | 'Medium' | 'Large';
  separator?: boolean;
}

/** A TextBlock; `markdown` is put in as it is, so user data must already have gone through escapeMarkdown. */
export function textBlock(markdown: string, options: TextOptions = {}): CardElement {
  return { type: 'TextBlock', text: markdown, wrap: true, ...options };
}

export function heading(markdown: string, color?: TextColor): CardElement {
  return textBlock(markdown, { weight: 'Bolder', size: 'Medium', ...(color ? { color } : {}) });
}

export function factSet(facts: Array<{ title: string; value: string }>): CardElement {
  return { type: 'FactSet', facts };
}

export function container(items: CardElement[], options: { separator?: boolean; spacing?: TextOptions['spacing'] } = {}): CardElement {
  return { type: 'Container', items, ...options };
}

/** An Action.OpenUrl, or none when the URL is not an http(s) one (a button that cannot open is worse than no button). */
export function openUrl(title: string, url: string | null | undefined): CardElement[] {
  return isWebUrl(url) ? [{ type: 'Action.OpenUrl', title, url }] : [];
}

/** Buttons inside the body, e.g. one per listed recording. */
export function actionSet(actions: CardElement[]): CardElement[] {
  return actions.length === 0 ? [] : [{ type: 'ActionSet', actions }];
}

/** The card envelope Teams expects: 1.4, which every current Teams client renders. */
export function adaptiveCard(body: CardElement[], actions: CardElement[] = []): Record<string, unknown> {
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(actions.length > 0 ? { actions } : {}),
  };
}

/** PowerShell cmdlets (Verb-Noun), variables and prompts: lines an admin copies, shown in a fixed-width font. */
const CODE_LINE = /^(PS>|\$|[A-Z][a-z]+-[A-Z][A-Za-z]+(\s|$))/;

/**
 * Multi-line text such as a fix: one TextBlock per non-empty line (a single "\n" is not a line break
 * in card markdown), code-like lines in Monospace, every line escaped.
 */
export function paragraphs(text: string | null | undefined, options: TextOptions = {}): CardElement[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line, i) =>
      textBlock(escapeMarkdown(line), {
        ...options,
        ...(CODE_LINE.test(line) ? { fontType: 'Monospace' as const } : {}),
        ...(i > 0 ? { spacing: 'Small' as const } : {}),
      }),
    );
}
