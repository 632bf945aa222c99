import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';
import {
  checkScreen,
  chromiumMissing,
  ensureTabBuilt,
  launchChromium,
  newSandboxContext,
  screenshot,
  SCREENSHOTS,
  warnLoudly,
  watchProblems,
  type PageProblems,
} from '../support/browser.js';
import { demoFixture } from '../support/emulators.js';
import { kalturaRefusesNewEntries } from '../support/kaltura-faults.js';

/**
 * The admin console in a real browser (Debian's Chromium), against the real app and the emulators,
 * driven the way an admin uses it: sign in on the emulated Entra ID's page, add an integration,
 * change every setting, enable it, see a refused secret turn it red and a new secret heal it, test the
 * connection, watch a recording upload, retry a failed one, backfill, be refused deletion while
 * enabled, disable, delete. axe checks every screen in the light and the dark theme; screenshots go
 * to test-output/screenshots/. The names used are the tab's accessible names (the tab's contract).
 */

const ADD_NAME = 'Fabrikam archive';
const NAME = 'Fabrikam recordings';
const NEW_SECRET = 'rotated~client~secret~9876543210';
const ERROR_BANNER = "We've detected an error on at least one integration. For help in troubleshooting, click here";
const DELETE_REFUSED = "Please change integration status to 'Disable' in order to delete it.";
const SKO_BYTES = 48 * 1024 * 1024;
const STATUS_WORDS: Record<string, string> = { pass: 'Passed', fail: 'Failed', warning: 'Warning', skipped: 'Skipped' };

/**
 * every setting changed from its default (two saves: the postfix is only offered for UPNs), but ad hoc
 * calls: their own test turns them on and off again, so the enabled integration archives meetings only
 */
const FINAL_SETTINGS = {
  categories: ['MediaSpace>site>channels>Teams recordings', 'Teams'],
  uploadScope: 'opt-in',
  groupSource: 'entra',
  // Entra groups are named by object id (the fixture's "All Staff")
  groups: ['00000000-0000-4000-8000-000000000102'],
  uploadTranscripts: false,
  includeAdhocCalls: false,
  coOrganizerRoles: ['co-viewers'],
  presentersRoles: ['co-editors'],
  attendeesRoles: ['co-publishers'],
  userIdSource: 'azure-id',
  userIdSuffixMethod: 'append',
  userIdSuffix: '@kaltura.com',
  userSearchMethod: 'email',
  userNotFoundMethod: 'assign-default',
  defaultUserId: 'teams-archive',
  entryUrlTemplate: 'https://videos.contoso.com/media/t/{entryId}?partner={partnerId}',
  notifyCoOrganizers: true,
  proactiveInstall: true,
};

const CO_ORGANIZERS_SWITCH = 'Send the card to co-organizers too';
const PROACTIVE_SWITCH = "Install the app for organizers who don't have it";
const ADHOC_SWITCH = 'Include ad hoc call recordings';

interface ApiIntegration {
  id: string;
  name: string;
  status: string;
  tenantId: string;
  appClientId: string;
  settings: Record<string, unknown>;
  lastError: { code: string; message: string; fix?: string } | null;
  kaltura: { partnerId: number; serviceUrl: string; credential: string; appTokenId?: string | null };
}

interface ApiCheck {
  id: string;
  label: string;
  status: 'pass' | 'fail' | 'warning' | 'skipped';
  message?: string;
  fix?: string;
}

/** The demo tenant with no integration and nothing recorded yet: every recording arrives when a test releases it. */
async function consoleFixture(): Promise<Fixture> {
  const f = structuredClone(await demoFixture());
  f.integrations = [];
  for (const m of f.meetings) {
    for (const r of m.recordings) r.available = false;
    for (const t of m.transcripts) t.available = false;
  }
  // the app saves upload progress every 16 MiB: the sales kickoff is big enough to show some
  f.meetings[1]!.recordings[0]!.size = SKO_BYTES;
  return f;
}

/** Fails with what was last seen unless `check` holds within the time. */
async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  return waitFor(what, check, timeoutMs);
}

async function expectText(locator: Locator, expected: string | RegExp, what: string, timeoutMs = 15_000): Promise<void> {
  let last = '';
  await until(
    `${what}: ${String(expected)}`,
    async () => {
      last = (await locator.innerText({ timeout: 1_000 })).replace(/\s+/g, ' ').trim();
      return typeof expected === 'string' ? last.includes(expected) : expected.test(last);
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n  text seen: ${JSON.stringify(last.slice(0, 1500))}`);
  });
}

async function visible(locator: Locator, what: string, timeoutMs = 15_000): Promise<Locator> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (err) {
    throw new Error(`${what} did not appear: ${(err as Error).message.split('\n')[0]}`);
  }
  return locator.first();
}

async function gone(locator: Locator, what: string, timeoutMs = 15_000): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout: timeoutMs });
  } catch (err) {
    throw new Error(`${what} is still there: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * The input labelled so, not a radio or checkbox of the same name ("App token"); a required field's
 * label reads "Name*" to getByLabel (Fluent's aria-hidden asterisk), its accessible name "Name".
 */
function field(scope: Locator | Page, label: string): Locator {
  const exactly = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\*?$`);
  return scope.getByLabel(exactly).and(scope.locator('input:not([type=radio]):not([type=checkbox]), textarea'));
}

/** A dialog, or an alert dialog (Fluent's modalType "alert"), by its accessible name. */
function dialogNamed(p: Page, name: string): Locator {
  return p.getByRole('dialog', { name, exact: true }).or(p.getByRole('alertdialog', { name, exact: true }));
}

/** A dialog or alert dialog holding this text. */
function dialogWith(p: Page, text: string): Locator {
  return p.getByRole('dialog').or(p.getByRole('alertdialog')).filter({ hasText: text });
}

async function toast(page: Page, text: string): Promise<void> {
  await visible(page.getByText(text, { exact: true }), `the toast "${text}"`);
}

describe('admin console in Chromium (sign in, integrations, health, recordings)', function () {
  this.timeout(60_000);
  // one admin's session, step by step: a failed step leaves nothing for the next to build on
  this.bail(true);
  let h: AppHarness;
  let browser: Browser;
  let context: BrowserContext;
  let darkContext: BrowserContext;
  let page: Page;
  let dark: Page;
  let problems: PageProblems;
  let fixture: Fixture;
  let admin: { id: string; displayName: string };
  let integrationId: string;
  let apiToken: string;

  const tabUrl = (theme: 'default' | 'dark') => `${h.app.url}/tab/?theme=${theme}`;

  async function api<T>(method: string, path: string): Promise<T> {
    const res = await fetch(`${h.app.url}/api/admin${path}`, { method, headers: { authorization: `Bearer ${apiToken}` } });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /api/admin${path} -> ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }
  const integration = () => api<ApiIntegration>('GET', `/integrations/${integrationId}`);

  async function signIn(p: Page, theme: 'default' | 'dark'): Promise<void> {
    await p.goto(tabUrl(theme));
    await (await visible(p.getByRole('button', { name: 'Sign in', exact: true }), 'the "Sign in" button')).click();
    // the emulated Entra ID's page: one button per fixture user
    await (await visible(p.getByRole('button', { name: new RegExp(admin.displayName) }), `the account button for ${admin.displayName}`, 20_000)).click();
    await until('back on /tab/ with the code redeemed', async () => {
      const u = new URL(p.url());
      return u.origin === h.app.url && u.pathname === '/tab/' && !u.searchParams.has('code') && u.searchParams.get('theme') === theme;
    }, 20_000).catch((err: Error) => {
      throw new Error(`${err.message} (at ${p.url()})`);
    });
    await visible(p.getByRole('button', { name: 'Sign out', exact: true }), 'the "Sign out" button after sign-in', 20_000);
    await visible(p.getByRole('heading', { name: 'Teams Integration', level: 1 }), 'the page heading "Teams Integration"');
    await visible(p.getByText(admin.displayName, { exact: true }), "the signed-in user's name");
  }

  /** The list loaded: its table, or the empty state. */
  async function listReady(p: Page): Promise<void> {
    await visible(
      p.getByRole('columnheader', { name: 'Account name' }).or(p.getByText('There are no active Teams accounts', { exact: true })),
      'the integrations table or its empty state',
    );
  }

  /** The dark page reloaded (new state from the API), ready for `open` to bring up a screen for axe. */
  async function darkScreen(name: string, open: (p: Page) => Promise<void> = async () => undefined): Promise<void> {
    await dark.goto(tabUrl('dark'));
    await visible(dark.getByRole('button', { name: 'Sign out', exact: true }), 'the dark page signed in');
    await listReady(dark);
    await open(dark);
    await checkScreen(dark, `${name}-dark`);
  }

  const row = (p: Page, name: string) =>
    p.getByRole('row').filter({ has: p.getByRole('button', { name, exact: true }) });

  async function menu(p: Page, name: string, item: string): Promise<void> {
    await (await visible(p.getByRole('button', { name: `Actions for ${name}`, exact: true }), `the row menu "Actions for ${name}"`)).click();
    await (await visible(p.getByRole('menuitem', { name: item, exact: true }), `the menu item "${item}"`)).click();
  }

  function drawer(p: Page, name: string): Locator {
    return p.getByRole('dialog', { name, exact: true });
  }

  async function openEditor(p: Page, name: string, tab: 'Settings' | 'Health' | 'Recordings' = 'Settings'): Promise<Locator> {
    await (await visible(p.getByRole('button', { name, exact: true }), `the account name button "${name}"`)).click();
    const d = await visible(drawer(p, name), `the editor drawer titled "${name}"`);
    const t = await visible(d.getByRole('tab', { name: tab, exact: true }), `the editor's "${tab}" tab`);
    await t.click();
    await until(`the "${tab}" tab selected`, async () => (await t.getAttribute('aria-selected')) === 'true');
    return d;
  }

  async function closeEditor(p: Page, d: Locator): Promise<void> {
    const close = d.getByRole('button', { name: 'Close', exact: true });
    await ((await close.count()) > 0 ? close : d.getByRole('button', { name: 'Cancel', exact: true })).first().click();
    await gone(d, 'the editor drawer');
  }

  const radio = (scope: Locator, group: string, option: string) =>
    scope.getByRole('radiogroup', { name: group }).getByRole('radio', { name: option, exact: true });

  async function pick(p: Page, scope: Locator, dropdown: string, option: string): Promise<void> {
    await scope.getByRole('combobox', { name: dropdown, exact: true }).click();
    await (await visible(p.getByRole('option', { name: option, exact: true }), `the option "${option}" of "${dropdown}"`)).click();
    await expectText(scope.getByRole('combobox', { name: dropdown, exact: true }), option, `the dropdown "${dropdown}" shows`);
  }

  /**
   * A tag's dismiss button, by its aria-label "Remove {value}" (the contract's words). Its computed
   * name is "{value} Remove {value}": Fluent's InteractionTagSecondary adds aria-labelledby with the
   * primary part.
   */
  const removeTag = (scope: Locator, value: string) => scope.locator(`button[aria-label="Remove ${value.replace(/["\\]/g, '\\$&')}"]`);

  async function addTag(scope: Locator, label: string, value: string): Promise<void> {
    const input = field(scope, label);
    await input.fill(value);
    await input.press('Enter');
    await visible(removeTag(scope, value), `the tag "${value}" in "${label}"`);
    assert.equal(await input.inputValue(), '', `the "${label}" input is emptied once the tag is added`);
  }

  before(async function () {
    this.timeout(300_000);
    const missing = chromiumMissing();
    if (missing) {
      warnLoudly(missing);
      this.skip();
    }
    await ensureTabBuilt();
    await rm(SCREENSHOTS, { recursive: true, force: true });
    fixture = await consoleFixture();
    const first = fixture.users.find((u) => u.appRoles.includes('Archiver.Admin'));
    assert.ok(first, 'the fixture has a user with the Archiver.Admin app role');
    admin = first;
    h = await startAppHarness(fixture);
    apiToken = (await h.e.control<{ token: string }>(h.e.entra, 'POST', '/__control/tokens', { userId: admin.id })).token;
    browser = await launchChromium();
    context = await newSandboxContext(browser);
    darkContext = await newSandboxContext(browser);
    page = await context.newPage();
    dark = await darkContext.newPage();
    page.setDefaultTimeout(15_000);
    dark.setDefaultTimeout(15_000);
    problems = watchProblems(page);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await screenshot(page, `FAILED-${this.currentTest.title}`).catch(() => undefined);
      if (problems.errors.length) process.stderr.write(`browser errors so far:\n  ${problems.errors.slice(-20).join('\n  ')}\n`);
    }
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await darkContext?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await h?.close();
  });

  it('signs in on the emulated Entra ID page and shows the empty list', async () => {
    await page.goto(tabUrl('default'));
    await visible(page.getByRole('button', { name: 'Sign in', exact: true }), 'the "Sign in" button');
    await checkScreen(page, 'sign-in-light');
    await signIn(page, 'default');
    await visible(page.getByText('Teams integrated accounts', { exact: true }), 'the subtitle');
    await visible(page.getByText('There are no active Teams accounts', { exact: true }), 'the empty state');
    await checkScreen(page, 'list-empty-light');
    await signIn(dark, 'dark');
    await darkScreen('list-empty');
  });

  it('adds an integration for the emulated tenant and Kaltura partner', async () => {
    const reg = fixture.appRegistrations[0]!;
    const appToken = fixture.kaltura.appTokens[0]!;
    await page.getByRole('button', { name: 'Add new integration', exact: true }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add new integration' }), 'the "Add new integration" dialog');
    await checkScreen(page, 'add-dialog-light');
    await field(dialog, 'Name').fill(ADD_NAME);
    await field(dialog, 'Directory (tenant) ID').fill(fixture.tenant.id);
    await field(dialog, 'Application (client) ID').fill(reg.clientId);
    await field(dialog, 'Application (client) Secret').fill(reg.secrets[0]!.value);
    await field(dialog, 'Kaltura service URL').fill(h.e.kaltura.url);
    await field(dialog, 'Partner ID').fill(String(fixture.kaltura.partnerId));
    await radio(dialog, 'Kaltura credential', 'App token').check();
    await field(dialog, 'App token ID').fill(appToken.id);
    await field(dialog, 'App token').fill(appToken.token);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await toast(page, 'Integration added');
    await gone(dialog, 'the "Add new integration" dialog');

    const r = await visible(row(page, ADD_NAME), `the list row of "${ADD_NAME}"`);
    await expectText(r, /\bDisabled\b/, 'the new integration is disabled');
    for (const header of ['Account name', 'Creation date', 'Updated at', 'Status']) {
      await visible(page.getByRole('columnheader', { name: header }), `the column header "${header}"`);
    }
    const items = (await api<{ items: ApiIntegration[] }>('GET', '/integrations')).items;
    assert.equal(items.length, 1);
    const created = items[0]!;
    integrationId = created.id;
    assert.equal(created.name, ADD_NAME);
    assert.equal(created.tenantId, fixture.tenant.id);
    assert.equal(created.appClientId, reg.clientId);
    assert.equal(created.status, 'disabled');
    assert.deepEqual(
      { partnerId: created.kaltura.partnerId, serviceUrl: created.kaltura.serviceUrl, credential: created.kaltura.credential, appTokenId: created.kaltura.appTokenId },
      { partnerId: fixture.kaltura.partnerId, serviceUrl: h.e.kaltura.url, credential: 'appToken', appTokenId: appToken.id },
    );
    await checkScreen(page, 'list-light');
    await darkScreen('add-dialog', async (p) => {
      await p.getByRole('button', { name: 'Add new integration', exact: true }).click();
      await visible(p.getByRole('dialog', { name: 'Add new integration' }), 'the dark "Add new integration" dialog');
    });
    await darkScreen('list');
  });

  it('changes every setting in the editor and keeps them after a reload', async () => {
    let d = await openEditor(page, ADD_NAME);
    const save = d.getByRole('button', { name: 'Save', exact: true });
    assert.equal(await save.isDisabled(), true, 'Save is disabled before any change');
    assert.equal(await field(d, 'Directory (tenant) ID').inputValue(), fixture.tenant.id);
    assert.equal(await field(d, 'Application (client) ID').inputValue(), fixture.appRegistrations[0]!.clientId);
    await checkScreen(page, 'editor-settings-light');

    await field(d, 'Name').fill(NAME);
    for (const c of [...FINAL_SETTINGS.categories, 'Not a category']) await addTag(d, 'Publish to categories', c);
    await removeTag(d, 'Not a category').click();
    await gone(removeTag(d, 'Not a category'), 'the removed tag');

    await radio(d, 'Upload recordings management', 'Opt-in groups').check();
    await visible(d.getByText('Must fill in at least one group', { exact: true }), 'the error "Must fill in at least one group"');
    assert.equal(await save.isDisabled(), true, 'Save is disabled while opt-in has no group');
    await radio(d, 'Group source', 'Entra ID groups (needs GroupMember.Read.All)').check();
    await addTag(d, 'Groups', '00000000-0000-4000-8000-000000000102');
    await gone(d.getByText('Must fill in at least one group', { exact: true }), 'the group error once a group is there');
    // the picker suggests Entra groups by name as the admin types; the keyboard picks one, stored by its id
    const groupsInput = field(d, 'Groups');
    await groupsInput.fill('Sal');
    const sales = d.getByRole('option', { name: /^Sales/ });
    await visible(sales, 'the suggestion "Sales" for "Sal"');
    await groupsInput.press('ArrowDown');
    assert.equal(await sales.getAttribute('aria-selected'), 'true', 'ArrowDown highlights the suggestion');
    await groupsInput.press('Enter');
    const salesTag = removeTag(d, '00000000-0000-4000-8000-000000000101');
    await visible(salesTag, 'the Sales group tag, by its object id');
    const salesChip = d.locator('.fui-InteractionTag').filter({ has: page.locator('button[aria-label="Remove 00000000-0000-4000-8000-000000000101"]') });
    await expectText(salesChip, /^Sales/, 'the tag shows the group name');
    assert.equal(await groupsInput.inputValue(), '', 'the input is emptied once the suggestion is picked');
    await salesTag.click();
    await gone(salesTag, 'the removed Sales tag');

    const transcription = d.getByRole('switch', { name: 'Teams transcription' });
    assert.equal(await transcription.isChecked(), true, 'transcription starts on');
    await transcription.click();
    assert.equal(await transcription.isChecked(), false);

    await pick(page, d, 'Co-organizers', 'Co-Viewer');
    await pick(page, d, 'Presenters', 'Co-Editor');
    await pick(page, d, 'Users (attendees)', 'Co-Publishers');

    await radio(d, 'Postfix', 'Add postfix').check();
    await field(d, 'Postfix text').fill('@kaltura.com');
    await radio(d, 'Find user by', 'User e-mail').check();
    await radio(d, "In case the user doesn't exist", 'Use default user').check();
    const defaultUser = field(d, 'Default user ID');
    await defaultUser.fill('');
    await visible(d.getByText('Default user ID is required', { exact: true }), 'the error "Default user ID is required"');
    await defaultUser.fill('teams-archive');
    await field(d, 'Entry link template').fill(FINAL_SETTINGS.entryUrlTemplate);

    // the Teams notifications: both off by default; each hint is its switch's description, the
    // proactive one's naming the Graph permissions it needs
    const coOrganizersSwitch = d.getByRole('switch', { name: CO_ORGANIZERS_SWITCH, exact: true });
    const proactiveSwitch = d.getByRole('switch', { name: PROACTIVE_SWITCH, exact: true });
    assert.equal(await coOrganizersSwitch.isChecked(), false, 'co-organizers are not sent the card by default');
    assert.equal(await proactiveSwitch.isChecked(), false, 'the app does not install itself by default');
    const description = (l: Locator) =>
      l.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(/\s+/).map((id: string) => el.ownerDocument.getElementById(id)?.textContent ?? '').join(' '));
    assert.match(await description(coOrganizersSwitch), /co-organizers get the organizer's card/);
    const proactiveHint = await description(proactiveSwitch);
    for (const permission of ['TeamsAppInstallation.ReadWriteForUser.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All', 'AppCatalog.Read.All']) {
      assert.ok(proactiveHint.includes(permission), `the proactive install hint names ${permission}: ${proactiveHint}`);
    }
    await coOrganizersSwitch.click();
    await proactiveSwitch.click();
    assert.equal(await coOrganizersSwitch.isChecked(), true);
    assert.equal(await proactiveSwitch.isChecked(), true);

    // the Kaltura connection: the stored app token is shown, and replaced by the partner's admin secret
    assert.equal(await field(d, 'Kaltura service URL').inputValue(), h.e.kaltura.url);
    assert.equal(await field(d, 'Partner ID').inputValue(), String(fixture.kaltura.partnerId));
    assert.equal(await radio(d, 'Kaltura credential', 'App token').isChecked(), true, 'the stored credential is an app token');
    await expectText(d, fixture.kaltura.appTokens[0]!.id, 'the stored app token ID is shown');
    assert.equal(await field(d, 'App token').inputValue(), '', 'the stored app token is not shown');
    await radio(d, 'Kaltura credential', 'Admin secret').check();
    await visible(d.getByText('Enter the admin secret to switch to it', { exact: true }), 'the error for a switch with no admin secret');
    assert.equal(await save.isDisabled(), true, 'Save is disabled while the new credential is missing');
    await field(d, 'Admin secret').fill(fixture.kaltura.adminSecret);
    await gone(d.getByText('Enter the admin secret to switch to it', { exact: true }), 'the credential error once the secret is typed');
    await until('Save enabled', async () => !(await save.isDisabled()));
    const patched = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/admin/integrations/${integrationId}`));
    await save.click();
    const patch = (await patched).postDataJSON() as { settings?: Record<string, unknown> };
    assert.deepEqual(
      { notifyCoOrganizers: patch.settings?.notifyCoOrganizers, proactiveInstall: patch.settings?.proactiveInstall },
      { notifyCoOrganizers: true, proactiveInstall: true },
      'the PATCH carries both Teams notification switches',
    );
    await toast(page, 'Settings saved');
    const switched = await integration();
    assert.deepEqual(
      { partnerId: switched.kaltura.partnerId, serviceUrl: switched.kaltura.serviceUrl, credential: switched.kaltura.credential, appTokenId: switched.kaltura.appTokenId ?? null },
      { partnerId: fixture.kaltura.partnerId, serviceUrl: h.e.kaltura.url, credential: 'adminSecret', appTokenId: null },
    );

    // the second save: the owner from the Azure user id (which hides the postfix choice)
    d = drawer(page, NAME);
    await visible(d, `the editor drawer now titled "${NAME}"`);
    const save2 = d.getByRole('button', { name: 'Save', exact: true });
    await until('Save disabled again once saved', async () => save2.isDisabled());
    await radio(d, 'Set user based on', 'Azure user ID').check();
    await gone(d.getByRole('radiogroup', { name: 'Postfix' }), 'the Postfix choice for Azure user ids');
    await until('Save enabled', async () => !(await save2.isDisabled()));
    await save2.click();
    await toast(page, 'Settings saved');

    const saved = await integration();
    assert.equal(saved.name, NAME);
    assert.deepEqual(saved.settings, FINAL_SETTINGS);

    await page.reload();
    await listReady(page);
    if (!(await drawer(page, NAME).isVisible())) d = await openEditor(page, NAME);
    else d = drawer(page, NAME);
    assert.equal(await field(d, 'Name').inputValue(), NAME);
    for (const c of FINAL_SETTINGS.categories) await visible(removeTag(d, c), `the category tag "${c}" after reload`);
    assert.equal(await radio(d, 'Upload recordings management', 'Opt-in groups').isChecked(), true);
    assert.equal(await radio(d, 'Group source', 'Entra ID groups (needs GroupMember.Read.All)').isChecked(), true);
    await visible(removeTag(d, '00000000-0000-4000-8000-000000000102'), 'the group tag after reload');
    assert.equal(await d.getByRole('switch', { name: 'Teams transcription' }).isChecked(), false);
    await expectText(d.getByRole('combobox', { name: 'Co-organizers', exact: true }), 'Co-Viewer', 'Co-organizers after reload');
    await expectText(d.getByRole('combobox', { name: 'Presenters', exact: true }), 'Co-Editor', 'Presenters after reload');
    await expectText(d.getByRole('combobox', { name: 'Users (attendees)', exact: true }), 'Co-Publishers', 'attendees after reload');
    assert.equal(await radio(d, 'Set user based on', 'Azure user ID').isChecked(), true);
    assert.equal(await radio(d, 'Find user by', 'User e-mail').isChecked(), true);
    assert.equal(await radio(d, "In case the user doesn't exist", 'Use default user').isChecked(), true);
    assert.equal(await field(d, 'Default user ID').inputValue(), 'teams-archive');
    assert.equal(await field(d, 'Entry link template').inputValue(), FINAL_SETTINGS.entryUrlTemplate);
    assert.equal(await d.getByRole('switch', { name: CO_ORGANIZERS_SWITCH, exact: true }).isChecked(), true, 'co-organizers switch after reload');
    assert.equal(await d.getByRole('switch', { name: PROACTIVE_SWITCH, exact: true }).isChecked(), true, 'proactive install switch after reload');
    // the postfix chosen before is kept, and offered again for UPNs
    await radio(d, 'Set user based on', 'Microsoft User Principal Name').check();
    assert.equal(await radio(d, 'Postfix', 'Add postfix').isChecked(), true);
    assert.equal(await field(d, 'Postfix text').inputValue(), '@kaltura.com');
    await checkScreen(page, 'editor-settings-changed-light');
    // the drawer scrolls: the Teams notifications section is last
    await d.getByRole('switch', { name: PROACTIVE_SWITCH, exact: true }).scrollIntoViewIfNeeded();
    await screenshot(page, 'editor-notifications-light');
    // back to what is saved: nothing to save
    await radio(d, 'Set user based on', 'Azure user ID').check();
    await until('Save disabled with the saved values', async () => d.getByRole('button', { name: 'Save', exact: true }).isDisabled());
    // the secret typed before is not shown again; the stored credential is the admin secret
    assert.equal(await radio(d, 'Kaltura credential', 'Admin secret').isChecked(), true, 'the admin secret is the stored credential after reload');
    assert.equal(await field(d, 'Admin secret').inputValue(), '', 'the admin secret is not shown after save');
    await expectText(d, 'Stored credential: admin secret', 'the stored credential after reload');

    // unsaved changes: closing asks first; "Keep editing" keeps them, "Discard" closes and saves nothing
    await field(d, 'Name').fill(`${NAME} (unsaved)`);
    await d.getByRole('button', { name: 'Cancel', exact: true }).click();
    let ask = await visible(dialogNamed(page, 'Discard unsaved changes?'), 'the dialog "Discard unsaved changes?"');
    await checkScreen(page, 'editor-discard-light');
    await ask.getByRole('button', { name: 'Keep editing', exact: true }).click();
    await gone(ask, 'the dialog "Discard unsaved changes?"');
    await visible(d, 'the editor drawer kept open');
    assert.equal(await field(d, 'Name').inputValue(), `${NAME} (unsaved)`, 'the unsaved name is still there');
    await field(d, 'Name').press('Escape');
    ask = await visible(dialogNamed(page, 'Discard unsaved changes?'), 'the dialog "Discard unsaved changes?" on Escape');
    await ask.getByRole('button', { name: 'Discard', exact: true }).click();
    await gone(ask, 'the dialog "Discard unsaved changes?"');
    await gone(d, 'the editor drawer');
    const kept = await integration();
    assert.equal(kept.name, NAME, 'discarding saved nothing');
    assert.deepEqual(kept.settings, FINAL_SETTINGS, 'closing without saving changed nothing');
    assert.equal(kept.kaltura.credential, 'adminSecret');
    // without changes the editor closes at once
    d = await openEditor(page, NAME);
    await closeEditor(page, d);
    await darkScreen('editor-settings', async (p) => void (await openEditor(p, NAME)));
    await drawer(dark, NAME).getByRole('switch', { name: PROACTIVE_SWITCH, exact: true }).scrollIntoViewIfNeeded();
    await screenshot(dark, 'editor-notifications-dark');
  });

  it('the ad hoc calls switch follows "Teams transcription", off by default, and is saved', async () => {
    const d = await openEditor(page, NAME);
    // KMC's order (teams-2026.md §3.1): the ad hoc switch is the control right after Teams transcription
    const publishing = d.getByRole('region', { name: 'Publishing', exact: true });
    const controls = await publishing.locator('input').evaluateAll((els) =>
      els.map((el) => {
        const label = Array.from(el.ownerDocument.getElementsByTagName('label') as ArrayLike<typeof el>).find((l) => l.getAttribute('for') === el.id);
        return label?.textContent?.trim() ?? '';
      }));
    const at = controls.indexOf('Teams transcription');
    assert.ok(at >= 0, `"Teams transcription" is in Publishing: ${JSON.stringify(controls)}`);
    assert.equal(controls[at + 1], ADHOC_SWITCH, `the control after "Teams transcription": ${JSON.stringify(controls)}`);

    const adhoc = publishing.getByRole('switch', { name: ADHOC_SWITCH, exact: true });
    assert.equal(await adhoc.isChecked(), false, 'ad hoc calls are off by default');
    const hint = await adhoc.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '').split(/\s+/).map((id: string) => el.ownerDocument.getElementById(id)?.textContent ?? '').join(' '));
    for (const words of ['PSTN', 'CallRecordings.Read.All', 'CallTranscripts.Read.All', 'does not say who took part']) {
      assert.ok(hint.includes(words), `the switch's description says "${words}": ${hint}`);
    }

    const save = d.getByRole('button', { name: 'Save', exact: true });
    await adhoc.click();
    assert.equal(await adhoc.isChecked(), true);
    await until('Save enabled', async () => !(await save.isDisabled()));
    await checkScreen(page, 'editor-adhoc-calls-light');
    let patched = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/admin/integrations/${integrationId}`));
    await save.click();
    assert.equal(((await patched).postDataJSON() as { settings?: Record<string, unknown> }).settings?.includeAdhocCalls, true, 'the PATCH turns ad hoc calls on');
    await toast(page, 'Settings saved');
    assert.deepEqual((await integration()).settings, { ...FINAL_SETTINGS, includeAdhocCalls: true }, 'only ad hoc calls changed');
    await darkScreen('editor-adhoc-calls', async (p) => {
      const dd = await openEditor(p, NAME);
      const on = dd.getByRole('switch', { name: ADHOC_SWITCH, exact: true });
      assert.equal(await on.isChecked(), true, 'the switch is on after a reload');
      // the picture shows the switch, not the top of the editor
      await on.scrollIntoViewIfNeeded();
    });

    // off again, for the steps below
    await until('Save disabled once saved', async () => save.isDisabled());
    await adhoc.click();
    patched = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/admin/integrations/${integrationId}`));
    await until('Save enabled', async () => !(await save.isDisabled()));
    await save.click();
    assert.equal(((await patched).postDataJSON() as { settings?: Record<string, unknown> }).settings?.includeAdhocCalls, false, 'the PATCH turns ad hoc calls off');
    await until('ad hoc calls off in the API', async () => (await integration()).settings.includeAdhocCalls === false);
    await until('Save disabled once saved', async () => save.isDisabled());
    await closeEditor(page, d);
  });

  it("shows an ad hoc call's recording as a call", async () => {
    const now = new Date().toISOString();
    const base = {
      organizerId: admin.id, recordedAt: now, bytesDone: 1_572_871, bytesTotal: 1_572_871, entryId: null, entryUrl: null, reason: null, error: null,
      transcript: { state: 'attached', error: null }, notice: null, retryable: false, createdAt: now, updatedAt: now,
    };
    // the tab alone: the API's answer is made up, so the row does not wait on the pipeline
    const items = [
      { ...base, recordingId: 'call-with-name', meetingId: null, callId: '5c2e7b1a-9d4f-4e3b-8a6c-1f0e2d3c4b5a', subject: 'Teams call with Lee Gu (2026-11-24 14:00 UTC)', state: 'archived' },
      { ...base, recordingId: 'call-unnamed', meetingId: null, callId: '6d3f8c2b-0e5a-4f4c-9b7d-2a1f3e4d5c6b', subject: '', state: 'queued' },
      { ...base, recordingId: 'meeting', meetingId: 'MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ', callId: null, subject: 'Sales kickoff', state: 'archived' },
    ];
    const answer = (route: import('playwright-core').Route) => route.fulfill({ json: { items, nextCursor: null } });
    const recordingsUrl = new RegExp(`/api/admin/integrations/${integrationId}/recordings(\\?|$)`);
    await page.route(recordingsUrl, answer);
    try {
      const d = await openEditor(page, NAME, 'Recordings');
      const callRow = d.getByRole('row').filter({ hasText: 'Teams call with Lee Gu' });
      await visible(callRow.getByText('Call', { exact: true }), 'the "Call" badge of the named call');
      // a call without a subject is named as a call, not as an untitled meeting
      const unnamed = d.getByRole('row').filter({ has: page.getByText('queued', { exact: true }) });
      await expectText(unnamed, /^Teams call Call\b/, 'the unnamed call');
      const meetingRow = d.getByRole('row').filter({ hasText: 'Sales kickoff' });
      await visible(meetingRow, 'the meeting row');
      assert.equal(await meetingRow.getByText('Call', { exact: true }).count(), 0, 'a meeting has no "Call" badge');
      await checkScreen(page, 'recordings-call-light');
      await closeEditor(page, d);
    } finally {
      await page.unroute(recordingsUrl, answer);
    }
  });

  it('enables the integration', async () => {
    await menu(page, NAME, 'Enable');
    await toast(page, 'Integration enabled');
    await expectText(row(page, NAME), /\bEnabled\b/, 'the row says Enabled');
    assert.equal((await integration()).status, 'enabled');
    // Graph's subscriptions are made for it
    await until('a Graph subscription for the integration', async () => {
      const state = await h.e.control<{ subscriptions: Array<{ resource: string }> }>(h.e.graph, 'GET', '/__control/state');
      return state.subscriptions.some((s) => s.resource.includes('getAllRecordings'));
    }, 20_000);
  });

  it('an expired client secret shows a red mark, its tooltip and the banner; a new secret heals it', async () => {
    // the admin's secret expires; a new one is made in Entra ID
    const f = await h.e.control<Fixture>(h.e.entra, 'GET', '/__control/fixture');
    const reg = f.appRegistrations[0]!;
    reg.secrets = [{ ...reg.secrets[0]!, expiresAt: '2026-01-01T00:00:00Z' }, { value: NEW_SECRET, expiresAt: '2028-06-01T00:00:00Z' }];
    await h.e.control(h.e.entra, 'POST', '/__control/fixture', f);

    const tested = page.waitForResponse((r) => r.url().endsWith(`/api/admin/integrations/${integrationId}/test`) && r.request().method() === 'POST');
    await menu(page, NAME, 'Test connection');
    const report = (await (await tested).json()) as { ok: boolean; checks: ApiCheck[] };
    assert.equal(report.ok, false);
    const dialog = await visible(page.getByRole('dialog', { name: 'Connection test' }), 'the "Connection test" dialog');
    await toast(page, 'Connection test found problems');
    const tokenCheck = report.checks.find((c) => c.id === 'token')!;
    assert.equal(tokenCheck.status, 'fail');
    await expectText(dialog, tokenCheck.label, 'the failed check is listed');
    await expectText(dialog, 'Failed', 'its status');
    if (tokenCheck.fix) await expectText(dialog, `Fix: ${tokenCheck.fix}`, 'its fix');
    await checkScreen(page, 'connection-test-failed-light');
    await dialog.getByRole('button', { name: /^(Close|OK|Done)$/ }).first().click();
    await gone(dialog, 'the "Connection test" dialog');

    const failed = await until('the integration has a lastError', async () => (await integration()).lastError);
    assert.equal(failed.code, 'SECRET_EXPIRED');
    // the paused integration is re-tested every HEALTH_RECHECK_MS and Entra's words carry a timestamp,
    // so what stays the same from one test to the next is the message up to it
    const stable = failed.message.split(' Timestamp: ')[0]!;
    const escaped = stable.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const mark = await visible(page.getByLabel(new RegExp(`^Error: ${escaped}`)), `the red mark labelled "Error: ${stable}…"`);
    await mark.hover();
    const tip = await visible(page.getByRole('tooltip'), 'the red mark\'s tooltip');
    await expectText(tip, stable, 'the tooltip shows the message');
    if (failed.fix) await expectText(tip, failed.fix, 'the tooltip shows the fix');
    await screenshot(page, 'list-error-tooltip-light');
    await page.mouse.move(0, 0);
    await visible(page.getByText(/We've detected an error on at least one integration/), 'the error banner');
    await expectText(page.locator('body'), ERROR_BANNER, 'the banner');
    await visible(page.getByRole('link', { name: 'click here' }), 'the banner\'s "click here" link');
    await checkScreen(page, 'list-error-light');
    await darkScreen('list-error');

    // the Health tab says what is wrong and how to fix it
    const d = await openEditor(page, NAME, 'Health');
    await visible(d.getByRole('heading', { name: 'Health' }), 'the "Health" heading');
    await expectText(d, stable, 'the problem on the Health tab');
    if (failed.fix) await expectText(d, `Fix: ${failed.fix}`, 'its fix on the Health tab');
    for (const label of ['Subscription expires', 'Client secret expires', 'Last successful archive']) await expectText(d, label, 'the Health tab');
    await expectText(d, 'Recordings archived and failed per day, last 30 days', 'the chart title');
    await checkScreen(page, 'health-error-light');
    await closeEditor(page, d);
    await darkScreen('health-error', async (p) => void (await openEditor(p, NAME, 'Health')));

    // a wrong secret is refused and changes nothing; the new one heals the integration
    await menu(page, NAME, 'Update application (client) secret');
    const sd = await visible(page.getByRole('dialog', { name: 'Update application (client) secret' }), 'the secret dialog');
    await checkScreen(page, 'secret-dialog-light');
    await field(sd, 'Application (client) Secret').fill('not-the-secret');
    await sd.getByRole('button', { name: 'Update', exact: true }).click();
    await expectText(sd, /Entra ID refused the new secret/, 'the refusal under the field');
    assert.equal((await integration()).lastError?.code, 'SECRET_EXPIRED');
    await field(sd, 'Application (client) Secret').fill(NEW_SECRET);
    await sd.getByRole('button', { name: 'Update', exact: true }).click();
    await toast(page, 'Secret updated successfully');
    await gone(sd, 'the secret dialog');
    await gone(page.getByLabel(/^Error: /), 'the red mark');
    await gone(page.getByText(/We've detected an error on at least one integration/), 'the error banner');
    // a re-test of the paused integration may have been under way with the old secret: the store settles on healed
    await until('the integration without a lastError', async () => (await integration()).lastError === null);
    await darkScreen('secret-dialog', async (p) => {
      await menu(p, NAME, 'Update application (client) secret');
      await visible(p.getByRole('dialog', { name: 'Update application (client) secret' }), 'the dark secret dialog');
    });
  });

  it('"Test connection" lists one row per check', async () => {
    const tested = page.waitForResponse((r) => r.url().endsWith(`/api/admin/integrations/${integrationId}/test`) && r.request().method() === 'POST');
    await menu(page, NAME, 'Test connection');
    const report = (await (await tested).json()) as { ok: boolean; checks: ApiCheck[] };
    assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => c.status === 'fail')));
    const dialog = await visible(page.getByRole('dialog', { name: 'Connection test' }), 'the "Connection test" dialog');
    await toast(page, 'Connection test passed');
    await expectText(dialog, report.checks[report.checks.length - 1]!.label, 'the last check');
    const text = await dialog.innerText();
    for (const c of report.checks) {
      assert.equal(text.split(c.label).length - 1, 1, `the check "${c.label}" is listed once`);
      const rowOf = dialog.getByRole('row').filter({ hasText: c.label }).or(dialog.getByRole('listitem').filter({ hasText: c.label }));
      if ((await rowOf.count()) > 0) await expectText(rowOf.first(), STATUS_WORDS[c.status]!, `the status of "${c.label}"`);
      if (c.fix) assert.ok(text.includes(`Fix: ${c.fix}`), `the fix of "${c.label}"`);
    }
    const statusWords = text.match(/\b(Passed|Failed|Warning|Skipped)\b/g) ?? [];
    assert.equal(statusWords.length, report.checks.length, `one status per check (${report.checks.length}), saw ${JSON.stringify(statusWords)}`);
    await checkScreen(page, 'connection-test-passed-light');
    await dialog.getByRole('button', { name: /^(Close|OK|Done)$/ }).first().click();
    await gone(dialog, 'the "Connection test" dialog');
    await darkScreen('connection-test', async (p) => {
      await menu(p, NAME, 'Test connection');
      const dd = await visible(p.getByRole('dialog', { name: 'Connection test' }), 'the dark "Connection test" dialog');
      await expectText(dd, report.checks[report.checks.length - 1]!.label, 'the dark dialog\'s checks');
    });
  });

  it("shows a recording's upload progress, and retries one that failed", async () => {
    const [qbr, sko] = fixture.meetings;
    const qbrRecording = qbr!.recordings[0]!.id;
    const skoRecording = sko!.recordings[0]!.id;
    // Kaltura refuses the QBR's entry for good
    await kalturaRefusesNewEntries(h.e);
    await h.release('recording', qbrRecording);
    const failed = await until('the QBR recording failed', async () => {
      const r = await h.app.store.recordings.get({ integrationId, recordingId: qbrRecording });
      return r?.state === 'failed' ? r : undefined;
    }, 30_000);
    await h.e.control(h.e.kaltura, 'DELETE', '/__control/faults');

    const d = await openEditor(page, NAME, 'Recordings');
    for (const header of ['Meeting', 'Recorded', 'State', 'Progress', 'Transcript', 'Teams card', 'Error']) {
      await visible(d.getByRole('columnheader', { name: header }), `the recordings column "${header}"`);
    }
    const qbrRow = d.getByRole('row').filter({ hasText: qbr!.subject });
    await expectText(qbrRow, /\bfailed\b/i, 'the QBR row is failed', 20_000);
    if (failed.error?.message) await expectText(qbrRow, failed.error.message.slice(0, 60), 'the QBR row shows the error');
    await visible(qbrRow.getByRole('button', { name: 'Retry', exact: true }), 'the "Retry" button of the failed recording');

    // the sales kickoff (48 MiB) uploads slowly: 12 chunks of 4 MiB, 2 s each (progress saved at 16 and 32 MiB)
    await h.e.control(h.e.kaltura, 'POST', '/__control/faults', { method: 'POST', pathPattern: '/service/uploadtoken/action/upload$', delayMs: 2_000, count: 1_000 });
    await h.release('recording', skoRecording);
    let seen: unknown;
    await until('the sales kickoff uploading', async () => {
      const r = await h.app.store.recordings.get({ integrationId, recordingId: skoRecording });
      seen = r && { state: r.state, bytesDone: r.bytesDone, reason: r.reason, error: r.error };
      return r?.state === 'uploading';
    }, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; the recording: ${JSON.stringify(seen)}`);
    });
    // nothing was in flight, so the list was not polling: a person refreshes it
    const refresh = d.getByRole('button', { name: 'Refresh', exact: true });
    if ((await refresh.count()) > 0) await refresh.click();
    else {
      await d.getByRole('tab', { name: 'Health', exact: true }).click();
      await d.getByRole('tab', { name: 'Recordings', exact: true }).click();
    }
    const bar = await visible(d.getByRole('progressbar', { name: `Upload progress for ${sko!.subject}` }), `the ProgressBar "Upload progress for ${sko!.subject}"`, 20_000);
    const progress = async () => ({ now: Number(await bar.getAttribute('aria-valuenow')), max: Number((await bar.getAttribute('aria-valuemax')) ?? 1) });
    const first = await progress();
    assert.ok(first.now >= 0 && first.now < first.max, `progress ${JSON.stringify(first)}`);
    // the list polls by itself while the upload runs: the bar moves with no click
    const later = await until('the progress bar moving on', async () => {
      const p = await progress();
      return p.now > first.now && p.now < p.max ? p : undefined;
    }, 15_000);
    await expectText(d.getByRole('row').filter({ hasText: sko!.subject }), /\buploading\b/i, 'the sales kickoff row says uploading');
    await checkScreen(page, 'recordings-uploading-light');
    await darkScreen('recordings-uploading', async (p) => {
      const dd = await openEditor(p, NAME, 'Recordings');
      await visible(dd.getByRole('progressbar', { name: `Upload progress for ${sko!.subject}` }), 'the dark page\'s ProgressBar');
    });

    await qbrRow.getByRole('button', { name: 'Retry', exact: true }).click();
    await toast(page, 'Retry queued');
    // the QBR's cards go out (the connector delivers them) to its organizer and, with notifyCoOrganizers,
    // to its co-organizer, the sales kickoff's organizer; who then uninstalls the app before the kickoff
    // is done: proactive install is on, but the app registration may not read the app catalog, so the
    // kickoff's organizer stays unreachable
    const skoOrganizer = sko!.organizerId;
    let notices: unknown;
    const noticesOf = async () => {
      const [q, k] = await Promise.all([qbrRecording, skoRecording].map((recordingId) => h.app.store.recordings.get({ integrationId, recordingId })));
      notices = [q, k].map((r) => r && { state: r.state, notice: r.notice && { state: r.notice.state, error: r.notice.error, coOrganizers: r.notice.coOrganizers?.map((c) => ({ userId: c.userId, state: c.state })) } });
      return [q?.notice ?? null, k?.notice ?? null] as const;
    };
    const qbrNotice = await until('the QBR cards sent, to its organizer and co-organizer', async () => {
      const [q, k] = await noticesOf();
      assert.equal(k, null, `the sales kickoff's card went before the QBR's: ${JSON.stringify(notices)}`);
      return q?.state === 'sent' && q.coOrganizers?.length === 1 && q.coOrganizers[0]!.userId === skoOrganizer && q.coOrganizers[0]!.state === 'sent' ? q : undefined;
    }, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; the notices: ${JSON.stringify(notices)}`);
    });
    await h.teams.uninstall(skoOrganizer);
    await expectText(d.getByRole('row').filter({ hasText: sko!.subject }), /\barchived\b/i, 'the sales kickoff archived', 40_000);
    await expectText(qbrRow, /\barchived\b/i, 'the retried QBR archived', 40_000);
    await gone(qbrRow.getByRole('button', { name: 'Retry', exact: true }), 'the Retry button once archived');
    await h.e.control(h.e.kaltura, 'DELETE', '/__control/faults');
    const entries = await h.entries();
    for (const id of [qbrRecording, skoRecording]) assert.ok(entries.some((e) => e.referenceId === `Teams_${id}`), `an entry for ${id}`);

    const skoNotice = await until('the sales kickoff\'s organizer found unreachable', async () => {
      const [, k] = await noticesOf();
      return k?.state === 'unreachable' ? k : undefined;
    }, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; the notices: ${JSON.stringify(notices)}`);
    });
    assert.ok(skoNotice.error?.message, 'the unreachable notice says why');
    // nothing is in flight any more, so the list is not polling
    await d.getByRole('button', { name: 'Refresh', exact: true }).click();
    const skoRow = d.getByRole('row').filter({ hasText: sko!.subject });
    await expectText(qbrRow, 'Card sent', 'the QBR row says the card was sent');
    await expectText(qbrRow, '+1 co-organizer', 'the QBR row counts its co-organizer');
    await expectText(skoRow, 'Organizer not reachable', 'the sales kickoff row says its organizer was not reached');
    // each badge's tooltip is its description: on focus, and to screen readers
    const sentBadge = qbrRow.getByRole('img', { name: 'Card sent', exact: true });
    await sentBadge.focus();
    await expectText(await visible(page.getByRole('tooltip').filter({ hasText: 'Sent to the organizer' }), 'the "Card sent" tooltip'), /Sent to the organizer \w{3} \d+, \d{4}/, 'the tooltip says when');
    assert.ok(qbrNotice.at, 'the sent notice has a time');
    const unreachableBadge = skoRow.getByRole('img', { name: 'Organizer not reachable', exact: true });
    await unreachableBadge.focus();
    const why = skoNotice.error!.message.slice(0, 60);
    await expectText(await visible(page.getByRole('tooltip').filter({ hasText: why }), 'the "Organizer not reachable" tooltip'), why, 'the tooltip says why');
    await screenshot(page, 'recordings-card-tooltip-light');
    const description = await unreachableBadge.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '').split(/\s+/).map((id: string) => el.ownerDocument.getElementById(id)?.textContent ?? '').join(' '));
    assert.ok(description.includes(why), `the badge's description is the error: ${description}`);
    await unreachableBadge.blur();
    await checkScreen(page, 'recordings-archived-light');
    await closeEditor(page, d);
    await darkScreen('recordings-archived', async (p) => {
      const dd = await openEditor(p, NAME, 'Recordings');
      await expectText(dd.getByRole('row').filter({ hasText: qbr!.subject }), 'Card sent', 'the dark page\'s "Card sent"');
      await expectText(dd.getByRole('row').filter({ hasText: sko!.subject }), 'Organizer not reachable', 'the dark page\'s "Organizer not reachable"');
    });
  });

  it('starts a backfill for a date range', async () => {
    const d = await openEditor(page, NAME, 'Recordings');
    const day = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);
    const from = day(30 * 86_400_000);
    const to = day(86_400_000);
    await field(d, 'From').fill(from);
    await field(d, 'To').fill(to);
    await d.getByRole('button', { name: 'Start backfill', exact: true }).click();
    await toast(page, 'Backfill started');
    const audit = await until('the backfill in the audit log', async () =>
      (await h.app.store.audit.list({ integrationId })).items.find((a) => a.action === 'integration.backfill'));
    const details = audit.details as { from: string; to: string };
    assert.ok(details.from.startsWith(from), `backfill from ${details.from}, chose ${from}`);
    assert.ok(details.to.startsWith(to) || details.to.startsWith(day(0)), `backfill to ${details.to}, chose ${to}`);
    await checkScreen(page, 'recordings-backfill-light');
    await closeEditor(page, d);
  });

  it('refuses to delete an enabled integration, then disables and deletes it', async () => {
    await menu(page, NAME, 'Delete');
    const refusal = await visible(dialogWith(page, DELETE_REFUSED), 'the refusal dialog');
    await expectText(refusal, DELETE_REFUSED, 'the exact refusal');
    await checkScreen(page, 'delete-refused-light');
    await refusal.getByRole('button', { name: 'OK', exact: true }).click();
    await gone(refusal, 'the refusal dialog');
    assert.equal((await integration()).status, 'enabled');
    await darkScreen('delete-refused', async (p) => {
      await menu(p, NAME, 'Delete');
      await visible(dialogWith(p, DELETE_REFUSED), 'the dark refusal dialog');
    });

    await menu(page, NAME, 'Disable');
    await toast(page, 'Integration disabled');
    await expectText(row(page, NAME), /\bDisabled\b/, 'the row says Disabled');

    await menu(page, NAME, 'Delete');
    const confirm = await visible(dialogNamed(page, `Delete ${NAME}?`), `the confirm dialog "Delete ${NAME}?"`);
    await visible(confirm.getByRole('button', { name: 'Cancel', exact: true }), 'its Cancel button');
    await checkScreen(page, 'delete-confirm-light');
    await darkScreen('delete-confirm', async (p) => {
      await menu(p, NAME, 'Delete');
      await visible(dialogNamed(p, `Delete ${NAME}?`), 'the dark confirm dialog');
    });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await toast(page, 'Integration deleted');
    await visible(page.getByText('There are no active Teams accounts', { exact: true }), 'the empty state again');
    assert.deepEqual((await api<{ items: unknown[] }>('GET', '/integrations')).items, []);
    assert.deepEqual(problems.errors.filter((e) => e.startsWith('pageerror')), [], 'no uncaught errors in the page');
  });
});
