// The environment's CloudWatch dashboard: what on-call looks at first. Alarms, each account's trading state,
// exposure against its cap and P&L against the loss breaker, decisions by outcome and the top
// denial reasons, decision latency, orders and fills, the order queue, the breaker's executions, breaches, the
// feed and the functions. Metrics whose dimensions vary (reasons, kinds, services) are read with SEARCH, so a
// new reason shows without a deploy. Invariant: every metric name here is one the code emits (METRICS,
// FEED_METRICS) in the namespace it emits it in.
import { Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  Metric,
  Stats,
  TextWidget,
  type IAlarm,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import { FEED_METRICS } from '../shared/feed/feed';
import { METRICS, METRICS_NAMESPACE } from '../shared/telemetry/metrics';
import { searchOf, sumOfSearch } from './metric-search';

const PERIOD = Duration.minutes(1);

export interface TradingDashboardProps {
  config: EnvironmentConfig;
  /** Every alarm of the stack, for the alarm status widget. */
  alarms: readonly IAlarm[];
  /** The functions' live aliases, by name. */
  functions: Readonly<Record<string, IFunction>>;
  orderQueue: IQueue;
  orderDeadLetters: IQueue;
  /** The intents' queue on their way to the risk function. */
  intentQueue: IQueue;
  breaker: IStateMachine;
}

/** One line per series of the metric with these dimensions. */
const search = (label: string, dimensions: readonly string[], metricName: string, filter = '') => searchOf(dimensions, metricName, PERIOD, { filter, label });

/** The sum of every series of the metric with these dimensions: one line. */
const total = (label: string, dimensions: readonly string[], metricName: string, filter = '') => sumOfSearch(dimensions, metricName, PERIOD, { filter, label });

const metric = (metricName: string, dimensionsMap: Record<string, string>, statistic: string, label: string): Metric =>
  new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, statistic, period: PERIOD, label });

const graph = (title: string, left: IMetric[], width = 12, right: IMetric[] = []): GraphWidget => new GraphWidget({ title, left, right, width, height: 6 });

export class TradingDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TradingDashboardProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `trading-safety-${props.config.name}`,
      defaultInterval: Duration.hours(3),
      widgets: [this.header(props), ...props.config.accounts.map((account) => this.account(props.config, account)), this.decisions(props), this.orders(props), this.safety(props), this.feed(), this.functionsRow(props)],
    });
  }

  private header(props: TradingDashboardProps): IWidget[] {
    return [
      new TextWidget({
        markdown: `# Trading safety: ${props.config.name}\nAccounts: ${props.config.accounts.join(', ')}. Every alarm's description links its runbook (docs/runbooks/README.md). To stop an account now: \`POST /kill-switch\` on the kill-switch API.`,
        width: 8,
        height: 6,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 16, height: 6 }),
    ];
  }

  /** One account's trading state, exposure against its cap and the session's P&L against the loss breaker. */
  private account(config: EnvironmentConfig, account: string): IWidget[] {
    const gauge = (metricName: string, statistic: string, label: string) => metric(metricName, { service: 'risk', account }, statistic, label);
    const { exposure, loss } = config.riskLimits;
    return [
      new GraphWidget({
        title: `${account}: trading state (0 ACTIVE, 1 WARNING, 2 REDUCING, 3 HALTED, 4 KILLED)`,
        left: [gauge(METRICS.accountTradingState, Stats.MAXIMUM, 'state')],
        leftYAxis: { min: 0, max: 4 },
        width: 8,
        height: 6,
      }),
      new GraphWidget({
        title: `${account}: gross and net exposure`,
        left: [gauge(METRICS.accountGrossExposure, Stats.MAXIMUM, 'gross'), gauge(METRICS.accountNetExposure, Stats.MAXIMUM, 'net')],
        leftAnnotations: [{ value: Number(exposure.maxGrossNotional), label: 'gross cap' }],
        width: 8,
        height: 6,
      }),
      new GraphWidget({
        title: `${account}: session P&L and drawdown`,
        left: [gauge(METRICS.accountDailyPnl, Stats.MINIMUM, 'P&L')],
        right: [gauge(METRICS.accountDrawdownBps, Stats.MAXIMUM, 'drawdown (bps)')],
        leftAnnotations: [{ value: -Number(loss.dailyLossBreaker), label: 'loss breaker' }],
        width: 8,
        height: 6,
      }),
    ];
  }

  private decisions(props: TradingDashboardProps): IWidget[] {
    return [
      graph('Decisions per minute by outcome', [
        total('approved', ['outcome', 'reason', 'service'], METRICS.decision, 'outcome="approved"'),
        total('denied', ['outcome', 'reason', 'service'], METRICS.decision, 'outcome="denied"'),
      ], 6),
      graph('Denials by reason', [search('denied', ['outcome', 'reason', 'service'], METRICS.decision, 'outcome="denied"')], 6),
      graph('Decision latency (ms, from arrival)', [
        metric(METRICS.decisionLatency, { service: 'risk' }, Stats.p(50), 'p50'),
        metric(METRICS.decisionLatency, { service: 'risk' }, Stats.p(99), 'p99'),
      ], 6),
      graph(
        'Intent queue',
        [props.intentQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'waiting' })],
        6,
        [props.intentQueue.metricApproximateAgeOfOldestMessage({ period: PERIOD, label: 'oldest (s)' })],
      ),
    ];
  }

  private orders(props: TradingDashboardProps): IWidget[] {
    return [
      graph('Orders sent and fills booked', [
        search('submitted', ['service', 'status'], METRICS.orderSubmitted),
        total('fills booked', ['service'], METRICS.fillApplied),
      ], 8),
      graph('Blocked before submit, anomalies, in flight', [
        search('blocked', ['reason', 'service'], METRICS.orderBlocked),
        search('anomaly', ['kind', 'service'], METRICS.orderAnomaly),
        total('in flight', ['service'], METRICS.orderInFlight),
      ], 8),
      graph(
        'Order queue',
        [props.orderQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'waiting' }), props.orderDeadLetters.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'dead letters' })],
        8,
        [props.orderQueue.metricApproximateAgeOfOldestMessage({ period: PERIOD, label: 'oldest (s)' })],
      ),
    ];
  }

  private safety(props: TradingDashboardProps): IWidget[] {
    return [
      graph('Circuit breaker executions', [
        props.breaker.metricStarted({ period: PERIOD, label: 'started' }),
        props.breaker.metricSucceeded({ period: PERIOD, label: 'succeeded' }),
        props.breaker.metricFailed({ period: PERIOD, label: 'failed' }),
      ], 8),
      graph('Breaches by kind', [search('breach', ['kind', 'service'], METRICS.riskBreach)], 8),
      graph('Reconciliation breaks and stale feed (per account)', [
        search('breaks', ['account', 'service'], METRICS.reconciliationBreaks),
        search('feed stale', ['account', 'service'], METRICS.feedStale),
      ], 8),
    ];
  }

  private feed(): IWidget[] {
    return [
      graph('Feed: source switches and silent symbols', [
        search('source switched', ['reason', 'service'], FEED_METRICS.sourceSwitched),
        total('silent symbols', ['service'], FEED_METRICS.symbolSilent),
      ], 8),
      graph('Feed: ticks rejected by reason', [search('rejected', ['reason', 'service'], FEED_METRICS.ticksRejected)], 8),
      graph('Feed: failed writes (marks, heartbeat) and strategies', [
        total('mark writes failed', ['service'], FEED_METRICS.markWriteFailed),
        total('heartbeats failed', ['service'], FEED_METRICS.heartbeatFailed),
        total('strategies failed', ['service'], FEED_METRICS.strategiesFailed),
      ], 8),
    ];
  }

  private functionsRow(props: TradingDashboardProps): IWidget[] {
    const aliases = Object.entries(props.functions);
    return [
      graph('Function errors', aliases.map(([name, fn]) => fn.metricErrors({ period: PERIOD, label: name })), 8),
      graph('Function throttles', aliases.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, label: name })), 8),
      graph('Function duration p99 (ms)', aliases.map(([name, fn]) => fn.metricDuration({ period: PERIOD, label: name, statistic: Stats.p(99) })), 8),
    ];
  }
}
