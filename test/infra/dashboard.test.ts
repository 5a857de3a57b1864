// The dashboard of every environment: one per stack, its alarms' status, and the metrics on-call reads first,
// each a name the code emits (METRICS, FEED_METRICS) in the namespace it emits it in.
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE } from '../../shared/telemetry/metrics';
import { FEED_METRICS } from '../../shared/feed/feed';
import { METRICS } from '../../shared/telemetry/metrics';
import { templateFor } from './synth';

/** The dashboard body as text, with CloudFormation's references kept as JSON. */
const bodyOf = (template: Template): string => {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardName: string; DashboardBody: unknown } }[];
  expect(dashboards).toHaveLength(1);
  return JSON.stringify(dashboards[0]?.Properties.DashboardBody);
};

describe.each(['dev', 'staging', 'prod'] as const)('the %s dashboard', (env) => {
  const template = templateFor(env);
  const body = bodyOf(template);

  it('is named for its environment', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `trading-safety-${env}` });
  });

  it('shows the state of every alarm of the stack', () => {
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarmIds.length).toBeGreaterThan(0);
    for (const id of alarmIds) expect(body, id).toContain(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
  });

  it.each([
    'paper-1: trading state (0 ACTIVE, 1 WARNING, 2 REDUCING, 3 HALTED, 4 KILLED)',
    'paper-1: gross and net exposure',
    'paper-1: session P&L and drawdown',
    'Decisions per minute by outcome',
    'Denials by reason',
    'Decision latency (ms, from arrival)',
    'Intent queue',
    'Orders sent and fills booked',
    'Order queue',
    'Circuit breaker executions',
    'Breaches by kind',
    'Reconciliation breaks and stale feed (per account)',
    'Feed: source switches and silent symbols',
    'Function errors',
  ])('has the widget “%s”', (title) => {
    expect(body).toContain(`\\"title\\":\\"${title}\\"`);
  });

  it('reads decisions by outcome and reason, latency percentiles, fills, breaches and the feed’s metrics from the namespace the code writes', () => {
    for (const name of [METRICS.accountTradingState, METRICS.accountGrossExposure, METRICS.accountDailyPnl, METRICS.decision, METRICS.decisionLatency, METRICS.orderSubmitted, METRICS.fillApplied, METRICS.riskBreach, METRICS.reconciliationBreaks, METRICS.feedStale, FEED_METRICS.sourceSwitched, FEED_METRICS.ticksRejected]) {
      expect(body, name).toContain(name);
    }
    expect(body).toContain(`SEARCH('{${METRICS_NAMESPACE},outcome,reason,service} MetricName=\\\\\\"${METRICS.decision}\\\\\\" outcome=\\\\\\"denied\\\\\\"'`);
    expect(body).toContain('\\"stat\\":\\"p99\\"');
    expect(body).toContain('ApproximateAgeOfOldestMessage');
    expect(body).toContain('ExecutionsFailed');
  });
});
