// Specification of the route table's pattern matching, which the local router uses in place of EventBridge:
// exact-match lists on top-level fields and, in the detail, exact values or a numeric lower bound.
import { describe, expect, it } from 'vitest';
import { EVENT_ROUTES, matchesPattern, SCHEDULE_ROUTES, type EventPattern } from '../../../shared/routing/routes';

const breakEvent = (consecutiveRuns?: number) => ({
  source: 'trading.reconciliation',
  'detail-type': 'ReconciliationBreak.v1',
  detail: { data: { runId: 'run-1', break: { kind: 'BROKER_UNREACHABLE', message: 'x', ...(consecutiveRuns === undefined ? {} : { consecutiveRuns }) } } },
});

const route = (id: string) => {
  const found = EVENT_ROUTES.find((r) => r.id === id);
  if (!found) throw new Error(`no route ${id}`);
  return found;
};

describe('route patterns', () => {
  it('route a reconciliation break to the breaker only from its second consecutive run', () => {
    const { pattern, target } = route('ReconciliationBreakToBreaker');
    expect(target).toBe('breaker');
    expect([undefined, 1, 2, 3].map((n) => matchesPattern(pattern, breakEvent(n)))).toEqual([false, false, true, true]);
  });

  it('route breaches from the risk function, the feed and the dead-man switch to the breaker', () => {
    const { pattern } = route('RiskBreachToBreaker');
    for (const source of ['trading.risk', 'trading.feed', 'trading.dead-man-switch']) {
      expect(matchesPattern(pattern, { source, 'detail-type': 'RiskBreach.v1', detail: {} })).toBe(true);
    }
    expect(matchesPattern(pattern, { source: 'trading.order', 'detail-type': 'RiskBreach.v1', detail: {} })).toBe(false);
  });

  it('route an execution-throttle trip from the risk function to the breaker function, which pages', () => {
    const { pattern, target } = route('ExecutionThrottleTrippedToBreaker');
    expect(target).toBe('breaker');
    expect(matchesPattern(pattern, { source: 'trading.risk', 'detail-type': 'ExecutionThrottleTripped.v1', detail: {} })).toBe(true);
    expect(matchesPattern(pattern, { source: 'trading.feed', 'detail-type': 'ExecutionThrottleTripped.v1', detail: {} })).toBe(false);
  });

  it('match a detail field against exact values too, and never an absent or non-object detail', () => {
    const pattern: EventPattern = { detail: { state: { value: ['ALARM'] } } };
    const event = (detail: unknown) => ({ source: 's', 'detail-type': 'd', detail });
    expect(matchesPattern(pattern, event({ state: { value: 'ALARM' } }))).toBe(true);
    expect(matchesPattern(pattern, event({ state: { value: 'OK' } }))).toBe(false);
    expect(matchesPattern(pattern, event(undefined))).toBe(false);
    expect(matchesPattern(pattern, event('ALARM'))).toBe(false);
  });

  it('take a numeric matcher only for numbers, as EventBridge does (a numeric string does not match)', () => {
    const { pattern } = route('ReconciliationBreakToBreaker');
    const event = breakEvent();
    (event.detail.data.break as Record<string, unknown>).consecutiveRuns = '2';
    expect(matchesPattern(pattern, event)).toBe(false);
  });

  it('run the dead-man switch and the sweep of parked intents every minute and reconciliation at the configured interval', () => {
    expect(SCHEDULE_ROUTES.map((r) => [r.id, r.target, r.everyMinutes])).toEqual([
      ['ReconciliationSchedule', 'reconciliation', undefined],
      ['ParkedIntentSweep', 'risk', 1],
      ['DeadManSwitchSchedule', 'dead-man-switch', 1],
    ]);
  });
});
