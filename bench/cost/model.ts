// The cost model: the measured run, scaled by the rules of bench/cost/scaling.ts to the requested symbols and
// intents, priced from the price table, per service, per trading day and per month, with what keeps a figure above
// its target and what would lower it. Pure: the same input gives the same estimate (dollars exact until printed).
import { Decimal } from '../../shared/money/decimal';
import { periodsPerMonth, type Basis, type CostLine, type CostRequest, type ModelInput } from './cost-line';
import { computeLines } from './lines-compute';
import { dataLines } from './lines-data';
import { fixedLines } from './lines-fixed';

export interface ServiceCost {
  perTradingDayUsd: Decimal;
  perMonthUsd: Decimal;
  lines: CostLine[];
}

export interface Blocker {
  /** The kind of line (its id), all of its lines together. */
  id: string;
  service: string;
  perTradingDayUsd: Decimal;
  remedy: string;
}

export interface CostEstimate {
  request: CostRequest;
  perTradingDayUsd: Decimal;
  perMonthUsd: Decimal;
  /** What each basis adds to a month: per session (× trading days), around the clock (× calendar days), fixed. */
  perMonthByBasisUsd: Record<Basis, Decimal>;
  /** What one more trading session costs (the per-session lines). */
  perSessionUsd: Decimal;
  byService: Record<string, ServiceCost>;
  lines: CostLine[];
  /** The kinds of line that keep the per-trading-day figure above `targetUsd`, largest first, with what would lower each. */
  target: { perTradingDayUsd: Decimal; met: boolean; blockers: Blocker[] };
}

/** What would lower each kind of line (the estimate names it when that line keeps the total above its target). */
export const REMEDIES: Record<string, string> = {
  'dynamodb.orderHistoryReads':
    'Read the open orders from an index of their own (a sparse GSI on open status, or OPEN# items deleted when an order is final) instead of a Query of every ORDER# item filtered by status: the reconciliation (every minute) and the dead-man switch (every minute) read the whole history, and orders are kept, so this grows every day.',
  'fargate.task': 'Run the feed task only around the session (a scheduled desired count of 0 outside about 09:00–16:30 New York on trading days cuts its hours to about a quarter; the dead-man switch must then expect it off), or on Fargate Spot.',
  'vpc.publicIpv4': 'Reach the broker and the market data over IPv6 (a dual-stack subnet with an egress-only gateway), or stop the task outside the session.',
  'cloudwatch.alarms': 'Fewer alarm metrics: the per-function error, throttle and duration alarms (three per function) could be metric-math alarms over all functions; an account free tier covers ten.',
  'cloudwatch.customMetrics': 'Fewer dimension combinations (a denial reason as a log field rather than a metric dimension), or accept them: the free tier covers ten.',
  'cloudwatch.dashboards': 'An account free tier covers three dashboards (not applied here).',
  'dynamodb.marksWrites': 'Write the marks less often or only the symbols that moved in an item of their own: each write pays for the whole item, which grows with the symbols.',
  'dynamodb.feedHeartbeat': 'Beat and renew the lease every few seconds instead of every second (the dead-man switch runs once a minute).',
  'xray.traces': 'Sample the schedules (a sampling rule with no reservoir for them) and keep tracing the order path.',
  'logs.ingestion': 'Write the per-decision line at DEBUG in prod, or emit the decision metrics as one EMF line per batch instead of one per metric.',
  'logs.storage': 'Keep a month of logs in CloudWatch and export older ones to S3 (or use the Infrequent Access log class).',
  'lambda.duration': 'Per-order cost: it scales with the orders; smaller memory or fewer DynamoDB round trips per decision lowers it.',
  'lambda.requests': 'Per-order cost: it scales with the orders (and the schedules around the clock).',
  'dynamodb.reads': 'Per-order cost: it scales with the orders and, for the items that hold every symbol, with the symbols.',
  'dynamodb.writes': 'Per-order cost: it scales with the orders.',
  'dynamodb.storage': 'Expire or archive old orders and audit items (export to S3): the table grows with every order kept.',
  'dynamodb.pitr': 'Follows the table size: see dynamodb.storage.',
  'eventbridge.events': 'Per-order cost: a few events per order (intent, decision, submission, fill).',
  'eventbridge.archive': 'A shorter archive retention.',
  'sqs.requests': 'Per-order cost, plus the pollers Lambda keeps on each queue around the clock.',
  'secretsmanager.secrets': 'Fixed: one secret.',
  'lambda.provisionedConcurrency':
    'Provisioned concurrency keeps the stop path (breaker, kill switch) warm around the clock: scheduled to the session hours (Application Auto Scaling scheduled actions) it costs about a quarter, at the price of a cold start for a stop outside them.',
  'kms.keys': 'Each customer managed key costs a dollar a month: one key for the stack instead of one per kind of data, or AWS managed keys where no key policy of your own is needed.',
  'kms.requests': 'Fewer customer managed keys, or longer data key reuse (SQS KmsDataKeyReusePeriodSeconds up to a day).',
};

const SERVICE_ORDER = ['Lambda', 'DynamoDB', 'SQS', 'EventBridge', 'Step Functions', 'API Gateway', 'ECS Fargate', 'VPC', 'ECR', 'CloudWatch', 'X-Ray', 'Secrets Manager', 'KMS'];

const sum = (values: readonly Decimal[]): Decimal => values.reduce((a, b) => a.add(b), new Decimal(0));

/** The kinds of line to take away, largest first, until what is left is within the target. */
const blockersOf = (lines: readonly CostLine[], tradingDays: number, target: Decimal): Blocker[] => {
  const total = sum(lines.map((l) => l.usdPerMonth)).div(tradingDays);
  const byId = new Map<string, { service: string; usd: Decimal }>();
  for (const line of lines) {
    const kind = byId.get(line.id) ?? { service: line.service, usd: new Decimal(0) };
    byId.set(line.id, { service: kind.service, usd: kind.usd.add(line.usdPerMonth.div(tradingDays)) });
  }
  const blockers: Blocker[] = [];
  let left = total;
  for (const [id, kind] of [...byId].sort(([, a], [, b]) => b.usd.comparedTo(a.usd))) {
    if (left.lte(target)) break;
    blockers.push({ id, service: kind.service, perTradingDayUsd: kind.usd, remedy: REMEDIES[id] ?? 'See the line formulas.' });
    left = left.sub(kind.usd);
  }
  return blockers;
};

export const estimateCost = (input: ModelInput, targetUsd = '1.00'): CostEstimate => {
  const lines = [...computeLines(input), ...dataLines(input), ...fixedLines(input)];
  const tradingDays = input.assumptions.tradingDaysPerMonth;
  const perMonthUsd = sum(lines.map((l) => l.usdPerMonth));
  const perTradingDayUsd = perMonthUsd.div(tradingDays);
  const services = [...new Set(lines.map((l) => l.service))].sort((a, b) => SERVICE_ORDER.indexOf(a) - SERVICE_ORDER.indexOf(b));
  const byService = Object.fromEntries(
    services.map((service) => {
      const own = lines.filter((l) => l.service === service);
      const month = sum(own.map((l) => l.usdPerMonth));
      return [service, { perTradingDayUsd: month.div(tradingDays), perMonthUsd: month, lines: own }];
    }),
  );
  const basisTotal = (basis: Basis) => sum(lines.filter((l) => l.basis === basis).map((l) => l.usdPerMonth));
  const target = new Decimal(targetUsd);
  return {
    request: input.request,
    perTradingDayUsd,
    perMonthUsd,
    perMonthByBasisUsd: { session: basisTotal('session'), 'calendar-day': basisTotal('calendar-day'), month: basisTotal('month') },
    perSessionUsd: basisTotal('session').div(periodsPerMonth(input, 'session')),
    byService,
    lines,
    target: { perTradingDayUsd: target, met: perTradingDayUsd.lte(target), blockers: blockersOf(lines, tradingDays, target) },
  };
};
