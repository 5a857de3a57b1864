// The scaling rules: how a quantity measured in a short local run becomes a quantity of a trading day. One named
// function per rule, each pure and tested on small numbers (test/bench/cost/scaling.test.ts), so every figure of
// the estimate can be traced to the rule that made it.

/** A US equity session, 09:30 to 16:00 New York time. */
export const SESSION_SECONDS = 23_400;
export const SECONDS_PER_DAY = 86_400;
export const HOURS_PER_MONTH = 730;
/** A 64 KB chunk: SQS and EventBridge bill each chunk of a payload as one request or event. */
export const CHUNK_BYTES = 64 * 1024;
export const GB = 1024 ** 3;

/**
 * Per decided intent: what the measured run did for its intents, in proportion to the day's intents. Every cost
 * of the order path (risk and order invocations, their reads and writes, queue messages, events) scales this way.
 */
export const perIntent = (measuredTotal: number, measuredIntents: number, dayIntents: number): number => {
  if (measuredIntents <= 0) throw new Error('the measured run decided no intent: nothing to scale per intent');
  return (measuredTotal / measuredIntents) * dayIntents;
};

/** Per second of a measured span, over `seconds` (a session's, or a calendar day's). */
export const perSecond = (measuredTotal: number, measuredSeconds: number, seconds: number): number => {
  if (measuredSeconds <= 0) throw new Error('the measured span is empty: nothing to scale per second');
  return (measuredTotal / measuredSeconds) * seconds;
};

/** Runs of a `rate(n minutes)` schedule in a calendar day: schedules fire around the clock, weekends included. */
export const scheduledRunsPerDay = (everyMinutes: number): number => (24 * 60) / everyMinutes;

/** A container item (every symbol's mark, reference data or book entry in one item) measured at one size. */
export interface ContainerItem {
  /** Bytes of the item as measured. */
  bytes: number;
  /** Symbols in it as measured. */
  symbols: number;
  /** Bytes of its attributes that are not per symbol (keys, version, cash). */
  baseBytes: number;
  /** Bytes per symbol's attributes (name and value). */
  perSymbolBytes: number;
}

/** The item's size with `symbols` symbols in it: it grows linearly, one set of attributes per symbol. */
export const containerBytesAt = (item: ContainerItem, symbols: number): number => item.baseBytes + item.perSymbolBytes * symbols;

/**
 * Capacity units of one access to an item of `bytes`: reads in 4 KB units, writes in 1 KB units (an update pays
 * for the whole item), times the access's factor (0.5 eventually consistent, 2 transactional).
 */
export const accessUnits = (access: 'read' | 'write', bytes: number, factor: number): number =>
  factor * Math.max(1, Math.ceil(bytes / (access === 'read' ? 4096 : 1024)));

/**
 * What the accesses to a container item cost more (or less) at `symbols` than they cost at the measured size:
 * the model adds this to the measured capacity, which already paid for the measured size.
 */
export const containerUnitsDelta = (accesses: { access: 'read' | 'write'; factor: number; count: number }[], item: ContainerItem, symbols: number): number =>
  accesses.reduce((sum, a) => sum + a.count * (accessUnits(a.access, containerBytesAt(item, symbols), a.factor) - accessUnits(a.access, item.bytes, a.factor)), 0);

/**
 * Orders the account holds on average during month `month` (1 = the first): order items are kept (no TTL), so
 * the history grows by a day's orders every trading day; the average over a month is half-way through it.
 */
export const ordersHeldInMonth = (ordersPerDay: number, tradingDaysPerMonth: number, month: number): number => ordersPerDay * tradingDaysPerMonth * (month - 0.5);

/**
 * Read units of one Query of the account's order history: a filter on status is applied after the read, so the
 * whole history is billed, 4 KB per unit (times 0.5 eventually consistent).
 */
export const orderHistoryQueryUnits = (ordersHeld: number, orderItemBytes: number, factor: number): number => factor * Math.max(1, Math.ceil((ordersHeld * orderItemBytes) / 4096));

/**
 * Traces X-Ray records under the default sampling rule for `invocations` spread over `activeSeconds`: the first
 * request each second, then 5 % of the rest (a function invoked less than once a second is traced every time).
 */
export const tracesRecorded = (invocations: number, activeSeconds: number): number => {
  const reservoir = Math.min(invocations, activeSeconds);
  return reservoir + 0.05 * (invocations - reservoir);
};

/**
 * ReceiveMessage requests Lambda's pollers make on a queue in a day whether or not it holds messages: each
 * event source mapping keeps `pollers` long polls of `waitSeconds` open around the clock.
 */
export const pollerRequestsPerDay = (mappings: number, pollers: number, waitSeconds: number): number => mappings * pollers * (SECONDS_PER_DAY / waitSeconds);

/**
 * Hours a month a custom metric is billed for (CloudWatch prorates by the hour it is published in): all of them
 * for a metric the schedules publish around the clock, the clock hours of the sessions for one published only
 * while trading.
 */
export const metricHoursPerMonth = (aroundTheClock: boolean, tradingDaysPerMonth: number, sessionClockHours: number): number =>
  aroundTheClock ? HOURS_PER_MONTH : tradingDaysPerMonth * sessionClockHours;

/**
 * GB held on average during month `month` of something written at `gbPerMonth` and kept `retentionDays`
 * (0 or less: forever): it accumulates until the retention starts deleting.
 */
export const storageHeldGb = (gbPerMonth: number, month: number, retentionDays: number, calendarDaysPerMonth: number): number => {
  const monthsHeld = month - 0.5;
  const cap = retentionDays > 0 ? retentionDays / calendarDaysPerMonth : Number.POSITIVE_INFINITY;
  return gbPerMonth * Math.min(monthsHeld, cap);
};
