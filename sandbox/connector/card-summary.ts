/** What a person would read on an Adaptive Card: its first heading, its facts and its links. */
export interface CardSummary {
  title?: string;
  texts: string[];
  facts: Array<{ title: string; value: string }>;
  links: Array<{ title: string; url: string }>;
}

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Summaries of every Adaptive Card among an activity's attachments. */
export function summarizeCards(attachments: unknown[]): CardSummary[] {
  return attachments
    .filter((a): a is { contentType: string; content: unknown } => isObject(a) && a.contentType === ADAPTIVE_CARD_CONTENT_TYPE)
    .map((a) => summarizeCard(a.content));
}

export function summarizeCard(card: unknown): CardSummary {
  const summary: CardSummary = { texts: [], facts: [], links: [] };
  visit(card, summary);
  summary.title = summary.texts[0];
  return summary;
}

function visit(node: unknown, out: CardSummary): void {
  if (Array.isArray(node)) {
    for (const n of node) visit(n, out);
    return;
  }
  if (!isObject(node)) return;
  if (node.type === 'TextBlock' && typeof node.text === 'string') out.texts.push(node.text);
  if (node.type === 'FactSet' && Array.isArray(node.facts)) {
    for (const f of node.facts) {
      if (isObject(f)) out.facts.push({ title: String(f.title ?? ''), value: String(f.value ?? '') });
    }
  }
  if (node.type === 'Action.OpenUrl' && typeof node.url === 'string') {
    out.links.push({ title: String(node.title ?? node.url), url: node.url });
  }
  // containers nest elements under these keys (Container.items, ColumnSet.columns, ActionSet.actions, ...)
  for (const key of ['body', 'items', 'columns', 'actions', 'inlines', 'card']) {
    if (key in node) visit(node[key], out);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
