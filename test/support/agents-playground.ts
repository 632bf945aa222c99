import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { freePort } from '../../sandbox/process-utils.js';

/**
 * The Microsoft 365 Agents Playground (`@microsoft/m365agentsplayground`, pinned at 0.2.28), driven
 * headless for the bot's end-to-end test, and the signing relay that stands between it and the app.
 *
 * The Playground plays a person in Teams: its web UI is not opened, it is driven through its own
 * routes (internal to the Playground, read from its dist; that is why the version is pinned):
 * - `POST /_debug/conversation/{personalChatId}/installation` `{}`: the person adds the app; the
 *   Playground posts `installationUpdate` (action add) and `conversationUpdate` (membersAdded) to
 *   the bot, both at once, as Teams does;
 * - `POST /_conversation/v1/conversations/{personalChatId}/messages` `{ from: { id }, text }`: the
 *   person writes to the bot;
 * - its mock Bot Connector under `/_connector` (the activities' serviceUrl) takes the bot's replies
 *   and proactive cards (`/v3/conversations/{id}/activities`, 201 with the new activity's id when the
 *   activity is one message, 202 when the Playground split it, e.g. text beside a card);
 * - with `--enable-events-recording` and M365_AGENTS_PLAYGROUND_RECORDING_FILE it appends every
 *   exchange to that file as pretty JSON blocks separated by `---` lines: what it delivered to the
 *   bot with the bot's status (only 2xx answers: a refused delivery is not recorded, which is why the
 *   relay keeps its own list), and what the bot sent it with its own status.
 * The person, the tenant and the bot are the Playground's config file (.m365agentsplayground.yml,
 * M365_AGENTS_PLAYGROUND_CONFIG_PATH), written here from a sandbox fixture: the Playground's built-in
 * ids are not GUIDs ("00000000-0000-0000-0000-0000000000020"), and the app only knows the fixture's.
 *
 * Offline: the UI and the mock connector are bundled, telemetry is off (--disable-telemetry, and
 * Application Insights' statsbeat), no browser is opened (TEAMSAPPTESTER_BROWSER=none), proxies
 * from the environment are dropped. The Playground listens on every interface and has no option to
 * choose one, so a small preload (`loopback-only.cjs`, written beside its config) binds its servers
 * to 127.0.0.1 and refuses, and writes down, any connection it tries beyond loopback; the test
 * asserts that list stays empty.
 */

const require = createRequire(import.meta.url);

/** the Playground's CLI script, or null when the package is not installed */
export function playgroundCli(): string | null {
  try {
    return require.resolve('@microsoft/m365agentsplayground/cli.js');
  } catch {
    return null;
  }
}

export interface PlaygroundPerson {
  /** the channel's id for the person ("29:…" in Teams) */
  id: string;
  /** the Entra object id: what the app knows the person by */
  aadObjectId: string;
  name: string;
  userPrincipalName: string;
  givenName: string;
  surname: string;
  email: string;
}

/** What the Playground pretends Teams is: one tenant, the bot, the person using it, and one 1:1 chat. */
export interface PlaygroundTeams {
  tenantId: string;
  bot: { id: string; name: string };
  currentUser: PlaygroundPerson;
  /** the Playground insists on exactly five other people (its group chat and team) */
  others: PlaygroundPerson[];
  personalChatId: string;
}

/**
 * The Playground's Teams made of a fixture: its tenant, its bot (Teams addresses bots as "28:<app id>")
 * and one of its users as the person at the keyboard; the other people are the fixture's next users,
 * padded with made-up ones (the Playground wants five; the app never hears of them).
 */
export function playgroundTeamsFor(fixture: Fixture, userId: string): PlaygroundTeams {
  const person = (u: Fixture['users'][number]): PlaygroundPerson => ({
    id: `29:playground-${u.id}`,
    aadObjectId: u.id,
    name: u.displayName,
    userPrincipalName: u.userPrincipalName,
    givenName: u.givenName ?? u.displayName,
    surname: u.surname ?? '',
    email: u.mail ?? u.userPrincipalName,
  });
  const user = fixture.users.find((u) => u.id === userId);
  if (!user) throw new Error(`the fixture has no user ${userId}`);
  const others = fixture.users.filter((u) => u.id !== userId).slice(0, 5).map(person);
  for (let i = others.length; i < 5; i++) {
    others.push({
      id: `29:playground-extra-${i}`,
      aadObjectId: `00000000-0000-4000-8000-0000000009${String(i).padStart(2, '0')}`,
      name: `Extra Person ${i}`,
      userPrincipalName: `extra${i}@example.com`,
      givenName: 'Extra',
      surname: `Person ${i}`,
      email: `extra${i}@example.com`,
    });
  }
  return {
    tenantId: fixture.tenant.id,
    bot: { id: `28:${fixture.teamsApp.botId}`, name: 'Kaltura Archiver' },
    currentUser: person(user),
    others,
    personalChatId: `a:playground-personal-${user.id}`,
  };
}

/** The config file's content (its schema is `teams-app-test-tool-config/0.1.1`); JSON is YAML too. */
function configFile(t: PlaygroundTeams): string {
  const user = (p: PlaygroundPerson) => ({
    id: p.id,
    name: p.name,
    // sic: the Playground's schema spells it so
    userPrincipleName: p.userPrincipalName,
    aadObjectId: p.aadObjectId,
    givenName: p.givenName,
    surname: p.surname,
    email: p.email,
  });
  return JSON.stringify(
    {
      version: '0.1.1',
      tenantId: t.tenantId,
      bot: t.bot,
      currentUser: user(t.currentUser),
      users: t.others.map(user),
      personalChat: { id: t.personalChatId },
      groupChat: { id: 'playground-group-chat', name: 'Group Chat' },
      team: { id: 'playground-team', name: 'My Team', aadGroupId: '00000000-0000-4000-8000-000000000931', channels: [] },
    },
    null,
    2,
  );
}

/**
 * Loaded into the Playground's process with `node -r`. It binds servers that name no host to
 * 127.0.0.1 (the Playground calls `server.listen(port)`), and refuses TCP connections to anything but
 * loopback, writing each refusal to PLAYGROUND_OFFLINE_LOG, so a release of the Playground that starts
 * calling home fails the test instead of quietly reaching the internet.
 */
const LOOPBACK_ONLY = String.raw`'use strict';
const net = require('node:net');
const fs = require('node:fs');
const log = process.env.PLAYGROUND_OFFLINE_LOG;
const LOOPBACK = '127.0.0.1';
function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true; // net's default is localhost
  const h = String(host).replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || /^::ffff:127\./.test(h);
}
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] === 'string') { if (!isLoopback(args[1])) args[1] = LOOPBACK; }
    else args.splice(1, 0, LOOPBACK);
  } else if (first && typeof first === 'object' && !Array.isArray(first) && !first.path && !first.handle && first.fd === undefined) {
    if (first.host === undefined || first.host === null || first.host === '' || !isLoopback(first.host)) args[0] = { ...first, host: LOOPBACK };
  } else if (first === undefined || typeof first === 'function') {
    args.unshift(0, LOOPBACK);
  }
  return listen.apply(this, args);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // connect(options[, cb]), connect(port[, host][, cb]), connect(path[, cb]), or net's own [options, cb]
  let target = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (target && typeof target === 'object') {
    // a Unix socket path; http's agent passes path: null for TCP
    if (typeof target.path === 'string' && target.path) return connect.apply(this, args);
    host = target.host;
  } else if (typeof target === 'string' && !/^\d+$/.test(target)) {
    return connect.apply(this, args); // a Unix socket path
  } else {
    host = typeof args[1] === 'string' ? args[1] : undefined;
  }
  if (!isLoopback(host)) {
    const port = target && typeof target === 'object' ? target.port : target;
    try { fs.appendFileSync(log, new Date().toISOString() + ' refused a connection to ' + host + ':' + port + '\n'); } catch {}
    const err = Object.assign(new Error('the test keeps the Playground offline: ' + host + ' is not loopback'), { code: 'ECONNREFUSED' });
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};
`;

/** One block of the Playground's events recording. */
export interface PlaygroundEvent {
  logId: string;
  timestamp: number;
  conversationId?: string;
  /** "Microsoft 365 Agents Playground -> User Application" (to the bot) or the other way */
  direction: string;
  /** the activity's type ("message", "installationUpdate", …) */
  activityName?: string;
  messageId?: string;
  request: { url?: string; method?: string; headers?: Record<string, string>; body?: Record<string, unknown> };
  response: { statusCode: number; body?: unknown };
  displayText?: string;
}

export const TO_BOT = 'Microsoft 365 Agents Playground -> User Application';
export const FROM_BOT = 'User Application -> Microsoft 365 Agents Playground';

/** Reads a recording file: JSON blocks, each followed by a `---` line. */
export function parseRecording(text: string): PlaygroundEvent[] {
  return text
    .split(/\n---\n/)
    .map((block) => block.trim())
    .filter((block) => block.length > 0)
    .map((block) => JSON.parse(block) as PlaygroundEvent);
}

/** An activity the bot sent to the Playground, with its card if it carried an Adaptive Card. */
export interface BotActivity {
  event: PlaygroundEvent;
  method: string;
  /** the path the bot sent to, under /_connector */
  path: string;
  activity: Record<string, unknown>;
  cards: Array<Record<string, unknown>>;
}

/** What the bot sent, in order (replies, proactive cards, updates of cards). */
export function botActivities(events: PlaygroundEvent[]): BotActivity[] {
  return events
    .filter((e) => e.direction === FROM_BOT)
    .map((event) => {
      const activity = event.request.body ?? {};
      const attachments = Array.isArray(activity.attachments) ? (activity.attachments as Array<Record<string, unknown>>) : [];
      const cards = attachments
        .filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')
        .map((a) => a.content as Record<string, unknown>);
      return { event, method: event.request.method ?? '', path: decodeURIComponent(event.request.url ?? ''), activity, cards };
    });
}

/** Every string anywhere in a card (its texts, fact titles and values, action titles and urls). */
export function cardStrings(card: unknown): string[] {
  if (typeof card === 'string') return [card];
  if (Array.isArray(card)) return card.flatMap(cardStrings);
  if (card && typeof card === 'object') return Object.values(card).flatMap(cardStrings);
  return [];
}

/** The card's Action.OpenUrl actions, wherever they sit (card actions or ActionSets). */
export function openUrlActions(card: unknown): Array<{ title?: string; url?: string }> {
  if (Array.isArray(card)) return card.flatMap(openUrlActions);
  if (!card || typeof card !== 'object') return [];
  const o = card as Record<string, unknown>;
  const own = o.type === 'Action.OpenUrl' ? [{ title: o.title as string | undefined, url: o.url as string | undefined }] : [];
  return [...own, ...Object.values(o).flatMap(openUrlActions)];
}

export interface AgentsPlayground {
  /** the Playground's origin (its UI, if someone wants to look) */
  url: string;
  /** its mock Bot Connector: the serviceUrl of what it sends */
  serviceUrl: string;
  teams: PlaygroundTeams;
  recordingFile: string;
  /** the person adds the app (personal scope) */
  install(): Promise<void>;
  /** the person writes to the bot in the 1:1 chat */
  say(text: string): Promise<void>;
  /** the recording so far */
  events(): Promise<PlaygroundEvent[]>;
  /** connections the Playground tried beyond loopback (refused) */
  offlineViolations(): Promise<string[]>;
  /** the Playground's stdout/stderr so far, for failure messages */
  output(): string;
  stop(): Promise<void>;
}

export interface PlaygroundOptions {
  /** where the Playground posts activities (the relay) */
  appEndpoint: string;
  teams: PlaygroundTeams;
  /** a scratch directory: config, recording, log, preload; the Playground runs there */
  workDir: string;
  startTimeoutMs?: number;
}

/** the environment without anything that would send the Playground's requests elsewhere or change its mode */
function playgroundBaseEnv(): Record<string, string> {
  const drop = /^(https?_proxy|all_proxy|no_proxy|BOT_ENDPOINT|AUTH_CLIENT_ID|AUTH_CLIENT_SECRET|AUTH_TENANT_ID|DEFAULT_CHANNEL_ID|SEND_INSTALLATION_ACTIVITY|TEAMSAPPTESTER_.*|M365_AGENTS_PLAYGROUND_.*|TEAMS_APP_TEST_TOOL_.*|APPLICATIONINSIGHTS_.*|APPLICATION_INSIGHTS_.*|NODE_OPTIONS)$/i;
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !drop.test(e[0])));
}

/** Starts the Playground as a child process; resolves once it answers its ping. */
export async function startAgentsPlayground(options: PlaygroundOptions): Promise<AgentsPlayground> {
  const cli = playgroundCli();
  if (!cli) throw new Error('@microsoft/m365agentsplayground is not installed (npm ci installs it: it is a devDependency)');
  const { workDir, teams } = options;
  const configPath = join(workDir, '.m365agentsplayground.yml');
  const recordingFile = join(workDir, 'events-recording.log');
  const offlineLog = join(workDir, 'offline-violations.log');
  const preload = join(workDir, 'loopback-only.cjs');
  await writeFile(configPath, configFile(teams));
  await writeFile(preload, LOOPBACK_ONLY);
  await writeFile(offlineLog, '');

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // 127.0.0.1 rather than its default "localhost", which may resolve to ::1 where nothing listens
  const serviceUrl = `${url}/_connector`;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-r', preload,
      cli, 'start',
      '--app-endpoint', options.appEndpoint,
      '--channel-id', 'msteams',
      '--port', String(port),
      '--service-url', serviceUrl,
      '--enable-events-recording',
      '--disable-telemetry',
    ],
    {
      cwd: workDir,
      env: {
        ...playgroundBaseEnv(),
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
        M365_AGENTS_PLAYGROUND_RECORDING_FILE: recordingFile,
        M365_AGENTS_PLAYGROUND_LOGFILE: join(workDir, 'm365agentsplayground.log'),
        // telemetry is off, but Application Insights is still set up; its statsbeat would call out
        APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
        NO_PROXY: '*',
        PLAYGROUND_OFFLINE_LOG: offlineLog,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  const stop = async () => {
    if (gone()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`Playground POST ${path} -> ${res.status} ${text}`);
  };

  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    for (;;) {
      if (gone()) throw new Error(`the Playground exited during start-up:\n${out}`);
      // it falls back to a random port when the one given is taken, and the serviceUrl would be wrong
      const listening = /Listening on (\d+)/.exec(out);
      if (listening && Number(listening[1]) !== port) throw new Error(`the Playground took port ${listening[1]}, not ${port}:\n${out}`);
      const ready = await fetch(`${url}/_debug/ping`, { signal: AbortSignal.timeout(1_000) }).then(
        async (r) => r.ok && (await r.text()) === 'pong',
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`the Playground did not answer on ${url} in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const chat = encodeURIComponent(teams.personalChatId);
  return {
    url,
    serviceUrl,
    teams,
    recordingFile,
    install: () => post(`/_debug/conversation/${chat}/installation`, {}),
    say: (text) => post(`/_conversation/v1/conversations/${chat}/messages`, { from: { id: teams.currentUser.id }, text, textFormat: 'plain' }),
    events: async () => parseRecording(await readFile(recordingFile, 'utf8').catch(() => '')),
    offlineViolations: async () => (await readFile(offlineLog, 'utf8')).split('\n').filter(Boolean),
    output: () => out,
    stop,
  };
}

/** One activity the relay passed on, and what the app answered. */
export interface RelayDelivery {
  type: string;
  serviceUrl: string;
  status: number;
  body: string;
}

export interface SigningRelay {
  /** give this to the Playground as its app endpoint */
  url: string;
  /** every POST passed on, in order, with the app's answer (the recording leaves refusals out) */
  deliveries: RelayDelivery[];
  close(): Promise<void>;
}

export interface SigningRelayOptions {
  /** the app's messaging endpoint (…/api/messages) */
  target: string;
  /** a Bot Framework channel token for an activity with this serviceUrl */
  channelToken(serviceUrl: string): Promise<string>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Plays Azure Bot Service's part between the Playground and the app. In production Teams does not
 * post to the bot itself: Azure Bot Service does, with a channel token (signed with keys it
 * publishes, audience the bot's app id, its `serviceurl` claim the activity's serviceUrl), and the
 * app's /api/messages refuses anything without one. The Playground posts bare activities, as if it
 * were that service with authentication off; this relay adds the token (from the connector
 * emulator, whose keys the app trusts in the sandbox, for the Playground's own serviceUrl so the
 * bot's replies go back to the Playground) and passes the app's answer back unchanged. The app's
 * token check stays on, exactly as in production.
 */
export async function startSigningRelay(options: SigningRelayOptions): Promise<SigningRelay> {
  const deliveries: RelayDelivery[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.method !== 'POST') {
        // the Playground checks the endpoint with a HEAD now and then: pass it on as it came
        const answer = await fetch(options.target, { method: req.method ?? 'GET' });
        res.writeHead(answer.status);
        res.end();
        return;
      }
      let activity: { type?: unknown; serviceUrl?: unknown } = {};
      try {
        activity = JSON.parse(body.toString('utf8')) as typeof activity;
      } catch {
        // not JSON: the app answers that itself
      }
      const serviceUrl = typeof activity.serviceUrl === 'string' ? activity.serviceUrl : '';
      const token = await options.channelToken(serviceUrl);
      const answer = await fetch(options.target, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      const text = await answer.text();
      deliveries.push({ type: String(activity.type ?? '?'), serviceUrl, status: answer.status, body: text });
      const type = answer.headers.get('content-type');
      res.writeHead(answer.status, type ? { 'content-type': type } : {});
      res.end(text);
    })().catch((err: Error) => {
      deliveries.push({ type: '?', serviceUrl: '', status: 502, body: `${req.method} ${req.url}: ${err.message}` });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`relay: ${err.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
