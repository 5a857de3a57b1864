// The alarms on what the system measures: per account the loss near its breaker, the drawdown warning,
// exposure near its cap and a killed account; for the environment latency, denials, the order queue's age,
// a stale feed, a failover and reconciliation breaks. Each at its threshold, on its tier's topic.
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DAILY_LOSS_ALARM_SHARE, GROSS_EXPOSURE_ALARM_SHARE } from '../../infra/metric-alarms';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { TRADING_STATE_CODES } from '../../shared/risk/account-gauges';
import { METRICS } from '../../shared/telemetry/metrics';
import { templateFor } from './synth';
import { logicalId, resource } from './template-paths';

describe.each(['dev', 'prod'] as const)('the %s metric alarms', (env) => {
  const template: Template = templateFor(env);
  const config = loadEnvironmentConfig(env);
  const account = config.accounts[0] ?? '';
  const props = (id: string) => resource(template, 'AWS::CloudWatch::Alarm', `MetricAlarms/${id}`).Properties;
  const page = [{ Ref: logicalId(template, 'AWS::SNS::Topic', 'OnCall/Topic') }];
  const ticket = [{ Ref: logicalId(template, 'AWS::SNS::Topic', 'OnCall/TicketTopic') }];
  const gauge = (metricName: string, statistic: string) => ({
    Namespace: 'TradingSafety',
    MetricName: metricName,
    Dimensions: expect.arrayContaining([{ Name: 'service', Value: 'risk' }, { Name: 'account', Value: account }]),
    Statistic: statistic,
    Period: 60,
  });

  it('pages when the session’s loss reaches 80 % of the loss breaker, before the breaker halts', () => {
    expect(props(`DailyLossNearLimit-${account}`)).toMatchObject({
      ...gauge(METRICS.accountDailyPnl, 'Minimum'),
      Threshold: -Number(config.riskLimits.loss.dailyLossBreaker) * DAILY_LOSS_ALARM_SHARE,
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: page,
    });
  });

  it('pages at the drawdown warning and when the account is KILLED', () => {
    expect(props(`DrawdownWarning-${account}`)).toMatchObject({ ...gauge(METRICS.accountDrawdownBps, 'Maximum'), Threshold: Number(config.riskLimits.loss.drawdownWarningBps), AlarmActions: page });
    expect(props(`AccountKilled-${account}`)).toMatchObject({ ...gauge(METRICS.accountTradingState, 'Maximum'), Threshold: TRADING_STATE_CODES.KILLED, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: page });
  });

  it('makes a ticket when gross exposure reaches 90 % of its cap', () => {
    expect(props(`GrossExposureNearCap-${account}`)).toMatchObject({
      ...gauge(METRICS.accountGrossExposure, 'Maximum'),
      Threshold: Number(config.riskLimits.exposure.maxGrossNotional) * GROSS_EXPOSURE_ALARM_SHARE,
      AlarmActions: ticket,
    });
  });

  it('pages when an order-queue message is older than an approval may be, two minutes running', () => {
    expect(props('OrderQueueOldestMessage')).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 60, EvaluationPeriods: 2, AlarmActions: page });
  });

  it('pages when an intent waited in the intent queue longer than the intake allows (it is denied INTENT_EXPIRED), two minutes running', () => {
    expect(props('IntentQueueOldestMessage')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'EventRouting/IntentQueue/Queue'), 'QueueName'] } }],
      Threshold: 5,
      EvaluationPeriods: 2,
      AlarmActions: page,
    });
  });

  it('makes a ticket for a decision latency p99 over 500 ms five minutes running, and for more than half denied of at least 20', () => {
    expect(props('DecisionLatencyP99')).toMatchObject({ MetricName: METRICS.decisionLatency, ExtendedStatistic: 'p99', Threshold: 500, EvaluationPeriods: 5, AlarmActions: ticket });
    const rejection = props('RejectionRate');
    expect(rejection).toMatchObject({ Threshold: 0.5, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: ticket });
    expect(JSON.stringify(rejection.Metrics)).toContain('IF(all >= 20, denied / all, 0)');
  });

  it('pages on a stale feed and makes tickets for a failover and for reconciliation breaks', () => {
    expect(props('StaleMarketData')).toMatchObject({ Threshold: 1, AlarmActions: page });
    expect(JSON.stringify(props('StaleMarketData').Metrics)).toContain(METRICS.feedStale);
    expect(props('FeedFailover')).toMatchObject({ AlarmActions: ticket });
    expect(props('ReconciliationBreaks')).toMatchObject({ AlarmActions: ticket });
  });

  it('makes tickets for an execution-throttle trip and for every press of the kill switch, each on its own metric', () => {
    expect(props('ExecutionThrottleTripped')).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: ticket });
    expect(JSON.stringify(props('ExecutionThrottleTripped').Metrics)).toContain(METRICS.executionThrottleTripped);
    expect(props('KillSwitchActivated')).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: ticket });
    expect(JSON.stringify(props('KillSwitchActivated').Metrics)).toContain(METRICS.killSwitchActivated);
  });
});
