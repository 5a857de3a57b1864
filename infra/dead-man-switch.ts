// The dead-man switch in AWS: its function (a TradingFunction: live alias, CodeDeploy, error and
// throttle alarms), run every minute by the DeadManSwitchSchedule route, and an alarm for when it stops
// running. Invariants: it may read and write the table, read the broker secret (its cancel-all talks to the
// broker) and, granted by the stack once the bus exists, put events on the bus; nothing else.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { isAlwaysOpen, compileMarket } from '../shared/calendar/trading-calendar';
import { RUNTIME_ENV } from '../shared/config/runtime-env';
import { METRICS, METRICS_NAMESPACE } from '../shared/telemetry/metrics';
import type { BrokerFunctionContext } from './circuit-breaker';
import { TradingFunction } from './trading-function';
import { acknowledgeIndexGrant, denyControlItemWrites } from './trading-table';
import { describeAlarm } from './alarm-runbooks';
import { notifyTier } from './on-call';

/**
 * No bus: the function is the target of a schedule rule of EventRouting, so it exists before the bus; the
 * stack grants it PutEvents (the FEED_STALE breach, the cancellations' order events) once the bus exists.
 */
/** Days ahead a market's calendar must cover before its alarm pages. */
export const CALENDAR_COVERAGE_DAYS = 30;

export type DeadManSwitchProps = Omit<BrokerFunctionContext, 'bus'>;

export class DeadManSwitch extends Construct {
  readonly fn: TradingFunction;
  /** The switch itself stopped: no invocation for five minutes (a disabled schedule, a broken deployment). */
  readonly silentAlarm: Alarm;
  /** Per exchange market the environment trades: its calendar covers fewer than 30 days ahead. */
  readonly calendarCoverageAlarms: Alarm[];

  constructor(scope: Construct, id: string, props: DeadManSwitchProps) {
    super(scope, id);
    const { config, table, onCall, brokerCredentials } = props;
    // The construct ids (here and the stack's 'Watchdog') are the switch's first name, kept: a new id would
    // replace the deployed function, its alias and its alarms.
    this.fn = new TradingFunction(this, 'WatchdogFunction', {
      name: 'dead-man-switch',
      config,
      // A cancel-all calls the broker for every open order of every account; the next minute checks again.
      timeout: Duration.seconds(50),
      environment: {
        ...props.baseEnv,
        ...(brokerCredentials.secret ? { [RUNTIME_ENV.brokerSecretId]: brokerCredentials.secret.secretArn } : {}),
      },
      onCall,
      tickets: props.tickets,
    });
    table.grantReadWriteData(this.fn.fn);
    acknowledgeIndexGrant(table, this.fn.fn);
    // It halts through a breach to the breaker, never by writing the trading state itself.
    denyControlItemWrites(table, this.fn.fn);
    brokerCredentials.grantRead(this.fn.fn);

    // Missing data is breaching: a switch that is not invoked at all is as bad as a dead feed.
    this.silentAlarm = new Alarm(this, 'SilentAlarm', {
      alarmDescription: describeAlarm(this, 'the dead-man switch has not run for 5 minutes: a dead feed would go unnoticed (halts trading, pages on-call)', 'dead-man-switch-silent'),
      metric: this.fn.alias.metricInvocations({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
    notifyTier(this.silentAlarm, 'page', { page: onCall, ticket: props.tickets });
    this.calendarCoverageAlarms = this.coverageAlarms(props);
  }

  /**
   * A calendar past its end closes its market (fail closed): the alarm gives a month to publish the next year's
   * holidays. Missing data does not breach: the silent alarm covers a switch that stopped.
   */
  private coverageAlarms({ config, onCall, tickets }: DeadManSwitchProps): Alarm[] {
    const { defaultMarket, bySymbol } = config.riskLimits.sessions;
    const markets = [...new Set([defaultMarket, ...Object.values(bySymbol)])].filter((market) => !isAlwaysOpen(compileMarket(market)));
    return markets.map((market) => {
      const alarm = new Alarm(this, `CalendarCoverageAlarm${market}`, {
        alarmDescription: describeAlarm(this, `the ${market} trading calendar covers fewer than 30 days ahead: past its end the market counts as closed and nothing trades (update the calendar)`, 'trading-calendar-coverage'),
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRICS.calendarCoverageDays,
          dimensionsMap: { service: 'dead-man-switch', market },
          statistic: Stats.MINIMUM,
          period: Duration.hours(1),
        }),
        threshold: CALENDAR_COVERAGE_DAYS,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      // A month's notice: a ticket, not a page.
      notifyTier(alarm, 'ticket', { page: onCall, ticket: tickets });
      return alarm;
    });
  }
}
