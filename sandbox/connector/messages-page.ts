import { summarizeCards } from './card-summary.js';
import { CHANNEL_KINDS, type CapturedActivity } from './connector-store.js';

export interface PagePerson {
  aadObjectId: string;
  name: string;
  userPrincipalName: string;
  installed: boolean;
}

export interface MessagesPage {
  people: PagePerson[];
  captured: CapturedActivity[];
  selected?: PagePerson;
  messagingEndpoint: string | null;
  /** the outcome of the form just posted */
  notice?: string;
}

/**
 * The sandbox's stand-in for each person's Teams chat with the bot, newest first: the bot's cards on
 * the left, the person's own messages on the right, installs and uninstalls in between; and small
 * forms to act as the person. Refreshes itself so a demo shows messages as they arrive.
 */
export function renderMessagesPage(page: MessagesPage): string {
  const { people, selected } = page;
  const activities = asTeamsShowsThem(page.captured);
  const shown = activities
    .filter((a) => !selected || a.recipient.aadObjectId.toLowerCase() === selected.aadObjectId.toLowerCase())
    .slice()
    .reverse();
  const count = (p: PagePerson): number => activities.filter((a) => a.recipient.aadObjectId === p.aadObjectId).length;
  const nav = [
    link('./', `Everyone (${activities.length})`, !selected),
    ...people.map((p) => link(`./?user=${encodeURIComponent(p.aadObjectId)}`, `${p.name} (${count(p)})`, p === selected)),
  ].join(' · ');
  const items = shown.length
    ? `<ol class="chat">\n${shown.map(renderItem).join('\n')}\n</ol>`
    : '<p class="empty">No messages from the bot yet.</p>';
  const notice = page.notice ? `<p class="notice" role="status">${esc(page.notice)}</p>` : '';
  const title = `Bot messages${selected ? ` for ${esc(selected.name)}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<noscript><meta http-equiv="refresh" content="3"></noscript>
<title>${title} · sandbox Bot Connector</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:52rem;color:#242424}
nav{margin-bottom:1.5rem;line-height:1.8} nav a{color:#5b5fc7} nav a.on{font-weight:700;color:#242424;text-decoration:none}
.notice{background:#f0f0ff;border-left:4px solid #5b5fc7;padding:.5rem .8rem}
.act{border:1px solid #e0e0e0;border-radius:8px;padding:.5rem 1rem 1rem;margin-bottom:1.5rem}
.act h2{font-size:1rem} .act form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
.act input[type=text],.act input[type=url]{flex:1;min-width:14rem;padding:.3rem}
button{padding:.35rem .9rem;border-radius:4px;border:1px solid #5b5fc7;background:#5b5fc7;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#5b5fc7}
.chat{list-style:none;padding:0;margin:0;display:flex;flex-direction:column}
.msg{border:1px solid #e0e0e0;border-radius:8px;padding:1rem;margin:.6rem 0;box-shadow:0 1px 2px #0001;max-width:80%}
.msg.bot{align-self:flex-start} .msg.user{align-self:flex-end;background:#e8ebfa;border-color:#c5cbfa}
.event{align-self:center;font-size:.85rem;color:#616161;margin:.6rem 0}
.meta{font-size:.8rem;color:#616161;margin-bottom:.5rem} .msg h3{font-size:1.1rem;margin:.2rem 0 .6rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0} dt{color:#616161} dd{margin:0}
.btn{display:inline-block;margin-top:.5rem;padding:.35rem .9rem;border-radius:4px;background:#5b5fc7;color:#fff;text-decoration:none}
.empty{color:#616161}
</style></head><body>
<h1>${title}</h1>
<nav aria-label="People">${nav}</nav>
${notice}
${renderForms(page)}
<section aria-labelledby="chat-heading">
<h2 id="chat-heading">Messages, newest first</h2>
${items}
</section>
<script>
// reloads like the refresh above, but never while someone is typing into a form
setInterval(function () {
  var active = document.activeElement;
  if (active && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(active.tagName)) return;
  var typing = Array.prototype.some.call(document.querySelectorAll('input[type=text]'), function (i) { return i.value !== ''; });
  if (!typing) location.reload();
}, 3000);
</script>
</body></html>`;
}

/** Forms posting to the control routes, which answer a form with a redirect back here. */
function renderForms(page: MessagesPage): string {
  const { selected, people } = page;
  const who = selected ? esc(selected.name) : 'a person';
  const personField = (form: string): string =>
    selected
      ? `<input type="hidden" name="user" value="${esc(selected.aadObjectId)}">`
      : `<input type="hidden" name="view" value="everyone">
<label for="${form}-user">Person</label>
<select id="${form}-user" name="user">${people
          .map((p) => `<option value="${esc(p.aadObjectId)}">${esc(p.name)}${p.installed ? '' : ' (app not installed)'}</option>`)
          .join('')}</select>`;
  const state = selected
    ? `<p>${esc(selected.name)} ${selected.installed ? 'has the app installed.' : 'has not installed the app: the bot cannot message them.'}</p>`
    : '';
  const endpoint = page.messagingEndpoint
    ? `<p>The channel posts to the bot at <code>${esc(page.messagingEndpoint)}</code>.</p>`
    : '<p>No messaging endpoint is set: save the bot\'s below before installing the app or writing to the bot.</p>';
  const view = selected ? '' : '<input type="hidden" name="view" value="everyone">';
  return `<section class="act" aria-labelledby="act-heading">
<h2 id="act-heading">Act as ${who} in Teams</h2>
${state}${endpoint}
<form method="post" action="/__control/say">
${personField('say')}
<label for="say-text">Message to the bot</label>
<input id="say-text" name="text" type="text" required autocomplete="off">
<button type="submit">Send</button>
</form>
<form method="post" action="/__control/install">
${personField('install')}
<button type="submit">Install the app${selected ? ` for ${esc(selected.name)}` : ''}</button>
</form>
<form method="post" action="/__control/uninstall">
${personField('uninstall')}
<button type="submit" class="secondary">Uninstall the app${selected ? ` for ${esc(selected.name)}` : ''}</button>
</form>
<form method="post" action="/__control/settings">
${selected ? `<input type="hidden" name="user" value="${esc(selected.aadObjectId)}">` : view}
<label for="messaging-endpoint">Bot messaging endpoint</label>
<input id="messaging-endpoint" name="messagingEndpoint" type="url" value="${esc(page.messagingEndpoint ?? '')}" placeholder="http://127.0.0.1:3978/api/messages">
<button type="submit" class="secondary">Save endpoint</button>
</form>
</section>`;
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

function renderItem(a: Shown): string {
  if (a.kind === 'inbound') return renderPersonMessage(a);
  if (CHANNEL_KINDS.has(a.kind)) return renderEvent(a);
  return renderBotMessage(a);
}

function renderBotMessage(a: Shown): string {
  const cards = summarizeCards(a.attachments);
  const updated = a.updatedAt ? ` · updated ${esc(a.updatedAt)}` : '';
  const meta = `${esc(a.timestamp)} · to ${esc(a.recipient.name)} · ${esc(a.kind)}${a.type !== 'message' ? ` · ${esc(a.type)}` : ''}${updated}`;
  const text = a.text ? `<p>${esc(a.text)}</p>` : '';
  const body = cards
    .map((c) => {
      const title = c.title ? `<h3>${md(c.title)}</h3>` : '';
      const rest = c.texts.slice(1).map((t) => `<p>${md(t)}</p>`).join('');
      const facts = c.facts.length
        ? `<dl>${c.facts.map((f) => `<dt>${md(f.title)}</dt><dd>${md(f.value)}</dd>`).join('')}</dl>`
        : '';
      const links = c.links.map((l) => (isWebUrl(l.url) ? `<a class="btn" href="${esc(l.url)}" target="_blank" rel="noopener">${esc(l.title)}</a>` : `<span>${esc(l.title)}: ${esc(l.url)}</span>`)).join(' ');
      return title + rest + facts + links;
    })
    .join('');
  return `<li class="msg bot"><div class="meta">${meta}</div>${text}${body}</li>`;
}

function renderPersonMessage(a: Shown): string {
  const meta = `${esc(a.timestamp)} · from ${esc(a.recipient.name)} · ${esc(deliveryText(a))}`;
  return `<li class="msg user"><div class="meta">${meta}</div><p>${esc(a.text ?? '')}</p></li>`;
}

function renderEvent(a: Shown): string {
  const name = a.recipient.name;
  const what =
    a.kind === 'uninstall'
      ? `${name} uninstalled the app`
      : a.type === 'conversationUpdate'
        ? `The bot joined ${name}'s chat`
        : `${name} installed the app`;
  return `<li class="event">${esc(a.timestamp)} · ${esc(what)} (${esc(a.type)}) · ${esc(deliveryText(a))}</li>`;
}

function deliveryText(a: CapturedActivity): string {
  if (!a.delivery) return 'posting to the bot…';
  return a.delivery.status === null ? `not delivered: ${a.delivery.error ?? 'no answer'}` : `the bot answered ${a.delivery.status}`;
}

function link(href: string, label: string, on: boolean): string {
  return `<a href="${esc(href)}"${on ? ' class="on"' : ''}>${esc(label)}</a>`;
}

/** Only http(s) links become clickable: a card's url is data from the bot, not trusted markup. */
function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * Card text as Teams shows it: the markdown subset Adaptive Cards allow, reduced to what the bot uses
 * (backslash escapes, **bold**); anything else stays literal text. Escaped first, so nothing from a
 * card becomes markup.
 */
function md(s: string): string {
  const held: string[] = [];
  // escaped characters are set aside so that an escaped * never closes a bold run
  const plain = s.replace(/\\([\\`*_{}\[\]()#+\-.!<>|~])/g, (_m, c: string) => `\u0000${held.push(c) - 1}\u0000`);
  return esc(plain)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\u0000(\d+)\u0000/g, (_m, i: string) => esc(held[Number(i)]!));
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
