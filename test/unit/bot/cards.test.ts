import assert from 'node:assert/strict';
import { describeError } from '../../../api/src/integrations/error-catalogue.js';
import {
  adminAlertCard,
  archivedCard,
  helpCard,
  recentCard,
  statusCard,
  welcomeCard,
  type ArchivedCardInput,
  type CardResult,
  type RecentItem,
  type StatusIntegration,
} from '../../../bot/src/cards/index.js';
import { summarizeCard, type CardSummary } from '../../../sandbox/connector/card-summary.js';

// ---------------------------------------------------------------------------------------------
// A structural checker for the Adaptive Card 1.4 subset the bot may send. Teams drops a card it
// cannot parse without telling the sender, so the shape is checked here rather than in Teams.
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const SPACING = ['None', 'Small', 'Default', 'Medium', 'Large', 'ExtraLarge', 'Padding'];
const ALLOWED: Record<string, Record<string, (v: unknown) => boolean>> = {
  TextBlock: {
    text: (v) => typeof v === 'string' && v.trim() !== '',
    wrap: (v) => v === true,
    weight: (v) => ['Default', 'Lighter', 'Bolder'].includes(v as string),
    size: (v) => ['Default', 'Small', 'Medium', 'Large', 'ExtraLarge'].includes(v as string),
    color: (v) => ['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention'].includes(v as string),
    isSubtle: (v) => typeof v === 'boolean',
    fontType: (v) => ['Default', 'Monospace'].includes(v as string),
    spacing: (v) => SPACING.includes(v as string),
    separator: (v) => typeof v === 'boolean',
  },
  FactSet: { facts: (v) => Array.isArray(v) && v.length > 0, spacing: (v) => SPACING.includes(v as string), separator: (v) => typeof v === 'boolean' },
  Container: { items: Array.isArray, spacing: (v) => SPACING.includes(v as string), separator: (v) => typeof v === 'boolean', selectAction: () => true },
  ColumnSet: { columns: Array.isArray, spacing: (v) => SPACING.includes(v as string), separator: (v) => typeof v === 'boolean' },
  Column: { items: Array.isArray, width: (v) => ['auto', 'stretch'].includes(v as string) || typeof v === 'number', spacing: (v) => SPACING.includes(v as string) },
  ActionSet: { actions: (v) => Array.isArray(v) && v.length > 0, spacing: (v) => SPACING.includes(v as string) },
  Image: { url: (v) => isWebUrl(v), altText: (v) => typeof v === 'string', size: () => true },
};
const REQUIRED: Record<string, string[]> = {
  TextBlock: ['text', 'wrap'],
  FactSet: ['facts'],
  Container: ['items'],
  ColumnSet: ['columns'],
  Column: ['items'],
  ActionSet: ['actions'],
  Image: ['url'],
};

function isWebUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Every problem found, with where it is; empty means the card is valid. */
function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(card)) return ['the card is not an object'];
  if (card.type !== 'AdaptiveCard') problems.push(`type is ${String(card.type)}`);
  if (card.version !== '1.4') problems.push(`version is ${String(card.version)}`);
  if (card.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') problems.push('no $schema');
  for (const key of Object.keys(card)) {
    if (!['type', 'version', '$schema', 'body', 'actions'].includes(key)) problems.push(`unknown card property ${key}`);
  }
  if (!Array.isArray(card.body) || card.body.length === 0) problems.push('body is not a non-empty array');
  else card.body.forEach((e, i) => checkElement(e, `body[${i}]`, problems));
  if ('actions' in card) checkActions(card.actions, 'actions', problems);
  return problems;
}

function checkElement(el: unknown, where: string, problems: string[]): void {
  if (!isObject(el)) return void problems.push(`${where} is not an object`);
  const type = String(el.type);
  const allowed = ALLOWED[type];
  if (!allowed) return void problems.push(`${where} has unknown type ${type}`);
  for (const key of REQUIRED[type] ?? []) if (!(key in el)) problems.push(`${where} (${type}) lacks ${key}`);
  for (const [key, value] of Object.entries(el)) {
    if (key === 'type') continue;
    const check = allowed[key];
    if (!check) problems.push(`${where} (${type}) has unknown property ${key}`);
    else if (!check(value)) problems.push(`${where} (${type}).${key} is invalid: ${JSON.stringify(value)}`);
  }
  if (type === 'FactSet' && Array.isArray(el.facts)) {
    el.facts.forEach((f, i) => {
      if (!isObject(f) || typeof f.title !== 'string' || typeof f.value !== 'string' || f.value.trim() === '')
        problems.push(`${where}.facts[${i}] is not a { title, value } of strings`);
    });
  }
  if (type === 'Container' && Array.isArray(el.items)) el.items.forEach((e, i) => checkElement(e, `${where}.items[${i}]`, problems));
  if (type === 'Container' && 'selectAction' in el) checkActions([el.selectAction], `${where}.selectAction`, problems);
  if (type === 'Column' && Array.isArray(el.items)) el.items.forEach((e, i) => checkElement(e, `${where}.items[${i}]`, problems));
  if (type === 'ColumnSet' && Array.isArray(el.columns)) {
    el.columns.forEach((c, i) => {
      if (!isObject(c) || c.type !== 'Column') problems.push(`${where}.columns[${i}] is not a Column`);
      else checkElement(c, `${where}.columns[${i}]`, problems);
    });
  }
  if (type === 'ActionSet') checkActions(el.actions, `${where}.actions`, problems);
}

function checkActions(actions: unknown, where: string, problems: string[]): void {
  if (!Array.isArray(actions) || actions.length === 0) return void problems.push(`${where} is not a non-empty array`);
  actions.forEach((a, i) => {
    if (!isObject(a) || a.type !== 'Action.OpenUrl') return void problems.push(`${where}[${i}] is ${isObject(a) ? String(a.type) : 'not an object'}, not Action.OpenUrl`);
    if (typeof a.title !== 'string' || a.title.trim() === '') problems.push(`${where}[${i}] has no title`);
    if (!isWebUrl(a.url)) problems.push(`${where}[${i}] url is not http(s): ${String(a.url)}`);
  });
}

function assertValid(result: CardResult): void {
  assert.deepEqual(cardProblems(result.card), [], JSON.stringify(result.card, null, 2));
  assert.equal(typeof result.summary, 'string');
  assert.ok(result.summary.trim() !== '', 'the summary is empty');
  assert.ok(result.summary.length <= 120, `the summary is too long for a preview: ${result.summary}`);
  assert.doesNotMatch(result.summary, /\n/);
}

/** What a person reads: markdown backslash escapes are not shown. */
const shown = (markdown: string): string => markdown.replace(/\\(.)/g, '$1');

interface Read extends CardSummary {
  texts: string[];
  fact: (title: string) => string | undefined;
}

/** Validates the card, then reads it as a person would (via the sandbox's own summariser). */
function read(result: CardResult): Read {
  assertValid(result);
  const s = summarizeCard(result.card);
  const texts = s.texts.map(shown);
  const facts = s.facts.map((f) => ({ title: shown(f.title), value: shown(f.value) }));
  return { ...s, title: texts[0], texts, facts, fact: (title) => facts.find((f) => f.title === title)?.value };
}

// Every assert.ok below carries a message: when one without a message fails, Node re-reads this file to
// quote the expression, and under tsx that stalled the run for over ten minutes.
function hasText(c: Read, text: string): void {
  assert.ok(c.texts.includes(text), `expected ${JSON.stringify(text)} among ${JSON.stringify(c.texts)}`);
}
function lacksText(c: Read, text: string): void {
  assert.ok(!c.texts.includes(text), `did not expect ${JSON.stringify(text)} among ${JSON.stringify(c.texts)}`);
}
function hasTextStarting(c: Read, start: string): void {
  assert.ok(c.texts.some((t) => t.startsWith(start)), `expected a text starting ${JSON.stringify(start)} among ${JSON.stringify(c.texts)}`);
}

/** All TextBlocks of a card, raw (for colour, font and escaping checks). */
function textBlocks(card: unknown): Json[] {
  const found: Json[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!isObject(n)) return;
    if (n.type === 'TextBlock') found.push(n);
    for (const v of Object.values(n)) if (typeof v === 'object') visit(v);
  };
  visit(card);
  return found;
}

/** True when every markup character in `markdown` is backslash-escaped. */
function fullyEscaped(markdown: string): boolean {
  for (let i = 0; i < markdown.length; i++) {
    const c = markdown[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if ('[]*_`{}<>#~'.includes(c)) return false;
  }
  return true;
}

const archived = (overrides: Partial<ArchivedCardInput> = {}): CardResult =>
  archivedCard({
    subject: 'Quarterly business review',
    startDateTime: '2026-12-01T14:00:00Z',
    durationMinutes: 65,
    transcriptAttached: false,
    publishedTo: ['MediaSpace>site>channels>Teams'],
    entryId: '1_abc123',
    entryUrl: 'https://kaltura.example/media/t/1_abc123',
    timeZone: 'Europe/London',
    ...overrides,
  });

describe('bot cards', () => {
  describe('the structural checker', () => {
    it('rejects what Teams would not render or the bot cannot handle', () => {
      const good = { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'x', wrap: true }] };
      assert.deepEqual(cardProblems(good), []);
      assert.match(cardProblems({ ...good, version: '1.5' }).join(), /version is 1.5/);
      assert.match(cardProblems({ ...good, body: [{ type: 'TextBlock', text: 'x' }] }).join(), /lacks wrap/);
      assert.match(cardProblems({ ...good, body: [{ type: 'Input.Text', id: 'a' }] }).join(), /unknown type Input.Text/);
      assert.match(cardProblems({ ...good, actions: [{ type: 'Action.Submit', title: 'Go' }] }).join(), /Action.Submit, not Action.OpenUrl/);
      assert.match(
        cardProblems({ ...good, body: [{ type: 'Container', items: [{ type: 'ActionSet', actions: [{ type: 'Action.OpenUrl', title: 'x', url: 'javascript:alert(1)' }] }] }] }).join(),
        /not http\(s\)/,
      );
      assert.match(cardProblems({ ...good, body: [{ type: 'TextBlock', text: 'x', wrap: true, colour: 'Good' }] }).join(), /unknown property colour/);
    });
  });

  describe('archivedCard', () => {
    it('shows the heading, the subject, the facts and the link to Kaltura', () => {
      const c = read(archived());
      assert.equal(c.title, 'Your meeting recording is archived in Kaltura');
      hasText(c, 'Quarterly business review');
      assert.deepEqual(c.facts, [
        { title: 'Date', value: 'Tue 1 Dec 2026, 14:00 (Europe/London)' },
        { title: 'Duration', value: '1 h 5 min' },
        { title: 'Transcript', value: 'Not attached yet' },
        { title: 'Published to', value: 'site > channels > Teams' },
        { title: 'Kaltura entry id', value: '1_abc123' },
      ]);
      assert.deepEqual(c.links, [{ title: 'Open in Kaltura', url: 'https://kaltura.example/media/t/1_abc123' }]);
      assert.equal(archived().summary, 'Archived in Kaltura: Quarterly business review');
    });

    it("says it was a call for an ad hoc call's recording", () => {
      const c = read(archived({ source: 'call', subject: 'Teams call with Lee Gu' }));
      assert.equal(c.title, 'Your call recording is archived in Kaltura');
      hasText(c, 'Teams call with Lee Gu');
      assert.equal(read(archived()).title, 'Your meeting recording is archived in Kaltura', 'a meeting keeps its words');
    });

    it('says the transcript is attached once it is (the update of the same card)', () => {
      assert.equal(read(archived({ transcriptAttached: true })).fact('Transcript'), 'Attached as captions');
    });

    it('shows the date in the reader’s time zone, and in UTC when the zone is missing or invalid', () => {
      const date = (startDateTime: string, timeZone?: string) => read(archived({ startDateTime, timeZone })).fact('Date');
      assert.equal(date('2026-07-01T13:00:00Z', 'Europe/London'), 'Wed 1 Jul 2026, 14:00 (Europe/London)');
      assert.equal(date('2026-12-01T14:00:00Z', 'America/New_York'), 'Tue 1 Dec 2026, 09:00 (America/New_York)');
      // the meeting is on the next day in Tokyo
      assert.equal(date('2026-12-01T23:30:00Z', 'Asia/Tokyo'), 'Wed 2 Dec 2026, 08:30 (Asia/Tokyo)');
      assert.equal(date('2026-12-01T23:30:00Z', 'Mars/Olympus_Mons'), 'Tue 1 Dec 2026, 23:30 (UTC)');
      assert.equal(date('2026-12-01T23:30:00Z', undefined), 'Tue 1 Dec 2026, 23:30 (UTC)');
      assert.equal(date('2026-12-01T00:05:00+01:00', 'UTC'), 'Mon 30 Nov 2026, 23:05 (UTC)');
      // a start time that is not a date is shown as it came rather than "Invalid Date"
      assert.equal(date('sometime', 'Europe/London'), 'sometime');
    });

    it('words the date for the reader’s locale when one is given, and ignores a malformed one', () => {
      const us = read(archived({ locale: 'en-US', timeZone: 'America/New_York' })).fact('Date')!;
      assert.match(us, /Dec/);
      assert.match(us, /9:00\sAM/);
      assert.match(us, /\(America\/New_York\)$/);
      assert.equal(read(archived({ locale: 'not a locale!' })).fact('Date'), 'Tue 1 Dec 2026, 14:00 (Europe/London)');
    });

    it('words durations as a person would say them', () => {
      const duration = (durationMinutes: number) => read(archived({ durationMinutes })).fact('Duration');
      assert.equal(duration(65), '1 h 5 min');
      assert.equal(duration(45), '45 min');
      assert.equal(duration(60), '1 h');
      assert.equal(duration(125), '2 h 5 min');
      assert.equal(duration(0.4), 'under 1 min');
      assert.equal(duration(0), 'under 1 min');
      assert.equal(duration(59.6), '1 h');
      assert.equal(duration(Number.NaN), 'unknown');
    });

    it('says where it was published: categories readably, My Media when none', () => {
      const published = (publishedTo: string[]) => read(archived({ publishedTo })).fact('Published to');
      assert.equal(published([]), 'My Media');
      assert.equal(published(['MediaSpace>site>galleries>Sales', 'MediaSpace>site>channels>Teams']), 'site > galleries > Sales, site > channels > Teams');
      assert.equal(published(['Archive']), 'Archive');
    });

    it('calls a meeting without a subject "Teams meeting"', () => {
      const result = archived({ subject: '   ' });
      hasText(read(result), 'Teams meeting');
      assert.equal(result.summary, 'Archived in Kaltura: Teams meeting');
    });

    it('escapes a hostile subject so it cannot add links or formatting', () => {
      const hostile = '[Pay now](https://evil.example) **urgent** _x_ `rm` {{DATE(2026-01-01T00:00:00Z, SHORT)}} <https://evil.example> # ~~old~~';
      const result = archived({ subject: `${hostile}\n\nsecond line` });
      const raw = textBlocks(result.card).map((t) => t.text as string);
      const subjectBlock = raw.find((t) => t.includes('Pay now'))!;
      assert.ok(fullyEscaped(subjectBlock), subjectBlock);
      // the reader sees the subject as typed, on one line
      assert.equal(shown(subjectBlock), `${hostile} second line`);
      assert.deepEqual(read(result).links.map((l) => l.url), ['https://kaltura.example/media/t/1_abc123']);
      // list markers at the start would make the subject a list item
      const list = textBlocks(archived({ subject: '- one' }).card).map((t) => t.text as string);
      assert.ok(list.includes('\\- one'), list.join(' | '));
      const numbered = textBlocks(archived({ subject: '1. one' }).card).map((t) => t.text as string);
      assert.ok(numbered.includes('1\\. one'), numbered.join(' | '));
      // the preview is plain text, not markdown: not escaped
      assert.match(result.summary, /^Archived in Kaltura: \[Pay now\]/);
    });

    it('escapes category names and the entry id too', () => {
      const card = archived({ publishedTo: ['MediaSpace>site>channels>*Sales*_team'] }).card;
      const facts = summarizeCard(card).facts;
      for (const f of facts) assert.ok(fullyEscaped(f.value), f.value);
      assert.equal(shown(facts.find((f) => f.title === 'Published to')!.value), 'site > channels > *Sales*_team');
    });

    it('has no button when the entry URL is not a web address', () => {
      const c = read(archived({ entryUrl: 'javascript:alert(1)' }));
      assert.deepEqual(c.links, []);
      assert.equal((archived({ entryUrl: 'javascript:alert(1)' }).card as Json).actions, undefined);
    });
  });

  describe('welcomeCard', () => {
    it('tells a person what the bot will send and the commands they can use', () => {
      const c = read(welcomeCard({ isAdmin: false, consoleUrl: 'https://archiver.example/admin' }));
      const all = c.texts.join('\n');
      assert.match(all, /card/);
      assert.match(all, /organised/);
      assert.match(all, /link/);
      assert.match(all, /transcript follows, I update that card/);
      hasTextStarting(c, '**help**');
      hasTextStarting(c, '**recent**');
      assert.ok(!c.texts.some((t) => t.includes('status')), 'status is for admins');
      assert.doesNotMatch(all, /alert/);
      assert.deepEqual(c.links, []);
    });

    it('tells an admin about alerts and the status command, with a button to the console', () => {
      const c = read(welcomeCard({ isAdmin: true, consoleUrl: 'https://archiver.example/admin' }));
      const all = c.texts.join('\n');
      hasTextStarting(c, '**status**');
      assert.match(all, /alert/);
      assert.match(all, /stops archiving/);
      assert.match(all, /archiving again/);
      assert.match(all, /client secret is about to expire/);
      assert.deepEqual(c.links, [{ title: 'Open the admin console', url: 'https://archiver.example/admin' }]);
    });
  });

  describe('helpCard', () => {
    it('lists help and recent for everyone, one line each, and status only for admins', () => {
      const person = read(helpCard({ isAdmin: false }));
      const admin = read(helpCard({ isAdmin: true }));
      const commands = (c: Read) => c.texts.filter((t) => /^\*\*\w+\*\*: /.test(t)).map((t) => /^\*\*(\w+)\*\*/.exec(t)![1]);
      assert.deepEqual(commands(person), ['help', 'recent']);
      assert.deepEqual(commands(admin), ['help', 'recent', 'status']);
      assert.equal(person.title, 'What I can do');
      assert.equal(helpCard({ isAdmin: false }).summary, 'Commands: help, recent');
      assert.equal(helpCard({ isAdmin: true }).summary, 'Commands: help, recent, status');
    });
  });

  describe('adminAlertCard', () => {
    const policy = describeError('APPLICATION_ACCESS_POLICY_MISSING')!;
    const base = {
      integrationName: 'Contoso production',
      code: 'APPLICATION_ACCESS_POLICY_MISSING',
      message: policy.message,
      fix: policy.fix,
      consoleUrl: 'https://archiver.example/admin',
      at: '2026-11-28T10:00:00Z',
      timeZone: 'Europe/London',
    };

    it('problem: a red heading, the message, how to fix it, the code and the console', () => {
      const result = adminAlertCard({ ...base, kind: 'problem' });
      const c = read(result);
      assert.equal(c.title, 'Contoso production has stopped archiving');
      assert.equal(textBlocks(result.card)[0]!.color, 'Attention');
      hasText(c, policy.message);
      const fixAt = c.texts.indexOf('How to fix');
      assert.ok(fixAt > 0, `no "How to fix" among ${JSON.stringify(c.texts)}`);
      assert.equal(c.texts[fixAt + 1], policy.fix);
      assert.equal(c.fact('Error code'), 'APPLICATION_ACCESS_POLICY_MISSING');
      assert.equal(c.fact('When'), 'Sat 28 Nov 2026, 10:00 (Europe/London)');
      assert.deepEqual(c.links, [{ title: 'Open the admin console', url: 'https://archiver.example/admin' }]);
      assert.match(result.summary, /^Contoso production has stopped archiving: Application policy is missing/);
      // "<client id>" would be read as an HTML tag and vanish if it were not escaped
      const raw = textBlocks(result.card).map((t) => t.text as string);
      assert.ok(raw.some((t) => t.includes('\\<client id\\>')), raw.join(' | '));
    });

    it('problem: a fix over several lines keeps its lines, PowerShell in a fixed-width font', () => {
      const fix = 'In Teams PowerShell run:\nSet-CsTeamsMeetingConfiguration -EnableGraphTranscriptAccess $true -Identity Global\n\nThen wait 30 minutes.';
      const blocks = textBlocks(adminAlertCard({ ...base, kind: 'problem', fix }).card);
      const at = blocks.findIndex((b) => b.text === 'How to fix');
      const lines = blocks.slice(at + 1, at + 4);
      assert.deepEqual(lines.map((b) => shown(b.text as string)), [
        'In Teams PowerShell run:',
        'Set-CsTeamsMeetingConfiguration -EnableGraphTranscriptAccess $true -Identity Global',
        'Then wait 30 minutes.',
      ]);
      assert.deepEqual(lines.map((b) => b.fontType), [undefined, 'Monospace', undefined]);
      assert.deepEqual(lines.map((b) => b.wrap), [true, true, true]);
    });

    it('recovered: a green heading saying it archives again', () => {
      const result = adminAlertCard({ ...base, kind: 'recovered' });
      const c = read(result);
      assert.equal(c.title, 'Contoso production is archiving again');
      assert.equal(textBlocks(result.card)[0]!.color, 'Good');
      assert.equal(c.fact('Resolved problem'), 'APPLICATION_ACCESS_POLICY_MISSING');
      lacksText(c, 'How to fix');
      assert.equal(result.summary, 'Contoso production is archiving again');
      assert.equal(c.links.length, 1);
    });

    it('secret-expiring: a warning with the date, the days left and the fix', () => {
      const expiring = describeError('SECRET_EXPIRING')!;
      const input = { ...base, kind: 'secret-expiring' as const, code: 'SECRET_EXPIRING', message: expiring.message, fix: expiring.fix, secretExpiresAt: '2026-12-01T09:00:00Z' };
      const result = adminAlertCard(input);
      const c = read(result);
      assert.equal(c.title, 'The client secret of Contoso production expires on Tue 1 Dec 2026');
      assert.equal(textBlocks(result.card)[0]!.color, 'Warning');
      hasText(c, '3 days left.');
      hasText(c, expiring.fix);
      assert.equal(result.summary, 'The client secret of Contoso production expires in 3 days');
      // days are counted on the reader's calendar: 23:30 UTC on 1 Dec is already 2 Dec in Tokyo
      const tokyo = read(adminAlertCard({ ...input, timeZone: 'Asia/Tokyo', secretExpiresAt: '2026-12-01T23:30:00Z' }));
      assert.equal(tokyo.title, 'The client secret of Contoso production expires on Wed 2 Dec 2026');
      hasText(tokyo, '4 days left.');
      hasText(read(adminAlertCard({ ...input, secretExpiresAt: '2026-11-29T08:00:00Z' })), '1 day left.');
      hasText(read(adminAlertCard({ ...input, secretExpiresAt: '2026-11-28T20:00:00Z' })), 'It expires today.');
      const gone = adminAlertCard({ ...input, secretExpiresAt: '2026-11-20T08:00:00Z' });
      hasTextStarting(read(gone), 'It has already expired');
      assert.equal(gone.summary, 'The client secret of Contoso production has expired');
      assert.equal(read(adminAlertCard({ ...input, secretExpiresAt: undefined })).title, 'The client secret of Contoso production expires soon');
    });

    it('escapes the integration name', () => {
      const result = adminAlertCard({ ...base, kind: 'problem', integrationName: '[Click](https://evil.example) *now*' });
      const heading = textBlocks(result.card)[0]!.text as string;
      assert.ok(fullyEscaped(heading), heading);
      assert.equal(shown(heading), '[Click](https://evil.example) *now* has stopped archiving');
      assert.deepEqual(read(result).links.map((l) => l.url), ['https://archiver.example/admin']);
    });
  });

  describe('recentCard', () => {
    const item = (n: number, overrides: Partial<RecentItem> = {}): RecentItem => ({
      subject: `Meeting ${n}`,
      startDateTime: `2026-12-0${n}T14:00:00Z`,
      entryUrl: `https://kaltura.example/media/t/1_${n}`,
      transcriptAttached: n % 2 === 0,
      ...overrides,
    });

    it('lists each recording with its date, transcript marker and own link', () => {
      const c = read(recentCard({ items: [item(2), item(1)], timeZone: 'America/New_York' }));
      assert.equal(c.title, 'Your recent recordings');
      assert.deepEqual(c.links, [
        { title: 'Open in Kaltura', url: 'https://kaltura.example/media/t/1_2' },
        { title: 'Open in Kaltura', url: 'https://kaltura.example/media/t/1_1' },
      ]);
      const at = c.texts.indexOf('Meeting 2');
      assert.equal(c.texts[at + 1], 'Wed 2 Dec 2026, 09:00 · Transcript attached');
      assert.equal(c.texts[c.texts.indexOf('Meeting 1') + 1], 'Tue 1 Dec 2026, 09:00 · No transcript yet');
      hasText(c, 'Times are in America/New_York.');
      assert.equal(recentCard({ items: [item(2), item(1)] }).summary, 'Your 2 most recent archived recordings');
    });

    it('shows at most 5, in the order given, and says how many there are', () => {
      const items = [7, 6, 5, 4, 3, 2, 1].map((n) => item(n));
      const c = read(recentCard({ items }));
      assert.deepEqual(c.links.map((l) => l.url), [7, 6, 5, 4, 3].map((n) => `https://kaltura.example/media/t/1_${n}`));
      lacksText(c, 'Meeting 2');
      assert.match(c.texts.at(-1)!, /Showing the 5 most recent of 7\.$/);
      assert.equal(recentCard({ items }).summary, 'Your 5 most recent archived recordings');
      assert.doesNotMatch(read(recentCard({ items: items.slice(0, 5) })).texts.at(-1)!, /Showing/);
    });

    it('uses UTC for an invalid zone, escapes subjects and names an empty one', () => {
      const c = read(recentCard({ items: [item(1, { subject: '' }), item(2, { subject: '**[x](https://evil.example)**' })], timeZone: 'Nowhere/Else' }));
      assert.equal(c.texts[c.texts.indexOf('Teams meeting') + 1], 'Tue 1 Dec 2026, 14:00 · No transcript yet');
      hasText(c, 'Times are in UTC.');
      const raw = summarizeCard(recentCard({ items: [item(2, { subject: '**[x](https://evil.example)**' })] }).card).texts;
      assert.ok(raw.includes('\\*\\*\\[x\\](https://evil.example)\\*\\*'), raw.join(' | '));
      assert.equal(c.links.length, 2);
    });

    it('says so kindly when there is nothing yet', () => {
      const result = recentCard({ items: [] });
      const c = read(result);
      hasTextStarting(c, 'No archived recordings of yours yet');
      assert.deepEqual(c.links, []);
      assert.equal(result.summary, 'No archived recordings of yours yet');
    });
  });

  describe('statusCard', () => {
    const secret = describeError('SECRET_EXPIRED')!;
    const integrations: StatusIntegration[] = [
      // an ok integration may still carry the words of a problem it had; they are not shown
      { name: 'Contoso production', enabled: true, state: 'ok', code: 'CATEGORY_NOT_FOUND', message: 'Old problem.', fix: 'Old fix.', lastSuccessAt: '2026-12-01T14:00:00Z' },
      { name: 'Contoso pilot', enabled: true, state: 'error', code: 'SECRET_EXPIRED', message: secret.message, fix: secret.fix, lastSuccessAt: null },
      { name: 'Fabrikam', enabled: true, state: 'warning', code: 'SECRET_EXPIRING', message: 'The application secret expires soon.', fix: 'Rotate it.', lastSuccessAt: '2026-11-30T08:00:00Z' },
      { name: 'Old tenant', enabled: false, state: 'ok', code: null, message: null, fix: null, lastSuccessAt: null },
    ];
    const stateOf = (card: unknown, name: string): Json => {
      const blocks = textBlocks(card);
      return blocks[blocks.findIndex((b) => shown(b.text as string) === name) + 1]!;
    };

    it('shows each integration with a coloured state word and its last success', () => {
      const result = statusCard({ integrations, consoleUrl: 'https://archiver.example/admin', timeZone: 'Europe/London' });
      const c = read(result);
      assert.equal(c.title, 'Integration status');
      const states = integrations.map((i) => stateOf(result.card, i.name));
      assert.deepEqual(states.map((s) => s.text), ['OK', 'Error', 'Warning', 'Disabled']);
      assert.deepEqual(states.map((s) => s.color), ['Good', 'Attention', 'Warning', 'Default']);
      hasText(c, 'Last archived: Tue 1 Dec 2026, 14:00 (Europe/London)');
      assert.equal(c.texts.filter((t) => t === 'Last archived: never').length, 2);
      assert.deepEqual(c.links, [{ title: 'Open the admin console', url: 'https://archiver.example/admin' }]);
      assert.equal(result.summary, '4 integrations: 1 Error, 1 Warning, 1 OK, 1 Disabled');
    });

    it('gives the message, fix and code only for an integration that is not ok', () => {
      const c = read(statusCard({ integrations, consoleUrl: 'https://archiver.example/admin' }));
      hasText(c, secret.message);
      hasText(c, secret.fix);
      hasText(c, 'Code: SECRET_EXPIRED');
      hasText(c, 'Rotate it.');
      assert.equal(c.texts.filter((t) => t === 'How to fix').length, 2);
      // nothing between the ok integration's state and its last success
      const at = c.texts.indexOf('Contoso production');
      assert.deepEqual(c.texts.slice(at + 1, at + 3), ['OK', 'Last archived: Tue 1 Dec 2026, 14:00 (UTC)']);
      for (const stale of ['Old problem.', 'Old fix.', 'Code: CATEGORY_NOT_FOUND']) lacksText(c, stale);
    });

    it('escapes integration names and says when there are none', () => {
      const hostile = statusCard({ integrations: [{ ...integrations[0]!, name: '_[x](https://evil.example)_' }], consoleUrl: 'https://archiver.example/admin' });
      const name = textBlocks(hostile.card)[1]!.text as string;
      assert.ok(fullyEscaped(name), name);
      assert.equal(hostile.summary, '1 integration: 1 OK');
      const none = statusCard({ integrations: [], consoleUrl: 'https://archiver.example/admin' });
      hasTextStarting(read(none), 'No integrations are set up yet');
      assert.equal(none.summary, 'No integrations are set up yet');
    });
  });
});
