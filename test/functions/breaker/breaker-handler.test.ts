// Specification of the breaker function as the breach rules' target: a RiskBreach.v1 or
// ReconciliationBreak.v1 event starts one execution named after the breach id; bad input is refused,
// naming the field, and counted; the state machine's task payloads keep reaching their tasks.
import { describe, expect, it } from 'vitest';
import { createBreakerHandler, type BreakerHandlerDeps } from '../../../functions/breaker/handler';
import { resolveBreakerConfig } from '../../../shared/breaker/breaker-config';
import type { BreakerStarter } from '../../../shared/breaker/breaker-starter';
import type { BreakerTrip } from '../../../shared/breaker/breaker-tasks';
import { buildMeta } from '../../../shared/events/envelope';
import { InvalidInputError } from '../../../shared/errors/errors';
import type { TradingStore } from '../../../shared/ports/trading-store';
import { InMemoryTelemetry, METRICS } from '../../../shared/telemetry/telemetry';
import { ManualClock, RecordingPager, silentLogger, testLimits } from '../../support/fixtures';

class RecordingStarter implements BreakerStarter {
  readonly trips: BreakerTrip[] = [];
  async start(trip: BreakerTrip): Promise<'started' | 'duplicate'> {
    const duplicate = this.trips.some((t) => t.breachId === trip.breachId);
    this.trips.push(trip);
    return duplicate ? 'duplicate' : 'started';
  }
}

const setup = () => {
  const starter = new RecordingStarter();
  const telemetry = new InMemoryTelemetry();
  const pager = new RecordingPager();
  const deps: BreakerHandlerDeps = {
    // The breach path never touches the store; a task payload below pages only.
    store: {} as TradingStore,
    pager,
    clock: new ManualClock(),
    config: resolveBreakerConfig(undefined),
    riskLimits: testLimits(),
    cancelAll: () => Promise.reject(new Error('not expected')),
    starter,
    telemetry,
    logger: silentLogger,
  };
  return { handler: createBreakerHandler(() => deps), starter, telemetry, pager };
};

const eventBridge = (detailType: string, source: string, detail: unknown) => ({
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

const meta = (producer: 'risk' | 'reconciliation') =>
  buildMeta({ detailType: 'x', occurredAt: '2026-11-23T14:59:00.000Z', correlationId: 'c-1', causationId: 'c-1', account: 'acct-1', strategy: 'momentum', producer });

const riskBreach = (over: Record<string, unknown> = {}) =>
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

const reconciliationBreak = () =>
  eventBridge('ReconciliationBreak.v1', 'trading.reconciliation', {
    meta: meta('reconciliation'),
    data: { runId: 'run-7', break: { kind: 'CASH_MISMATCH', brokerCash: '10', localCash: '5', message: 'cash differs' } },
  });

describe('the breaker function on breach events', () => {
  it('starts the breaker for a RiskBreach under the breach id the risk function gave it', async () => {
    const f = setup();
    await expect(f.handler(riskBreach())).resolves.toEqual({ breachId: 'DRAWDOWN.acct-1.20261123T1430Z', outcome: 'started' });
    expect(f.starter.trips).toEqual([
      { breachId: 'DRAWDOWN.acct-1.20261123T1430Z', account: 'acct-1', kind: 'DRAWDOWN', reason: 'DRAWDOWN 520 >= 500', detectedAt: '2026-11-23T14:59:00.000Z' },
    ]);
  });

  it('starts the breaker for a ReconciliationBreak under the account, break kind and UTC hour', async () => {
    const f = setup();
    await expect(f.handler(reconciliationBreak())).resolves.toEqual({ breachId: 'RECONCILIATION.acct-1.CASH_MISMATCH.20261123T14', outcome: 'started' });
    expect(f.starter.trips[0]).toMatchObject({ kind: 'RECONCILIATION_BREAK', account: 'acct-1' });
  });

  it('answers duplicate when the same breach is delivered again', async () => {
    const f = setup();
    await f.handler(reconciliationBreak());
    await expect(f.handler(reconciliationBreak())).resolves.toMatchObject({ outcome: 'duplicate' });
  });

  it('refuses a breach detail its catalog schema rejects, naming the field, counting it and starting nothing', async () => {
    const f = setup();
    const error = await f.handler(riskBreach({ breachId: 'not a valid name!' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]?.path).toBe('detail.data.breachId');
    expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'breaker', field: 'detail.data.breachId' })).toBe(1);
    expect(f.starter.trips).toEqual([]);
  });

  it('refuses an event of any other detail type, naming detail-type', async () => {
    const f = setup();
    const error = await f.handler(eventBridge('OrderIntended.v1', 'trading.feed', {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]?.path).toBe('detail-type');
    expect(f.starter.trips).toEqual([]);
  });

  it('still runs the state machine task payloads', async () => {
    const f = setup();
    const input = { breachId: 'b-1', account: 'acct-1', kind: 'MANUAL', reason: 'test', detectedAt: '2026-11-23T14:59:00.000Z' };
    await expect(f.handler({ task: 'page', event: 'HALTED', input })).resolves.toEqual({ paged: 'HALTED' });
    expect(f.pager.pages).toHaveLength(1);
    expect(f.starter.trips).toEqual([]);
  });
});
