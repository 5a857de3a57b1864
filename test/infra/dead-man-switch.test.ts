// The dead-man switch's calendar coverage alarm in every deployed environment: it pages on-call when an exchange
// calendar the environment trades covers fewer than 30 days ahead.
import { describe, expect, it } from 'vitest';
import { CALENDAR_COVERAGE_DAYS } from '../../infra/dead-man-switch';
import { METRICS } from '../../shared/telemetry/metrics';
import { templateFor, type DeployableEnv } from './synth';
import { logicalId, resource } from './template-paths';

describe.each<DeployableEnv>(['dev', 'staging', 'prod'])('the calendar coverage alarm (%s)', (envName) => {
  const template = templateFor(envName);

  it('makes a ticket when the XNYS calendar covers fewer than 30 days, read from the switch’s hourly minimum', () => {
    expect(CALENDAR_COVERAGE_DAYS).toBe(30);
    expect(resource(template, 'AWS::CloudWatch::Alarm', 'Watchdog/CalendarCoverageAlarmXNYS').Properties).toMatchObject({
      Namespace: 'TradingSafety',
      MetricName: METRICS.calendarCoverageDays,
      Dimensions: expect.arrayContaining([
        { Name: 'service', Value: 'dead-man-switch' },
        { Name: 'market', Value: 'XNYS' },
      ]),
      Statistic: 'Minimum',
      Period: 3600,
      Threshold: 30,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(template, 'AWS::SNS::Topic', 'OnCall/TicketTopic') }],
    });
  });
});
