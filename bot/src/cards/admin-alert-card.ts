import { adaptiveCard, factSet, heading, openUrl, paragraphs, textBlock, type CardElement, type CardResult } from './elements.js';
import { calendarDaysBetween, escapeMarkdown, formatDate, formatDateTime, previewText } from './format.js';

export type AdminAlertKind = 'problem' | 'recovered' | 'secret-expiring';

export interface AdminAlertCardInput {
  kind: AdminAlertKind;
  integrationName: string;
  /** the error catalogue's code (api/src/integrations/error-catalogue.ts); for 'recovered', the problem that ended */
  code: string | null;
  message: string | null;
  /** may hold line breaks and PowerShell lines */
  fix: string | null;
  consoleUrl: string;
  /** ISO 8601, when the health changed */
  at: string;
  /** ISO 8601; for 'secret-expiring' */
  secretExpiresAt?: string;
  timeZone?: string;
}

/** An alert for an admin: an integration stopped archiving, archives again, or its client secret nears expiry. */
export function adminAlertCard(input: AdminAlertCardInput): CardResult {
  const name = escapeMarkdown(input.integrationName.trim() || 'An integration');
  const plainName = previewText(input.integrationName.trim() || 'An integration', 60);
  const when = escapeMarkdown(formatDateTime(input.at, { timeZone: input.timeZone }));
  const actions = openUrl('Open the admin console', input.consoleUrl);

  if (input.kind === 'recovered') {
    const facts = [{ title: 'Since', value: when }];
    if (input.code) facts.push({ title: 'Resolved problem', value: escapeMarkdown(input.code) });
    const card = adaptiveCard(
      [
        heading(`${name} is archiving again`, 'Good'),
        textBlock('The problem is resolved: new recordings are being archived in Kaltura again.'),
        factSet(facts),
      ],
      actions,
    );
    return { card, summary: `${plainName} is archiving again` };
  }

  if (input.kind === 'secret-expiring') {
    const expires = input.secretExpiresAt ? formatDate(input.secretExpiresAt, { timeZone: input.timeZone }) : null;
    const days = input.secretExpiresAt ? calendarDaysBetween(input.at, input.secretExpiresAt, input.timeZone) : null;
    const title = expires && days !== null ? `The client secret of ${name} expires on ${escapeMarkdown(expires)}` : `The client secret of ${name} expires soon`;
    const left = daysLeft(days);
    const card = adaptiveCard(
      [
        heading(title, 'Warning'),
        ...(left ? [textBlock(left, { weight: 'Bolder', color: 'Warning', spacing: 'Small' })] : []),
        ...paragraphs(input.message),
        ...howToFix(input.fix),
        ...codeFacts(input.code, when),
      ],
      actions,
    );
    const summaryWhen = days === null ? 'soon' : days <= 0 ? (days < 0 ? 'has expired' : 'today') : `in ${days} day${days === 1 ? '' : 's'}`;
    return { card, summary: `The client secret of ${plainName} ${days !== null && days < 0 ? summaryWhen : `expires ${summaryWhen}`}` };
  }

  const card = adaptiveCard(
    [
      heading(`${name} has stopped archiving`, 'Attention'),
      ...paragraphs(input.message),
      ...howToFix(input.fix),
      ...codeFacts(input.code, when),
    ],
    actions,
  );
  return { card, summary: previewText(`${plainName} has stopped archiving${input.message ? `: ${input.message}` : ''}`) };
}

function daysLeft(days: number | null): string | null {
  if (days === null) return null;
  if (days < 0) return 'It has already expired: archiving stops until the secret is replaced.';
  if (days === 0) return 'It expires today.';
  return days === 1 ? '1 day left.' : `${days} days left.`;
}

function howToFix(fix: string | null): CardElement[] {
  const lines = paragraphs(fix);
  return lines.length === 0 ? [] : [textBlock('How to fix', { weight: 'Bolder', spacing: 'Medium' }), ...lines];
}

function codeFacts(code: string | null, when: string): CardElement[] {
  const facts = [{ title: 'When', value: when }];
  if (code) facts.unshift({ title: 'Error code', value: escapeMarkdown(code) });
  return [factSet(facts)];
}
