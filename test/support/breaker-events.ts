// The breaker's breach sources as EventBridge delivers them (RiskBreach.v1, ReconciliationBreak.v1, a CloudWatch
// alarm state change), plus a recording starter and the one store call the intake makes, for the intake and
// handler specifications.
import { buildMeta } from '../../shared/events/envelope';
import type { BreakerStarter, BreakerTrip } from '../../shared/ports/breaker-starter';
import type { TradingStateRecord } from '../../shared/ports/trading-state-store';
import type { StateChangeOutcome, TradingStateChange } from '../../shared/trading-state/state-change';

/** A second start of a breach id answers duplicate, as Step Functions does. */
export class RecordingStarter implements BreakerStarter {
  readonly trips: BreakerTrip[] = [];
  async start(trip: BreakerTrip): Promise<'started' | 'duplicate'> {
    const duplicate = this.trips.some((t) => t.breachId === trip.breachId);
    this.trips.push(trip);
    return duplicate ? 'duplicate' : 'started';
  }
}

/** The one store call the breach path makes: the halt right after a start (the tasks' store is tested on DynamoDB Local). */
export class StateChangeRecorder {
  readonly changes: TradingStateChange[] = [];
  failing = false;
  /** What a read of the trading state answers (the intake asks when a breach id repeats). */
  record: TradingStateRecord = { state: 'HALTED' };
  async getTradingStateRecord(): Promise<TradingStateRecord> {
    if (this.failing) throw new Error('table unavailable');
    return this.record;
  }
  async changeTradingState(change: TradingStateChange): Promise<StateChangeOutcome> {
    if (this.failing) throw new Error('table unavailable');
    this.changes.push(change);
    return { outcome: 'changed', previous: 'ACTIVE' };
  }
}

export const eventBridge = (detailType: string, source: string, detail: unknown) => ({
  version: '0',
  id: 'e-1',
  'detail-type': detailType,
  source,
  account: '000000000000',
  time: '2026-11-23T14:59:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

export const meta = (producer: 'risk' | 'reconciliation', occurredAt = '2026-11-23T14:59:00.000Z', account = 'acct-1') =>
  buildMeta({ detailType: 'x', occurredAt, correlationId: 'c-1', causationId: 'c-1', account, strategy: 'momentum', producer });

export const riskBreach = (over: Record<string, unknown> = {}) =>
  eventBridge('RiskBreach.v1', 'trading.risk', {
    meta: meta('risk'),
    data: {
      breachId: 'DRAWDOWN.acct-1.20261123T1430Z',
      kind: 'DRAWDOWN',
      account: 'acct-1',
      observed: '520',
      threshold: '500',
      sessionStart: '2026-11-23T14:30:00.000Z',
      detectedAt: '2026-11-23T14:59:00.000Z',
      ...over,
    },
  });

/** `null`: a break without a count (an older producer). */
export const reconciliationBreak = (consecutiveRuns: number | null = 2) =>
  eventBridge('ReconciliationBreak.v1', 'trading.reconciliation', {
    meta: meta('reconciliation'),
    data: {
      runId: 'run-7',
      break: { kind: 'CASH_MISMATCH', brokerCash: '10', localCash: '5', message: 'cash differs', ...(consecutiveRuns === null ? {} : { consecutiveRuns }) },
    },
  });

/** A CloudWatch alarm state change as EventBridge delivers it from the default bus. */
export const alarmEvent = (value: string, over: Record<string, unknown> = {}) => ({
  ...eventBridge('CloudWatch Alarm State Change', 'aws.cloudwatch', {
    alarmName: 'TradingSafety-prod-OrderDeadLetterAlarm1A2B3C4D-ABCDEF123456',
    state: { value, reason: 'Threshold Crossed: 1 datapoint [1.0] >= 1.0', timestamp: '2026-11-23T14:59:00.123+0000' },
    previousState: { value: 'OK' },
    configuration: { metrics: [] },
    ...over,
  }),
  resources: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:TradingSafety-prod-OrderDeadLetterAlarm1A2B3C4D-ABCDEF123456'],
});
