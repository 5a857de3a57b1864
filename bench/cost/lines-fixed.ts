// The lines that exist whether or not anything trades, or that follow the system's observability: the feed task
// (Fargate, its public IPv4 address, its image), CloudWatch (custom metrics, alarms, dashboards, log ingestion and
// storage), Secrets Manager and KMS.
import type { Caller } from '../../local/usage-meter';
import { calendarDaysPerMonth } from './assumptions';
import { everyMinutesOf, f, isPerIntent, isScheduled, lineOf, runsOf, type Basis, type CostLine, type ModelInput } from './cost-line';
import { GB, metricHoursPerMonth, HOURS_PER_MONTH, perIntent, perSecond, scheduledRunsPerDay, SECONDS_PER_DAY, SESSION_SECONDS, storageHeldGb } from './scaling';

const feedTaskLines = (input: ModelInput): CostLine[] =>
  input.deployment.tasks.flatMap((task, i) => {
    if (!task.arm) throw new Error('the feed task runs on x86: the price table has Arm Fargate rates only');
    const name = input.deployment.tasks.length > 1 ? `feed task ${i + 1}` : 'feed task';
    const hours = 24 * task.count;
    return [
      lineOf(input, { id: 'fargate.task', service: 'ECS Fargate', item: `${name}: vCPU`, basis: 'calendar-day', quantity: task.vcpu * hours, price: 'fargate.vcpuHourArm', formula: `${f(task.vcpu)} vCPU × 24 h × ${f(task.count)} task (runs around the clock)` }),
      lineOf(input, { id: 'fargate.task', service: 'ECS Fargate', item: `${name}: memory`, basis: 'calendar-day', quantity: task.memoryGb * hours, price: 'fargate.gbHourArm', formula: `${f(task.memoryGb)} GB × 24 h × ${f(task.count)} task` }),
      ...(task.publicIp ? [lineOf(input, { id: 'vpc.publicIpv4', service: 'VPC', item: `${name}: public IPv4 address`, basis: 'calendar-day', quantity: hours, price: 'vpc.publicIpv4Hour', formula: '24 h × one address per task (public subnet, no NAT gateway)' })] : []),
      lineOf(input, { id: 'ecr.storage', service: 'ECR', item: `${name}: image`, basis: 'month', quantity: input.assumptions.feedImageGb, price: 'ecr.storage', formula: `${f(input.assumptions.feedImageGb)} GB image (assumed)` }),
    ];
  });

/** Distinct custom metrics: those the run emitted, and those the alarms name that it did not (published around the clock). */
const customMetrics = (input: ModelInput): { key: string; aroundTheClock: boolean }[] => {
  const seen = input.measured.usage.metrics.map((m) => ({ key: `${m.service}|${m.name}|${m.dimensions}`, name: m.name, aroundTheClock: m.scheduled }));
  const names = new Set(seen.map((m) => m.name));
  const alarmOnly = input.deployment.alarms.flatMap((a) => (a.customMetric && !names.has(a.customMetric.name) ? [{ key: `alarm|${a.customMetric.name}|${a.customMetric.dimensions}`, name: a.customMetric.name, aroundTheClock: true }] : []));
  return [...new Map([...seen, ...alarmOnly].map((m) => [m.key, m])).values()];
};

const cloudWatchMetricLines = (input: ModelInput): CostLine[] => {
  const { deployment, assumptions, measured } = input;
  const metrics = customMetrics(input);
  const hours = metrics.reduce((sum, m) => sum + metricHoursPerMonth(m.aroundTheClock, assumptions.tradingDaysPerMonth, assumptions.sessionClockHours), 0);
  const allDay = metrics.filter((m) => m.aroundTheClock).length;
  const matches = (name: string) => Math.max(1, new Set(measured.usage.metrics.filter((m) => m.name === name).map((m) => `${m.service}|${m.dimensions}`)).size);
  const alarmMetrics = (highResolution: boolean) =>
    deployment.alarms.filter((a) => a.highResolution === highResolution).reduce((sum, a) => sum + a.metrics + a.searches.reduce((s, name) => s + matches(name), 0), 0);
  const standard = alarmMetrics(false);
  const highResolution = alarmMetrics(true);
  return [
    lineOf(input, {
      id: 'cloudwatch.customMetrics',
      service: 'CloudWatch',
      item: 'custom metrics',
      basis: 'month',
      quantity: hours / HOURS_PER_MONTH,
      price: 'cloudwatch.customMetric',
      formula: `${f(metrics.length)} metrics (name × service × dimensions; ${f(allDay)} published around the clock by the schedules or named by alarms, the rest in ${f(assumptions.sessionClockHours)} clock hours of ${f(assumptions.tradingDaysPerMonth)} sessions) prorated by the hour`,
    }),
    lineOf(input, { id: 'cloudwatch.alarms', service: 'CloudWatch', item: 'alarms (standard resolution)', basis: 'month', quantity: standard, price: 'cloudwatch.alarmMetricStandard', formula: `${f(deployment.alarms.length)} alarms evaluating ${f(standard)} metrics (metric math and SEARCH pay per metric)` }),
    ...(highResolution > 0 ? [lineOf(input, { id: 'cloudwatch.alarms', service: 'CloudWatch', item: 'alarms (high resolution)', basis: 'month', quantity: highResolution, price: 'cloudwatch.alarmMetricHighResolution', formula: `${f(highResolution)} metrics evaluated under a minute` })] : []),
    ...(deployment.compositeAlarms > 0 ? [lineOf(input, { id: 'cloudwatch.alarms', service: 'CloudWatch', item: 'composite alarms', basis: 'month', quantity: deployment.compositeAlarms, price: 'cloudwatch.compositeAlarm', formula: `${f(deployment.compositeAlarms)} composite alarms` })] : []),
    lineOf(input, { id: 'cloudwatch.dashboards', service: 'CloudWatch', item: 'dashboards', basis: 'month', quantity: deployment.dashboards, price: 'cloudwatch.dashboard', formula: `${f(deployment.dashboards)} dashboard (free tier not applied)` }),
  ];
};

/** Log bytes a caller writes per run: its lines with the logger's envelope, and its metric lines (EMF). */
const logBytes = (input: ModelInput, caller: Caller): number => {
  const logs = input.measured.usage.logs[caller] ?? { lines: 0, payloadBytes: 0 };
  const emf = input.measured.usage.emf[caller] ?? { lines: 0, bytes: 0 };
  return logs.lines * input.assumptions.logEnvelopeBytes + logs.payloadBytes + emf.bytes;
};

/** GB of logs a day per basis, with how each was made. */
const logGbPerDay = (input: ModelInput): { basis: Basis; gb: number; formula: string }[] => {
  const { measured, request, assumptions, deployment } = input;
  const callers = [...new Set([...Object.keys(measured.usage.logs), ...Object.keys(measured.usage.emf), ...Object.keys(measured.usage.invocations)])] as Caller[];
  let session = 0;
  let calendar = 0;
  for (const caller of callers) {
    const bytes = logBytes(input, caller);
    if (isPerIntent(caller)) session += perIntent(bytes, measured.intents, request.orders);
    else if (isScheduled(caller)) {
      const extra = caller === 'dead-man-switch/schedule' && !measured.usage.logs[caller] ? runsOf(input, caller) * (assumptions.logEnvelopeBytes + assumptions.deadManLogLineBytes) : 0;
      calendar += ((bytes + extra) / runsOf(input, caller)) * scheduledRunsPerDay(everyMinutesOf(input, caller));
    } else if (caller === 'feed') session += perSecond(bytes, measured.usage.feedSeconds, SESSION_SECONDS);
  }
  const executions = assumptions.breakerExecutionsPerDay * (deployment.stateMachines.loggingAll ? assumptions.breakerTransitionsPerExecution * 2 * assumptions.stateMachineLogEventBytes : 0);
  const api = deployment.restApis > 0 ? assumptions.operatorApiRequestsPerDay * assumptions.apiAccessLogBytes : 0;
  return [
    { basis: 'session', gb: session / GB, formula: 'the order path (per intent) and the feed (per second of the session): lines with the Powertools envelope, plus one EMF line per metric emission' },
    { basis: 'calendar-day', gb: (calendar + executions + api) / GB, formula: "the schedules' lines and EMF per run × runs a day, the API's access log, the breaker's execution history" },
  ];
};

const logLines = (input: ModelInput): CostLine[] => {
  const { assumptions, request, deployment } = input;
  const days = logGbPerDay(input);
  const gbPerMonth = days.reduce((sum, d) => sum + d.gb * (d.basis === 'session' ? assumptions.tradingDaysPerMonth : calendarDaysPerMonth(assumptions)), 0);
  const retention = deployment.logRetentionDays;
  return [
    ...days.map((d) => lineOf(input, { id: 'logs.ingestion', service: 'CloudWatch', item: `log ingestion (${d.basis})`, basis: d.basis, quantity: d.gb, price: 'logs.ingestion', formula: d.formula })),
    lineOf(input, {
      id: 'logs.storage',
      service: 'CloudWatch',
      item: 'log storage',
      basis: 'month',
      quantity: storageHeldGb(gbPerMonth, request.month, retention, calendarDaysPerMonth(assumptions)),
      price: 'logs.storage',
      formula: `${f(gbPerMonth)} GB ingested a month, kept ${retention > 0 ? `${f(retention)} days` : 'forever'}, held on average in month ${request.month} (stored uncompressed: an upper bound)`,
    }),
  ];
};

const secretLines = (input: ModelInput): CostLine[] => {
  const { deployment, assumptions } = input;
  const readers = deployment.functions.filter((fn) => fn.readsSecret).length;
  const secretCalls = readers * assumptions.coldStartsPerFunctionPerDay + deployment.tasks.length * assumptions.feedStartsPerDay;
  const keyUse = deployment.customerKeys * assumptions.kmsCallersPerKey * (SECONDS_PER_DAY / 300);
  const kmsRequests = secretCalls + deployment.functions.length * assumptions.coldStartsPerFunctionPerDay + keyUse;
  return [
    lineOf(input, { id: 'secretsmanager.secrets', service: 'Secrets Manager', item: 'secrets', basis: 'month', quantity: deployment.secrets, price: 'secretsmanager.secret', formula: `${f(deployment.secrets)} secret (the broker key)` }),
    lineOf(input, {
      id: 'secretsmanager.calls',
      service: 'Secrets Manager',
      item: 'GetSecretValue calls',
      basis: 'calendar-day',
      quantity: secretCalls,
      price: 'secretsmanager.apiCall',
      formula: `${f(readers)} functions reading it once per cold start × ${f(assumptions.coldStartsPerFunctionPerDay)} + the feed at each start`,
    }),
    ...(deployment.customerKeys > 0 ? [lineOf(input, { id: 'kms.keys', service: 'KMS', item: 'customer managed keys', basis: 'month', quantity: deployment.customerKeys, price: 'kms.customerKey', formula: `${f(deployment.customerKeys)} keys` })] : []),
    lineOf(input, { id: 'kms.requests', service: 'KMS', item: 'decrypt requests', basis: 'calendar-day', quantity: kmsRequests, price: 'kms.request', formula: `one per secret read, one per cold start (environment variables), and ${f(deployment.customerKeys)} customer keys × ${f(assumptions.kmsCallersPerKey)} callers × one data key per 5 minutes` }),
  ];
};

export const fixedLines = (input: ModelInput): CostLine[] => [...feedTaskLines(input), ...cloudWatchMetricLines(input), ...logLines(input), ...secretLines(input)];
