// Trading calendars: when a market is open and when its current session started. Sessions are [open, close)
// in the market's local time, never overlap, and are found from a bounded per-day cache without Intl on a hit.
// An exchange calendar covers days through a stated date; a day past it is closed (fail closed), never guessed.
import * as z from 'zod';
import { InvalidInputError } from '../errors/errors';
import { parseOrThrow } from '../errors/zod-issues';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Days held per cache (about eleven years): a long-lived process walking forward in time stays bounded. */
export const CALENDAR_CACHE_DAYS = 4096;

// ---------------------------------------------------------------------------------------------------------
// Schema

const parseLocalDate = (s: string): number | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  // Date.UTC rolls 2026-02-30 over to March: a round trip rejects impossible dates.
  return new Date(ms).toISOString().slice(0, 10) === s ? ms / DAY_MS : undefined;
};

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const LocalTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a 24-hour HH:MM time' });
export const LocalDateSchema = z
  .string()
  .refine((s) => parseLocalDate(s) !== undefined, { error: 'must be a real calendar date, YYYY-MM-DD' });
export const TimeZoneSchema = z.string().refine(isTimeZone, { error: 'must be an IANA time zone that Intl.DateTimeFormat accepts' });

const AlwaysOpenCalendarSchema = z.object({ kind: z.literal('always-open') }).strict();

const ExchangeCalendarSchema = z
  .object({
    kind: z.literal('exchange'),
    timeZone: TimeZoneSchema,
    /** The last local date the calendar knows (holidays and early closes published through it); later days are closed. */
    coversThrough: LocalDateSchema,
    open: LocalTimeSchema,
    close: LocalTimeSchema,
    /** ISO weekdays, 1 = Monday .. 7 = Sunday. */
    weekdays: z
      .array(z.number().int().min(1).max(7))
      .min(1)
      .refine((ds) => new Set(ds).size === ds.length, { error: 'must not repeat a weekday' })
      .default(() => [1, 2, 3, 4, 5]),
    /** Full closures, local dates. */
    holidays: z.array(LocalDateSchema).default(() => []),
    /** Local date -> early close. Keys are checked here rather than by a key schema so the message names the rule. */
    halfDays: z
      .record(z.string(), LocalTimeSchema)
      .superRefine((days, ctx) => {
        for (const date of Object.keys(days)) {
          if (parseLocalDate(date) === undefined) {
            ctx.addIssue({ code: 'custom', path: [date], message: 'must be keyed by a real calendar date, YYYY-MM-DD' });
          }
        }
      })
      .default(() => ({})),
  })
  .strict()
  .superRefine((cal, ctx) => {
    const open = minutesOf(cal.open);
    const close = minutesOf(cal.close);
    if (close <= open) ctx.addIssue({ code: 'custom', path: ['close'], message: 'close must be after open' });
    const holidays = new Set(cal.holidays);
    for (const [date, early] of Object.entries(cal.halfDays)) {
      const at = minutesOf(early);
      if (at <= open || at >= close) {
        ctx.addIssue({ code: 'custom', path: ['halfDays', date], message: 'early close must be after open and before the regular close' });
      }
      if (holidays.has(date)) {
        ctx.addIssue({ code: 'custom', path: ['halfDays', date], message: 'a date cannot be both a holiday and a half day' });
      }
    }
  });

export const MarketCalendarSchema = z.discriminatedUnion('kind', [AlwaysOpenCalendarSchema, ExchangeCalendarSchema]);
export type MarketCalendar = z.infer<typeof MarketCalendarSchema>;
export type ExchangeCalendar = Extract<MarketCalendar, { kind: 'exchange' }>;

// ---------------------------------------------------------------------------------------------------------
// Built-in calendars

/** NYSE Group holiday and early-closing calendar, as published for 2026-2027 (early closes at 13:00 ET). */
const XNYS: ExchangeCalendar = {
  kind: 'exchange',
  timeZone: 'America/New_York',
  coversThrough: '2027-12-31',
  open: '09:30',
  close: '16:00',
  weekdays: [1, 2, 3, 4, 5],
  holidays: [
    '2026-01-01', // New Year's Day
    '2026-01-19', // Martin Luther King, Jr. Day
    '2026-02-16', // Washington's Birthday
    '2026-04-03', // Good Friday
    '2026-05-25', // Memorial Day
    '2026-06-19', // Juneteenth
    '2026-07-03', // Independence Day (observed; July 4 is a Saturday)
    '2026-09-07', // Labor Day
    '2026-11-26', // Thanksgiving Day
    '2026-12-25', // Christmas Day
    '2027-01-01', // New Year's Day
    '2027-01-18', // Martin Luther King, Jr. Day
    '2027-02-15', // Washington's Birthday
    '2027-03-26', // Good Friday
    '2027-05-31', // Memorial Day
    '2027-06-18', // Juneteenth (observed; June 19 is a Saturday)
    '2027-07-05', // Independence Day (observed; July 4 is a Sunday)
    '2027-09-06', // Labor Day
    '2027-11-25', // Thanksgiving Day
    '2027-12-24', // Christmas Day (observed; December 25 is a Saturday)
    // 2028-01-01 is a Saturday and NYSE does not observe it on 2027-12-31 (year end): that day trades.
  ],
  halfDays: {
    '2026-11-27': '13:00', // day after Thanksgiving
    '2026-12-24': '13:00', // Christmas Eve
    '2027-11-26': '13:00', // day after Thanksgiving (no July 2 or Christmas Eve early close in 2027)
  },
};

export const MARKET_IDS = ['XNYS', 'CRYPTO'] as const;
export const MarketIdSchema = z.enum(MARKET_IDS);
export type MarketId = z.infer<typeof MarketIdSchema>;

export const MARKET_CALENDARS: Readonly<Record<MarketId, MarketCalendar>> = {
  XNYS,
  CRYPTO: { kind: 'always-open' },
};

// ---------------------------------------------------------------------------------------------------------
// Compiled calendars

/** One session: its local date and its [openMs, closeMs) interval in epoch milliseconds. */
export interface TradingSession {
  /** Local date in the market's time zone (the UTC date for an always-open market). */
  readonly date: string;
  readonly openMs: number;
  readonly closeMs: number;
  readonly earlyClose: boolean;
}

/** What a UTC day needs to answer any instant inside it with no Intl call. */
interface UtcDayEntry {
  /** Sessions opening inside this UTC day, ascending. */
  readonly opening: readonly TradingSession[];
  /** The latest session that opened before this UTC day began (it may still be running). */
  readonly prior: TradingSession;
}

interface ExchangeState {
  readonly kind: 'exchange';
  readonly formatter: Intl.DateTimeFormat;
  readonly openMin: number;
  readonly closeMin: number;
  readonly openText: string;
  readonly closeText: string;
  readonly tradingWeekday: readonly boolean[];
  readonly holidays: ReadonlySet<number>;
  readonly halfDays: ReadonlyMap<number, { minutes: number; text: string }>;
  /** The last local day the calendar covers (epoch day); later days have no session. */
  readonly coversThroughDay: number;
  /** Any run of this many local days holds a session: each holiday removes at most one day per week. */
  readonly searchDays: number;
  readonly byLocalDay: Map<number, TradingSession | null>;
  readonly byUtcDay: Map<number, UtcDayEntry>;
}

export interface CompiledCalendar {
  /** Label used in closure messages, e.g. "XNYS". */
  readonly name: string;
  readonly calendar: MarketCalendar;
  /** @internal caches; read only through the functions below. */
  readonly state: ExchangeState | { readonly kind: 'always-open' };
}

const dateOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** Epoch day 0 (1970-01-01) was a Thursday, ISO weekday 4. */
const isoWeekdayOfDay = (day: number): number => ((((day + 3) % 7) + 7) % 7) + 1;
const WEEKDAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

const remember = <K, V>(map: Map<K, V>, key: K, value: V): V => {
  if (map.size >= CALENDAR_CACHE_DAYS) {
    // Maps iterate in insertion order: drop the oldest entry.
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
  return value;
};

/** The zone's UTC offset at an instant, from Intl (correct across DST and historical rule changes). */
const offsetAt = (formatter: Intl.DateTimeFormat, ms: number): number => {
  const f: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatter.formatToParts(ms)) f[part.type] = Number(part.value);
  const wholeSecond = ms - (((ms % 1000) + 1000) % 1000);
  return Date.UTC(f.year ?? 0, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0) - wholeSecond;
};

/** The instant a local wall time occurs. Two passes settle the offset on a DST change day. */
const localToUtc = (formatter: Intl.DateTimeFormat, day: number, minutes: number): number => {
  const wall = day * DAY_MS + minutes * MINUTE_MS;
  const first = offsetAt(formatter, wall);
  const second = offsetAt(formatter, wall - first);
  return first === second ? wall - first : wall - second;
};

const localDayOf = (state: ExchangeState, ms: number): number => Math.floor((ms + offsetAt(state.formatter, ms)) / DAY_MS);

const sessionOfLocalDay = (state: ExchangeState, day: number): TradingSession | null => {
  const cached = state.byLocalDay.get(day);
  if (cached !== undefined) return cached;
  if (day > state.coversThroughDay || !state.tradingWeekday[isoWeekdayOfDay(day)] || state.holidays.has(day)) return remember(state.byLocalDay, day, null);
  const half = state.halfDays.get(day);
  return remember(state.byLocalDay, day, {
    date: dateOfDay(day),
    openMs: localToUtc(state.formatter, day, state.openMin),
    closeMs: localToUtc(state.formatter, day, half?.minutes ?? state.closeMin),
    earlyClose: half !== undefined,
  });
};

/** Offsets are under a day, so no session of a local day after the next UTC day opens before ms: start the scan there. */
const latestSessionOpenedBefore = (state: ExchangeState, ms: number): TradingSession => {
  // Past the coverage no day has a session: the scan starts at its end, however long ago that was.
  const top = Math.min(Math.floor(ms / DAY_MS) + 1, state.coversThroughDay);
  for (let day = top; day >= top - state.searchDays; day -= 1) {
    const session = sessionOfLocalDay(state, day);
    if (session && session.openMs < ms) return session;
  }
  throw new Error(`no session within ${state.searchDays} days before ${new Date(ms).toISOString()}`);
};

const utcDayEntry = (state: ExchangeState, utcDay: number): UtcDayEntry => {
  const cached = state.byUtcDay.get(utcDay);
  if (cached) return cached;
  const start = utcDay * DAY_MS;
  const end = start + DAY_MS;
  const opening: TradingSession[] = [];
  for (let day = utcDay - 1; day <= utcDay + 1; day += 1) {
    const session = sessionOfLocalDay(state, day);
    if (session && session.openMs >= start && session.openMs < end) opening.push(session);
  }
  return remember(state.byUtcDay, utcDay, { opening, prior: latestSessionOpenedBefore(state, start) });
};

const assertInstant = (nowMs: number): void => {
  if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be a finite epoch millisecond value, got ${nowMs}`);
};

/** Validates the calendar (defaults applied) and prepares its caches. Compile once, query often. */
export const compileCalendar = (calendar: MarketCalendar, name = 'market'): CompiledCalendar => {
  const parsed = MarketCalendarSchema.parse(calendar);
  if (parsed.kind === 'always-open') return { name, calendar: parsed, state: { kind: 'always-open' } };
  const tradingWeekday = Array.from({ length: 8 }, (_, d) => parsed.weekdays.includes(d));
  const holidays = new Set(parsed.holidays.map((d) => parseLocalDate(d) as number));
  const halfDays = new Map(
    Object.entries(parsed.halfDays).map(([d, t]) => [parseLocalDate(d) as number, { minutes: minutesOf(t), text: t }] as const),
  );
  const state: ExchangeState = {
    kind: 'exchange',
    formatter: new Intl.DateTimeFormat('en-US', {
      timeZone: parsed.timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }),
    openMin: minutesOf(parsed.open),
    closeMin: minutesOf(parsed.close),
    openText: parsed.open,
    closeText: parsed.close,
    tradingWeekday,
    holidays,
    halfDays,
    coversThroughDay: parseLocalDate(parsed.coversThrough) as number,
    searchDays: 7 * (holidays.size + 1) + 3,
    byLocalDay: new Map(),
    byUtcDay: new Map(),
  };
  return { name, calendar: parsed, state };
};

/** Each market's compiled calendar, labelled with its id: the built-in one, or the one installed in its place. */
const compiledMarkets = new Map<MarketId, CompiledCalendar>();

/**
 * A market's calendar, compiled once per process so its per-day caches are shared by every caller: the one
 * installed for it (the broker's, stored by the feed) or else the built-in one. Callers ask again rather than
 * keep the result, so an installation reaches them.
 */
export const compileMarket = (id: MarketId): CompiledCalendar => {
  let compiled = compiledMarkets.get(id);
  if (!compiled) {
    compiled = compileCalendar(MARKET_CALENDARS[id], id);
    compiledMarkets.set(id, compiled);
  }
  return compiled;
};

/**
 * Replaces the market's calendar for this process: compileMarket(id) answers with this one from now on. Throws,
 * and the market keeps the calendar it had, when the calendar does not validate or is not of the built-in's kind
 * (an exchange market stays an exchange market).
 */
export const installCalendar = (id: MarketId, calendar: MarketCalendar): CompiledCalendar => {
  const parsed = parseOrThrow(MarketCalendarSchema, calendar, 'calendar');
  const kind = MARKET_CALENDARS[id].kind;
  if (parsed.kind !== kind) throw new InvalidInputError([{ path: 'calendar.kind', rule: `must be ${kind}, as the built-in ${id} calendar is` }]);
  const compiled = compileCalendar(parsed, id);
  compiledMarkets.set(id, compiled);
  return compiled;
};

/** Back to the built-in calendars (tests, and a process that must forget what it installed). */
export const resetInstalledCalendars = (): void => compiledMarkets.clear();

/** The latest session that opened at or before nowMs (possibly already closed). */
export const latestSession = (compiled: CompiledCalendar, nowMs: number): TradingSession => {
  assertInstant(nowMs);
  const { state } = compiled;
  if (state.kind === 'always-open') {
    const openMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
    return { date: dateOfDay(openMs / DAY_MS), openMs, closeMs: openMs + DAY_MS, earlyClose: false };
  }
  const entry = utcDayEntry(state, Math.floor(nowMs / DAY_MS));
  for (let i = entry.opening.length - 1; i >= 0; i -= 1) {
    const session = entry.opening[i] as TradingSession;
    if (session.openMs <= nowMs) return session;
  }
  return entry.prior;
};

/** Open on [open, close) of a trading day. Fails closed (false) for a non-finite instant. */
export const isMarketOpen = (compiled: CompiledCalendar, nowMs: number): boolean => {
  if (!Number.isFinite(nowMs)) return false;
  if (compiled.state.kind === 'always-open') return true;
  // Sessions never overlap, so only the latest one to open can contain nowMs.
  return nowMs < latestSession(compiled, nowMs).closeMs;
};

/** Start of the most recent session that started at or before nowMs: where the drawdown peak resets. */
export const sessionStartMs = (compiled: CompiledCalendar, nowMs: number): number => latestSession(compiled, nowMs).openMs;

/**
 * The next session open strictly after nowMs; undefined for an always-open market, which never reopens, and when
 * the next session would fall past the calendar's coverage (nobody knows it yet).
 */
export const nextSessionOpenMs = (compiled: CompiledCalendar, nowMs: number): number | undefined => {
  assertInstant(nowMs);
  const { state } = compiled;
  if (state.kind === 'always-open') return undefined;
  const first = Math.floor(nowMs / DAY_MS) - 1;
  if (first > state.coversThroughDay) return undefined;
  for (let day = first; day <= Math.min(first + state.searchDays, state.coversThroughDay + 1); day += 1) {
    const session = sessionOfLocalDay(state, day);
    if (session && session.openMs > nowMs) return session.openMs;
  }
  if (first + state.searchDays > state.coversThroughDay) return undefined;
  throw new Error(`no session within ${state.searchDays} days after ${new Date(nowMs).toISOString()}`);
};

/**
 * Start of the market's local calendar day containing nowMs: local midnight in its time zone (UTC midnight for an
 * always-open market). A daily bar stamped at or after it belongs to a session that is not over yet.
 */
export const localDayStartMs = (compiled: CompiledCalendar, nowMs: number): number => {
  assertInstant(nowMs);
  const { state } = compiled;
  return state.kind === 'always-open' ? Math.floor(nowMs / DAY_MS) * DAY_MS : localToUtc(state.formatter, localDayOf(state, nowMs), 0);
};

/** Whether the market never closes (no sessions to find, no coverage to run out). */
export const isAlwaysOpen = (compiled: CompiledCalendar): boolean => compiled.state.kind === 'always-open';

/**
 * Whole days from the market's local date at nowMs through the last day the calendar covers (0 on that day,
 * negative past it); undefined for an always-open market, whose coverage never runs out.
 */
export const calendarCoverageDays = (compiled: CompiledCalendar, nowMs: number): number | undefined => {
  assertInstant(nowMs);
  const { state } = compiled;
  return state.kind === 'always-open' ? undefined : state.coversThroughDay - localDayOf(state, nowMs);
};

/** Why the market is closed at nowMs, for a denial message; undefined when it is open. Not on the hot path. */
export const describeClosure = (compiled: CompiledCalendar, nowMs: number): string | undefined => {
  if (!Number.isFinite(nowMs)) return `${compiled.name} closed: invalid time ${nowMs}`;
  const { state } = compiled;
  if (state.kind === 'always-open' || isMarketOpen(compiled, nowMs)) return undefined;
  const day = localDayOf(state, nowMs);
  const date = dateOfDay(day);
  const next = nextSessionOpenMs(compiled, nowMs);
  const reopens = next === undefined ? '' : `; next open ${new Date(next).toISOString()}`;
  const session = sessionOfLocalDay(state, day);
  let reason: string;
  if (day > state.coversThroughDay) reason = `${date} is past the calendar, which covers through ${dateOfDay(state.coversThroughDay)}`;
  else if (state.holidays.has(day)) reason = `holiday ${date}`;
  else if (!session) reason = `weekend ${date} (${WEEKDAY_NAMES[isoWeekdayOfDay(day)]})`;
  else if (nowMs < session.openMs) reason = `before the ${state.openText} open on ${date}`;
  else if (session.earlyClose) reason = `after the ${state.halfDays.get(day)?.text} early close on ${date}`;
  else reason = `after the ${state.closeText} close on ${date}`;
  return `${compiled.name} closed: ${reason}${reopens}`;
};

/** Entries held in the per-day caches, each bounded by CALENDAR_CACHE_DAYS (for tests and metrics). */
export const cachedDayCount = (compiled: CompiledCalendar): number =>
  compiled.state.kind === 'always-open' ? 0 : compiled.state.byLocalDay.size + compiled.state.byUtcDay.size;
