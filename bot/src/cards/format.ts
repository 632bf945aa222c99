/**
 * Formatting shared by the bot's cards: markdown escaping for anything a person or an admin typed,
 * dates in the reader's time zone, durations and Kaltura category names. Pure functions, no clock.
 */

/**
 * Teams renders TextBlock and Fact text as (a subset of) markdown, so a meeting subject such as
 * "[Pay here](https://evil)" would become a link. Backslash escapes are the one escape Teams' renderers
 * honour; only characters that start markup are escaped, because clients that show an escape literally
 * exist (older mobile builds) and every extra backslash would then be visible. `{` is included because
 * `{{DATE(...)}}` / `{{TIME(...)}}` are functions in TextBlock text.
 */
const MARKUP_CHARACTERS = /[\\`*_[\]{}<>#~]/g;

/** One line of user data made safe for a TextBlock or a Fact: markup escaped, line breaks folded into spaces. */
export function escapeMarkdown(value: string): string {
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return (
    oneLine
      .replace(MARKUP_CHARACTERS, (c) => `\\${c}`)
      // a line starting "- ", "+ " or "1. " would become a list item
      .replace(/^([-+])(?= )/, '\\$1')
      .replace(/^(\d+)([.)])(?= )/, '$1\\$2')
  );
}

/** Plain text for a notification preview (not markdown): one line, at most `max` characters. */
export function previewText(value: string, max = 120): string {
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1).trimEnd()}…`;
}

/** What a meeting without a subject is called (Teams itself shows an empty subject this way). */
export function subjectOrDefault(subject: string | null | undefined): string {
  const trimmed = (subject ?? '').trim();
  return trimmed === '' ? 'Teams meeting' : trimmed;
}

/** Only links a browser opens safely: no javascript:, data: or relative URLs on a button. */
export function isWebUrl(url: string | null | undefined): url is string {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The IANA zone to show times in: the canonical name of a valid zone, otherwise UTC (so a bad zone never breaks a card). */
export function resolveTimeZone(timeZone: string | null | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The wall-clock date and time of an instant in a zone; only numbers are taken from Intl, so no ICU wording leaks in. */
function zonedParts(instant: Date, zone: string): ZonedParts {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** A locale Intl knows, or undefined (a malformed tag throws in Intl; treat it as absent). */
function supportedLocale(locale: string | null | undefined): string | undefined {
  if (!locale) return undefined;
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([locale])[0];
  } catch {
    return undefined;
  }
}

export interface DateOptions {
  timeZone?: string | null;
  /** BCP 47 tag (Teams sends the client's, e.g. "en-US"); without one the wording is fixed: "Tue 1 Dec 2026, 14:00" */
  locale?: string | null;
  /** append " (Europe/London)"; off where one note names the zone for a whole list */
  showZone?: boolean;
}

function parseInstant(iso: string): Date | null {
  const instant = new Date(iso);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

/**
 * "Tue 1 Dec 2026, 14:00 (Europe/London)": weekday, date and 24-hour time in the zone given (UTC when
 * none or an invalid one). A value that is not a date is returned as it came, rather than "Invalid Date".
 */
export function formatDateTime(iso: string, options: DateOptions = {}): string {
  const instant = parseInstant(iso);
  if (!instant) return iso;
  const zone = resolveTimeZone(options.timeZone);
  const suffix = options.showZone === false ? '' : ` (${zone})`;
  const locale = supportedLocale(options.locale);
  if (locale) {
    const localized = new Intl.DateTimeFormat(locale, {
      timeZone: zone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    }).format(instant);
    return `${localized}${suffix}`;
  }
  const p = zonedParts(instant, zone);
  return `${formatZonedDate(p)}, ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}${suffix}`;
}

/** "Tue 1 Dec 2026": the calendar date in the zone given (UTC when none or an invalid one). */
export function formatDate(iso: string, options: Omit<DateOptions, 'locale'> = {}): string {
  const instant = parseInstant(iso);
  if (!instant) return iso;
  return formatZonedDate(zonedParts(instant, resolveTimeZone(options.timeZone)));
}

function formatZonedDate(p: ZonedParts): string {
  const weekday = WEEKDAYS[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()];
  return `${weekday} ${p.day} ${MONTHS[p.month - 1]} ${p.year}`;
}

/**
 * Calendar days from `fromIso` to `toIso` as the reader's calendar shows them (a secret expiring
 * tomorrow at 09:00 is "1 day" away even when it is 20 hours). Null when either is not a date.
 */
export function calendarDaysBetween(fromIso: string, toIso: string, timeZone?: string | null): number | null {
  const from = parseInstant(fromIso);
  const to = parseInstant(toIso);
  if (!from || !to) return null;
  const zone = resolveTimeZone(timeZone);
  const dayNumber = (d: Date): number => {
    const p = zonedParts(d, zone);
    return Date.UTC(p.year, p.month - 1, p.day) / 86_400_000;
  };
  return Math.round(dayNumber(to) - dayNumber(from));
}

/** "1 h 5 min", "45 min", "2 h", "under 1 min"; "unknown" for a value that is not a duration. */
export function formatDuration(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 0) return 'unknown';
  if (minutes < 1) return 'under 1 min';
  const total = Math.round(minutes);
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/**
 * A Kaltura category full name as a person reads it: "MediaSpace>site>channels>Teams" becomes
 * "site > channels > Teams". The first segment is the partner's root category, the same for every
 * entry, so it says nothing; a category with one segment is shown as it is.
 */
export function readableCategory(fullName: string): string {
  const segments = fullName
    .split('>')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (segments.length === 0) return fullName.trim();
  return (segments.length > 1 ? segments.slice(1) : segments).join(' > ');
}

/** Where a recording was published: its categories, readably, or the owner's My Media when none. */
export function readablePublishedTo(categories: readonly string[]): string {
  const names = categories.map(readableCategory).filter((n) => n !== '');
  return names.length === 0 ? 'My Media' : names.join(', ');
}
