// The alarms on what the system measures, beside the ones on its plumbing: per account the session's loss
// near its breaker, the drawdown warning, gross exposure near its cap and a killed account (from the risk
// function's gauges); for the environment decision latency, the share of denials, the order queue's oldest
// message, a stale feed, a feed failover and reconciliation breaks. Each names its tier and its runbook.
// Missing data never breaches: the gauges are published only while intents are decided.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, Stats, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import type { AlarmTier } from '../shared/config/paging';
import { FEED_METRICS } from '../shared/feed/feed';
import { TRADING_STATE_CODES } from '../shared/risk/account-gauges';
import { METRICS, METRICS_NAMESPACE } from '../shared/telemetry/metrics';
import { describeAlarm, type Runbook } from './alarm-runbooks';
import { INTENT_MAX_WAIT_MS } from '../shared/risk/decision-batch';
import { sumOfSearch } from './metric-search';
import { notifyTier, type AlarmTopics } from './on-call';

export interface MetricAlarmsProps {
  config: EnvironmentConfig;
  topics: AlarmTopics;
  orderQueue: IQueue;
  /** The intents' queue on their way to the risk function. */
  intentQueue: IQueue;
}

/** The daily loss alarm goes off at this share of the loss breaker, before the breaker halts. */
export const DAILY_LOSS_ALARM_SHARE = 0.8;
/** The exposure alarm goes off at this share of the gross cap. */
export const GROSS_EXPOSURE_ALARM_SHARE = 0.9;
/** Decision latency p99 over this, five minutes in a row, makes a ticket. */
export const DECISION_LATENCY_P99_MS = 500;
/** Approvals expire after 60 s: a message waiting longer will never be sent. */
export const ORDER_QUEUE_MAX_AGE_S = 60;
/** The intake's longest wait before an intent is denied INTENT_EXPIRED, in seconds. */
export const INTENT_QUEUE_MAX_AGE_S = INTENT_MAX_WAIT_MS / 1000;

const MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

interface AlarmSpec {
  id: string;
  summary: string;
  runbook: Runbook;
  tier: AlarmTier;
  metric: IMetric;
  threshold: number;
  comparison: ComparisonOperator;
  evaluationPeriods?: number;
}

const risk = (metricName: string, account: string, statistic: string): Metric =>
  new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: 'risk', account }, statistic, period: MINUTE });

/** Every series of one metric name with these dimensions, summed. */
const sumOf = (dimensions: readonly string[], metricName: string, period: Duration, filter = ''): MathExpression => sumOfSearch(dimensions, metricName, period, { filter });

export class MetricAlarms extends Construct {
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: MetricAlarmsProps) {
    super(scope, id);
    const specs = [...props.config.accounts.flatMap((account) => this.accountSpecs(props.config, account)), ...this.environmentSpecs(props)];
    this.alarms = specs.map((spec) => {
      const alarm = new Alarm(this, spec.id, {
        alarmDescription: describeAlarm(this, spec.summary, spec.runbook),
        metric: spec.metric,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods ?? 1,
        comparisonOperator: spec.comparison,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      notifyTier(alarm, spec.tier, props.topics);
      return alarm;
    });
  }

  private accountSpecs(config: EnvironmentConfig, account: string): AlarmSpec[] {
    const { loss, exposure } = config.riskLimits;
    const lossAt = Number(loss.dailyLossBreaker) * DAILY_LOSS_ALARM_SHARE;
    const grossAt = Number(exposure.maxGrossNotional) * GROSS_EXPOSURE_ALARM_SHARE;
    return [
      {
        id: `DailyLossNearLimit-${account}`,
        summary: `${account}: the session's loss reached ${lossAt} (${DAILY_LOSS_ALARM_SHARE * 100} % of the ${loss.dailyLossBreaker} at which the breaker halts)`,
        runbook: 'daily-loss-near-limit',
        tier: 'page',
        metric: risk(METRICS.accountDailyPnl, account, Stats.MINIMUM),
        threshold: -lossAt,
        comparison: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
      },
      {
        id: `DrawdownWarning-${account}`,
        summary: `${account}: drawdown from the session's peak reached ${loss.drawdownWarningBps} bps (the breaker halts at ${loss.drawdownBreakerBps})`,
        runbook: 'drawdown-warning',
        tier: 'page',
        metric: risk(METRICS.accountDrawdownBps, account, Stats.MAXIMUM),
        threshold: Number(loss.drawdownWarningBps),
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
      {
        id: `GrossExposureNearCap-${account}`,
        summary: `${account}: gross exposure reached ${grossAt} (${GROSS_EXPOSURE_ALARM_SHARE * 100} % of its cap ${exposure.maxGrossNotional}); orders past the cap are denied`,
        runbook: 'gross-exposure-near-cap',
        tier: 'ticket',
        metric: risk(METRICS.accountGrossExposure, account, Stats.MAXIMUM),
        threshold: grossAt,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
      {
        id: `AccountKilled-${account}`,
        summary: `${account} is KILLED: a person pressed the kill switch, or the breaker escalated after repeated trips`,
        runbook: 'account-killed',
        tier: 'page',
        metric: risk(METRICS.accountTradingState, account, Stats.MAXIMUM),
        threshold: TRADING_STATE_CODES.KILLED,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
    ];
  }

  private environmentSpecs(props: MetricAlarmsProps): AlarmSpec[] {
    const denied = sumOf(['outcome', 'reason', 'service'], METRICS.decision, FIVE_MINUTES, 'outcome="denied"');
    const all = sumOf(['outcome', 'reason', 'service'], METRICS.decision, FIVE_MINUTES);
    return [
      {
        id: 'DecisionLatencyP99',
        summary: `risk decision latency p99 over ${DECISION_LATENCY_P99_MS} ms (from an intent's arrival) for five minutes`,
        runbook: 'decision-latency',
        tier: 'ticket',
        metric: new Metric({ namespace: METRICS_NAMESPACE, metricName: METRICS.decisionLatency, dimensionsMap: { service: 'risk' }, statistic: Stats.p(99), period: MINUTE }),
        threshold: DECISION_LATENCY_P99_MS,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
      },
      {
        id: 'RejectionRate',
        summary: 'more than half of the risk decisions denied over five minutes (at least 20 decisions)',
        runbook: 'rejection-rate',
        tier: 'ticket',
        // 0 below 20 decisions, so a quiet account's two denials do not make a ticket.
        metric: new MathExpression({ expression: 'IF(all >= 20, denied / all, 0)', usingMetrics: { denied, all }, period: FIVE_MINUTES, label: 'denied share' }),
        threshold: 0.5,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
      {
        id: 'OrderQueueOldestMessage',
        summary: `an order-queue message waited over ${ORDER_QUEUE_MAX_AGE_S} s for two minutes: approvals that old are never sent`,
        runbook: 'order-queue-oldest-message',
        tier: 'page',
        metric: props.orderQueue.metricApproximateAgeOfOldestMessage({ period: MINUTE, statistic: Stats.MAXIMUM }),
        threshold: ORDER_QUEUE_MAX_AGE_S,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
      },
      {
        // Past the intake's wait every intent is denied INTENT_EXPIRED: strategies trade nothing, or a flood is being drained.
        id: 'IntentQueueOldestMessage',
        summary: `an intent waited over ${INTENT_QUEUE_MAX_AGE_S} s in the intent queue for two minutes: intents that old are denied INTENT_EXPIRED`,
        runbook: 'intent-queue-oldest-message',
        tier: 'page',
        metric: props.intentQueue.metricApproximateAgeOfOldestMessage({ period: MINUTE, statistic: Stats.MAXIMUM }),
        threshold: INTENT_QUEUE_MAX_AGE_S,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
      },
      {
        id: 'StaleMarketData',
        summary: 'the dead-man switch found the feed stale (heartbeat or marks too old): it cancelled open orders and halted',
        runbook: 'stale-market-data',
        tier: 'page',
        metric: sumOf(['account', 'service'], METRICS.feedStale, MINUTE),
        threshold: 1,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
      {
        id: 'FeedFailover',
        summary: 'the feed switched market-data sources (to the backup or back to the primary)',
        runbook: 'feed-failover',
        tier: 'ticket',
        metric: sumOf(['reason', 'service'], FEED_METRICS.sourceSwitched, FIVE_MINUTES),
        threshold: 1,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
      {
        // The breaker function pages the trip itself (ExecutionThrottleTripped.v1); this ticket makes sure the
        // cause is looked into, and is the backstop when that event never went out.
        id: 'ExecutionThrottleTripped',
        summary: 'a risk decision tripped the repeated-execution throttle: the strategy (or account) stays disabled until a person re-enables it',
        runbook: 'execution-throttle-tripped',
        tier: 'ticket',
        metric: sumOf(['scope', 'service'], METRICS.executionThrottleTripped, FIVE_MINUTES),
        threshold: 1,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
      {
        // The press itself pages (the kill switch's page step) and AccountKilled pages while KILLED: this is the
        // post-mortem's ticket, so no kill goes unexplained.
        id: 'KillSwitchActivated',
        summary: 'a person pressed the kill switch: every kill gets a post-mortem (npx tsp timeline)',
        runbook: 'kill-switch-activated',
        tier: 'ticket',
        metric: sumOf(['account', 'service'], METRICS.killSwitchActivated, FIVE_MINUTES),
        threshold: 1,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
      {
        id: 'ReconciliationBreaks',
        summary: 'reconciliation found the table and the broker disagreeing (a break that persists a second run halts)',
        runbook: 'reconciliation-breaks',
        tier: 'ticket',
        metric: sumOf(['account', 'service'], METRICS.reconciliationBreaks, FIVE_MINUTES),
        threshold: 1,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
    ];
  }
}
