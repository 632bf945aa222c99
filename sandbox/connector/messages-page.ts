import { summarizeCards } from './card-summary.js';
import type { CapturedActivity } from './connector-store.js';

export interface PagePerson {
  aadObjectId: string;
  name: string;
  userPrincipalName: string;
}

/**
 * The sandbox's stand-in for each person's Teams chat with the bot: the cards the bot sent, newest
 * first, for one person or everyone. Refreshes itself so a demo shows messages as they arrive.
 */
export function renderMessagesPage(people: PagePerson[], captured: CapturedActivity[], selected?: PagePerson): string {
  const activities = asTeamsShowsThem(captured);
  const shown = activities
    .filter((a) => !selected || a.recipient.aadObjectId.toLowerCase() === selected.aadObjectId.toLowerCase())
    .slice()
    .reverse();
  const count = (p: PagePerson): number => activities.filter((a) => a.recipient.aadObjectId === p.aadObjectId).length;
  const nav = [
    link('./', `Everyone (${activities.length})`, !selected),
    ...people.map((p) => link(`./?user=${encodeURIComponent(p.aadObjectId)}`, `${p.name} (${count(p)})`, p === selected)),
  ].join(' · ');
  const items = shown.length ? shown.map(renderActivity).join('\n') : '<p class="empty">No messages from the bot yet.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="3">
<title>Bot messages${selected ? ` for ${esc(selected.name)}` : ''} · sandbox Bot Connector</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:52rem;color:#242424}
nav{margin-bottom:1.5rem;line-height:1.8} nav a{color:#5b5fc7} nav a.on{font-weight:700;color:#242424;text-decoration:none}
.msg{border:1px solid #e0e0e0;border-radius:8px;padding:1rem;margin:1rem 0;box-shadow:0 1px 2px #0001}
.meta{font-size:.8rem;color:#616161;margin-bottom:.5rem} h2{font-size:1.1rem;margin:.2rem 0 .6rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0} dt{color:#616161} dd{margin:0}
.btn{display:inline-block;margin-top:.5rem;padding:.35rem .9rem;border-radius:4px;background:#5b5fc7;color:#fff;text-decoration:none}
.empty{color:#616161}
</style></head><body>
<h1>Bot messages${selected ? ` for ${esc(selected.name)}` : ''}</h1>
<nav>${nav}</nav>
${items}
</body></html>`;
}

type Shown = CapturedActivity & { updatedAt?: string };

/** As a chat shows them: each message once, in its latest version (an update changes it in place). */
function asTeamsShowsThem(captured: CapturedActivity[]): Shown[] {
  const shown: Shown[] = [];
  for (const a of captured) {
    const original = a.kind === 'update' ? shown.findIndex((x) => x.conversation.id === a.conversation.id && x.id === a.id) : -1;
    if (original < 0) shown.push(a);
    else shown[original] = { ...a, kind: shown[original]!.kind, timestamp: shown[original]!.timestamp, updatedAt: a.timestamp };
  }
  return shown;
}

function renderActivity(a: Shown): string {
  const cards = summarizeCards(a.attachments);
  const updated = a.updatedAt ? ` · updated ${esc(a.updatedAt)}` : '';
  const meta = `${esc(a.timestamp)} · to ${esc(a.recipient.name)} · ${esc(a.kind)}${a.type !== 'message' ? ` · ${esc(a.type)}` : ''}${updated}`;
  const text = a.text ? `<p>${esc(a.text)}</p>` : '';
  const body = cards
    .map((c) => {
      const title = c.title ? `<h2>${esc(c.title)}</h2>` : '';
      const rest = c.texts.slice(1).map((t) => `<p>${esc(t)}</p>`).join('');
      const facts = c.facts.length
        ? `<dl>${c.facts.map((f) => `<dt>${esc(f.title)}</dt><dd>${esc(f.value)}</dd>`).join('')}</dl>`
        : '';
      const links = c.links.map((l) => (isWebUrl(l.url) ? `<a class="btn" href="${esc(l.url)}" target="_blank" rel="noopener">${esc(l.title)}</a>` : `<span>${esc(l.title)}: ${esc(l.url)}</span>`)).join(' ');
      return title + rest + facts + links;
    })
    .join('');
  return `<div class="msg"><div class="meta">${meta}</div>${text}${body}</div>`;
}

function link(href: string, label: string, on: boolean): string {
  return `<a href="${esc(href)}"${on ? ' class="on"' : ''}>${esc(label)}</a>`;
}

/** Only http(s) links become clickable: a card's url is data from the bot, not trusted markup. */
function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
