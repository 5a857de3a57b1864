// The event route table: which events reach which function. The CDK app turns each route into an
// EventBridge rule and the local runtime's router matches the same patterns, so both route alike.
import { MIN_CONSECUTIVE_RUNS } from '../breaker/breach-trip';
import { DETAIL_TYPES } from '../events/catalog';
import { EVENT_SOURCES } from '../events/envelope';

/** The functions an event or schedule route may target; the others are invoked by a state machine or an API. */
export const ROUTED_FUNCTION_NAMES = ['risk', 'order', 'reconciliation', 'breaker', 'dead-man-switch'] as const;
export type RoutedFunctionName = (typeof ROUTED_FUNCTION_NAMES)[number];
/** Every deployed function (one folder under functions/ each). */
export const FUNCTION_NAMES = [...ROUTED_FUNCTION_NAMES, 'kill-switch'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** One leaf of a detail pattern: exact values, or EventBridge's numeric ">=" matcher. */
export type DetailMatcher = string | number | { numeric: ['>=', number] };
/** Nested fields of the detail, as EventBridge writes them: objects down to a list of matchers. */
export interface DetailPattern {
  [field: string]: DetailPattern | DetailMatcher[];
}

/**
 * The subset of EventBridge pattern syntax the project uses: exact-match lists on top-level fields, and in
 * the detail exact values or a numeric lower bound (one matcher of a list must match; an absent field never does).
 */
export interface EventPattern {
  source?: string[];
  'detail-type'?: string[];
  detail?: DetailPattern;
}

/** A route whose events wait on a queue of their own, which the target reads in batches. */
export interface RouteQueue {
  /** Construct id of the queue: never renamed once deployed. */
  id: string;
  /** Messages per invocation at most. */
  batchSize: number;
}

export interface EventRoute {
  /** Construct id of the rule: never renamed once deployed. */
  id: string;
  description: string;
  pattern: EventPattern;
  target: RoutedFunctionName;
  /** Absent: the rule invokes the target once per event. */
  queue?: RouteQueue;
}

export interface ScheduleRoute {
  id: string;
  description: string;
  target: RoutedFunctionName;
  /** Minutes between runs; absent: the environment's reconciliation.scheduleMinutes. */
  everyMinutes?: number;
}

/** The route whose rule the kill switch disables: OrderIntended → risk. */
export const INTENT_ROUTE_ID = 'OrderIntendedToRisk';

export const EVENT_ROUTES: readonly EventRoute[] = [
  {
    // Through a queue, ten at a time: one invocation counts, parks and decides an account's intents together,
    // so a flood is counted as fast as it is published and the per-account lease item is written once per
    // ten intents (docs/scaling.md).
    id: INTENT_ROUTE_ID,
    description: 'Every order intent a strategy raises goes through the pre-trade risk function.',
    pattern: { source: [EVENT_SOURCES.feed], 'detail-type': [DETAIL_TYPES.OrderIntended] },
    target: 'risk',
    queue: { id: 'IntentQueue', batchSize: 10 },
  },
  {
    id: 'RiskBreachToBreaker',
    description: 'A breach (loss, drawdown, runaway intent rate, stale feed) starts the circuit breaker (one execution per breach id).',
    pattern: { source: [EVENT_SOURCES.risk, EVENT_SOURCES.feed, EVENT_SOURCES['dead-man-switch']], 'detail-type': [DETAIL_TYPES.RiskBreach] },
    target: 'breaker',
  },
  {
    // Only a break two consecutive runs reported: during active trading one comparison can still race a fill
    // in transit, and transient breaks halted trading under the broker-faults scenario. The rule filters on the
    // count and the breaker ignores a lower one too (shared/breaker/breach-trip.ts, isPersistentBreak).
    id: 'ReconciliationBreakToBreaker',
    description: 'A reconciliation break that persisted across two consecutive runs starts the circuit breaker.',
    pattern: {
      source: [EVENT_SOURCES.reconciliation],
      'detail-type': [DETAIL_TYPES.ReconciliationBreakFound],
      detail: { data: { break: { consecutiveRuns: [{ numeric: ['>=', MIN_CONSECUTIVE_RUNS] }] } } },
    },
    target: 'breaker',
  },
  {
    // The breaker function has the pager; the risk function that records the trip does not. Nothing halts.
    id: 'ExecutionThrottleTrippedToBreaker',
    description: 'An execution-throttle trip pages on-call through the breaker function (the scope stays disabled until a person re-enables it).',
    pattern: { source: [EVENT_SOURCES.risk], 'detail-type': [DETAIL_TYPES.ExecutionThrottleTripped] },
    target: 'breaker',
  },
  // CloudWatch alarms reach the breaker through a rule on the default bus that the CDK app builds from the
  // alarms themselves (infra/halting-alarms.ts): they exist only in AWS, so they are not in this table.
];

export const SCHEDULE_ROUTES: readonly ScheduleRoute[] = [
  { id: 'ReconciliationSchedule', description: 'Compare broker positions with the table.', target: 'reconciliation' },
  {
    // Parked intents are decided by the account's next delivery; this covers a decider that died or spent its
    // budget as the account went quiet (they are denied INTENT_EXPIRED by then, never approved late).
    id: 'ParkedIntentSweep',
    description: 'Risk: decide the intents parked for a decider that died or went quiet.',
    target: 'risk',
    everyMinutes: 1,
  },
  {
    // Once a minute is the finest an EventBridge schedule fires; the risk function's mark age denies within
    // seconds, and the local session runs the same check every second.
    id: 'DeadManSwitchSchedule',
    description: 'Dead-man switch: cancel open orders and start the breaker when the feed heartbeat or the marks are stale.',
    target: 'dead-man-switch',
    everyMinutes: 1,
  },
];

const matchesLeaf = (matchers: readonly DetailMatcher[], value: unknown): boolean =>
  matchers.some((m) => (typeof m === 'object' ? typeof value === 'number' && value >= m.numeric[1] : value === m));

const matchesDetail = (pattern: DetailPattern, value: unknown): boolean =>
  Object.entries(pattern).every(([field, sub]) => {
    const inner = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
    return Array.isArray(sub) ? matchesLeaf(sub, inner) : matchesDetail(sub, inner);
  });

/** Matches an event against a pattern the way EventBridge does for the subset above. */
export const matchesPattern = (pattern: EventPattern, event: { source: string; 'detail-type': string; detail?: unknown }): boolean =>
  (pattern.source === undefined || pattern.source.includes(event.source)) &&
  (pattern['detail-type'] === undefined || pattern['detail-type'].includes(event['detail-type'])) &&
  (pattern.detail === undefined || matchesDetail(pattern.detail, event.detail));
