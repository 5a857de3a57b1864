// The account's levels the risk function publishes once per decided batch, against DynamoDB Local: the trading
// state's code, gross and net exposure (in-flight orders included), and the session's P&L and drawdown, each
// as the batch's decisions found the account; absent, never zero, when it cannot be known.
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../../shared/storage/table-definition';
import { TRADING_STATE_CODES } from '../../../shared/risk/account-gauges';
import { METRICS } from '../../../shared/telemetry/metrics';
import { ACCOUNT, intendedEvent, intentFor, testLimits } from '../../support/fixtures';
import { pipelineRisk, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();
const gauge = (metric: string) => f.telemetry.gaugeOf(metric, { account: ACCOUNT });

describe('the account gauges', () => {
  it('publishes the state, the exposure with the approved order in flight, and a flat session after the next decision', async () => {
    const risk = pipelineRisk(f, { defaults: testLimits() });
    await expect(risk(intendedEvent(intentFor('g-1', { quantity: '10' }), ACCOUNT))).resolves.toMatchObject({ outcome: 'approved' });
    // The first batch found no position and no session yet.
    expect(gauge(METRICS.accountTradingState)).toBe(TRADING_STATE_CODES.ACTIVE);
    expect(gauge(METRICS.accountGrossExposure)).toBe(0);
    expect(gauge(METRICS.accountDailyPnl)).toBeUndefined();

    await expect(risk(intendedEvent(intentFor('g-2', { quantity: '5' }), ACCOUNT))).resolves.toMatchObject({ outcome: 'approved' });
    // 10 AAPL in flight at a mark of 100.
    expect(gauge(METRICS.accountGrossExposure)).toBe(1000);
    expect(gauge(METRICS.accountNetExposure)).toBe(1000);
    expect(gauge(METRICS.accountDailyPnl)).toBe(0);
    expect(gauge(METRICS.accountDrawdownBps)).toBe(0);
  });

  it('publishes no P&L measured against the previous session’s start: it is absent until this session’s is stored', async () => {
    await DynamoDBDocumentClient.from(f.client).send(new PutCommand({ TableName: f.tableName, Item: { ...keys.riskSession(ACCOUNT), type: 'RISK_SESSION', sessionStartMs: 1, startEquity: 2_000_000, peakEquity: 2_000_000, version: 1 } }));
    await expect(pipelineRisk(f, { defaults: testLimits() })(intendedEvent(intentFor('g-s'), ACCOUNT))).resolves.toMatchObject({ outcome: 'approved' });
    expect(gauge(METRICS.accountGrossExposure)).toBe(0);
    expect(gauge(METRICS.accountDailyPnl)).toBeUndefined();
    expect(gauge(METRICS.accountDrawdownBps)).toBeUndefined();
  });

  it('publishes the halted state’s code while denying', async () => {
    await f.seeder.putTradingState(ACCOUNT, 'HALTED', 'test', '2026-11-23T14:30:00.000Z');
    await expect(pipelineRisk(f, { defaults: testLimits() })(intendedEvent(intentFor('g-h'), ACCOUNT))).resolves.toMatchObject({ outcome: 'denied', reason: 'TRADING_HALTED' });
    expect(gauge(METRICS.accountTradingState)).toBe(TRADING_STATE_CODES.HALTED);
  });
});
