// The event route table: which events reach which function. The CDK app turns each route into an
// EventBridge rule and the local runtime's router matches the same patterns, so both route alike.
import { DETAIL_TYPES } from '../events/catalog';
import { EVENT_SOURCES } from '../events/envelope';

/** The functions an event or schedule route may target; the others are invoked by a state machine or an API. */
export const ROUTED_FUNCTION_NAMES = ['risk', 'order', 'reconciliation', 'breaker'] as const;
export type RoutedFunctionName = (typeof ROUTED_FUNCTION_NAMES)[number];
/** Every deployed function (one folder under functions/ each). */
export const FUNCTION_NAMES = [...ROUTED_FUNCTION_NAMES, 'kill-switch'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The subset of EventBridge pattern syntax the project uses: exact-match lists on top-level fields. */
export interface EventPattern {
  source?: string[];
  'detail-type'?: string[];
}

export interface EventRoute {
  /** Construct id of the rule: never renamed once deployed. */
  id: string;
  description: string;
  pattern: EventPattern;
  target: RoutedFunctionName;
}

export interface ScheduleRoute {
  id: string;
  description: string;
  /** Minutes between runs; the environment config may override it. */
  target: RoutedFunctionName;
}

export const EVENT_ROUTES: readonly EventRoute[] = [
  {
    id: 'OrderIntendedToRisk',
    description: 'Every order intent a strategy raises goes through the pre-trade risk function.',
    pattern: { source: [EVENT_SOURCES.feed], 'detail-type': [DETAIL_TYPES.OrderIntended] },
    target: 'risk',
  },
  {
    id: 'RiskBreachToBreaker',
    description: 'A breach (loss, drawdown, runaway intent rate, stale feed) starts the circuit breaker (one execution per breach id).',
    pattern: { source: [EVENT_SOURCES.risk, EVENT_SOURCES.feed], 'detail-type': [DETAIL_TYPES.RiskBreach] },
    target: 'breaker',
  },
  // Reconciliation breaks do not start the breaker yet: during active trading a comparison still races fills in
  // transit, and a transient break would halt trading (seen under the broker-faults scenario). They will once
  // a break must persist across two runs; the breaker handler already maps them (shared/breaker/breach-trip.ts).
];

export const SCHEDULE_ROUTES: readonly ScheduleRoute[] = [
  { id: 'ReconciliationSchedule', description: 'Compare broker positions with the table.', target: 'reconciliation' },
];

/** Matches an event against a pattern the way EventBridge does for exact-match lists. */
export const matchesPattern = (pattern: EventPattern, event: { source: string; 'detail-type': string }): boolean =>
  (pattern.source === undefined || pattern.source.includes(event.source)) &&
  (pattern['detail-type'] === undefined || pattern['detail-type'].includes(event['detail-type']));
