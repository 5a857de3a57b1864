// The order-integrity alarms in every deployed environment: a changed broker order id pages on-call and halts
// trading (it is one of the alarms the breaker takes), a broker update the broker did not confirm pages only.
import { describe, expect, it } from 'vitest';
import { BROKER_VIEW_SERVICES } from '../../infra/order-integrity-alarms';
import { BROKER_UPDATE_REJECTIONS } from '../../shared/order-service/update-confirmation';
import { METRICS } from '../../shared/telemetry/metrics';
import { templateFor, type DeployableEnv } from './synth';
import { logicalId, resource } from './template-paths';

interface MetricQuery {
  Id: string;
  Expression?: string;
  ReturnData?: boolean;
  MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }; Period: number; Stat: string };
}

describe.each<DeployableEnv>(['dev', 'staging', 'prod'])('the order-integrity alarms (%s)', (envName) => {
  const template = templateFor(envName);
  const alarm = (name: string) => resource(template, 'AWS::CloudWatch::Alarm', `OrderIntegrity/${name}`).Properties;
  const summed = (name: string) => {
    const queries = alarm(name).Metrics as MetricQuery[];
    const expression = queries.find((q) => q.Expression);
    const series = queries.filter((q) => q.MetricStat).map((q) => q.MetricStat);
    return { expression, series };
  };
  const dimensionsOf = (series: ReturnType<typeof summed>['series']) =>
    series.map((s) => Object.fromEntries((s?.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value])));
  const haltingArns = () => (resource(template, 'AWS::Events::Rule', 'HaltingAlarms/AlarmToBreaker').Properties.EventPattern as { resources: unknown[] }).resources;
  const arnOf = (name: string) => ({ 'Fn::GetAtt': [logicalId(template, 'AWS::CloudWatch::Alarm', `OrderIntegrity/${name}`), 'Arn'] });
  const topic = () => ({ Ref: logicalId(template, 'AWS::SNS::Topic', 'OnCall/Topic') });

  it('pages on-call on one changed broker order id in a minute, from any function that applies the broker’s view', () => {
    expect(alarm('BrokerOrderIdChangedAlarm')).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic()],
    });
    const { expression, series } = summed('BrokerOrderIdChangedAlarm');
    expect(expression).toMatchObject({ Expression: 'SUM(METRICS())', ReturnData: true });
    expect(series.every((s) => s?.Metric.Namespace === 'TradingSafety' && s.Metric.MetricName === METRICS.brokerOrderIdChanged && s.Period === 60 && s.Stat === 'Sum')).toBe(true);
    expect(dimensionsOf(series)).toEqual(BROKER_VIEW_SERVICES.map((service) => ({ service })));
    expect(BROKER_VIEW_SERVICES).toEqual(['order', 'reconciliation', 'breaker', 'kill-switch', 'dead-man-switch']);
  });

  it('halts trading on a changed broker order id: the alarm is one the breaker takes', () => {
    expect(haltingArns()).toContainEqual(arnOf('BrokerOrderIdChangedAlarm'));
  });

  it('pages on-call on one rejected broker update of any reason, without halting', () => {
    expect(alarm('BrokerUpdateRejectedAlarm')).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', AlarmActions: [topic()] });
    const { series } = summed('BrokerUpdateRejectedAlarm');
    expect(series.every((s) => s?.Metric.MetricName === METRICS.brokerUpdateRejected)).toBe(true);
    expect(dimensionsOf(series)).toEqual(BROKER_UPDATE_REJECTIONS.map((reason) => ({ service: 'order', reason })));
    expect(haltingArns()).not.toContainEqual(arnOf('BrokerUpdateRejectedAlarm'));
  });
});
