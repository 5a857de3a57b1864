// The compute lines: Lambda requests, duration, INIT and provisioned concurrency per function; X-Ray traces; the
// breaker's Step Functions transitions; the kill-switch API's requests.
import type { Caller } from '../../local/usage-meter';
import type { FunctionName } from '../../shared/routing/routes';
import { everyMinutesOf, f, invocationsOf, isPerIntent, isScheduled, lineOf, type Basis, type CostLine, type ModelInput } from './cost-line';
import type { DeployedFunction } from './deployment';
import { perIntent, scheduledRunsPerDay, SECONDS_PER_DAY, SESSION_SECONDS, tracesRecorded } from './scaling';

/** One function's invocations per basis period and their mean duration, from one caller's measurements. */
interface Invocations {
  caller: string;
  basis: Basis;
  perPeriod: number;
  meanMs: number;
  formula: string;
}

const nameOf = (caller: string): FunctionName => caller.split('/')[0] as FunctionName;

/** Every way a function is invoked in a deployed day, each scaled by its rule. */
export const invocationsPerDay = (input: ModelInput, fn: FunctionName): Invocations[] => {
  const { measured, request, assumptions } = input;
  const measuredOf = invocationsOf(input).filter(([caller]) => nameOf(caller) === fn);
  const rows: Invocations[] = measuredOf.flatMap(([caller, tally]): Invocations[] => {
    const meanMs = tally.count > 0 ? tally.totalMs / tally.count : 0;
    if (isPerIntent(caller)) {
      const perPeriod = perIntent(tally.count, measured.intents, request.orders);
      return [{ caller, basis: 'session', perPeriod, meanMs, formula: `${f(tally.count)} ${caller} invocations for ${f(measured.intents)} intents × ${f(request.orders)} intents` }];
    }
    if (isScheduled(caller)) {
      const every = everyMinutesOf(input, caller as Caller);
      return [{ caller, basis: 'calendar-day', perPeriod: scheduledRunsPerDay(every), meanMs, formula: `${caller}: one run every ${f(every)} min, around the clock` }];
    }
    return [];
  });
  if (fn === 'kill-switch') {
    const api = measured.usage.invocations['kill-switch/api'];
    const meanMs = api && api.count > 0 ? api.totalMs / api.count : assumptions.apiInvocationMs;
    rows.push({ caller: 'kill-switch/api', basis: 'calendar-day', perPeriod: assumptions.operatorApiRequestsPerDay, meanMs, formula: `${f(assumptions.operatorApiRequestsPerDay)} operator API requests a day (assumed)` });
  }
  return rows;
};

const lambdaLines = (input: ModelInput, fn: DeployedFunction): CostLine[] => {
  if (!fn.arm) throw new Error(`${fn.name} runs on x86: the price table has Arm duration only`);
  const gb = fn.memoryMb / 1024;
  const durationPrice = fn.provisionedConcurrency > 0 ? 'lambda.provisionedDurationArm' : 'lambda.durationArm';
  const lines = invocationsPerDay(input, fn.name).flatMap((row) => [
    lineOf(input, { id: 'lambda.requests', service: 'Lambda', item: `${row.caller} requests`, basis: row.basis, quantity: row.perPeriod, price: 'lambda.request', formula: row.formula }),
    lineOf(input, {
      id: 'lambda.duration',
      service: 'Lambda',
      item: `${row.caller} duration`,
      basis: row.basis,
      quantity: row.perPeriod * (row.meanMs / 1000) * gb,
      price: durationPrice,
      formula: `${f(row.perPeriod)} invocations × ${f(row.meanMs)} ms measured (mean, this machine) × ${f(gb)} GB`,
    }),
  ]);
  const { coldStartsPerFunctionPerDay: starts, initDurationMs } = input.assumptions;
  lines.push(
    lineOf(input, {
      id: 'lambda.init',
      service: 'Lambda',
      item: `${fn.name} INIT (cold starts)`,
      basis: 'calendar-day',
      quantity: starts * (initDurationMs / 1000) * gb,
      price: 'lambda.durationArm',
      formula: `${f(starts)} cold starts a day × ${f(initDurationMs)} ms × ${f(gb)} GB (assumed)`,
    }),
  );
  if (fn.provisionedConcurrency > 0) {
    lines.push(
      lineOf(input, {
        id: 'lambda.provisionedConcurrency',
        service: 'Lambda',
        item: `${fn.name} provisioned concurrency`,
        basis: 'calendar-day',
        quantity: fn.provisionedConcurrency * gb * SECONDS_PER_DAY,
        price: 'lambda.provisionedConcurrencyArm',
        formula: `${f(fn.provisionedConcurrency)} environments × ${f(gb)} GB × 86,400 s (configured on the live alias, all day)`,
      }),
    );
  }
  return lines;
};

const xrayLines = (input: ModelInput, fn: DeployedFunction): CostLine[] => {
  if (!fn.traced) return [];
  const byBasis = new Map<Basis, number>();
  for (const row of invocationsPerDay(input, fn.name)) byBasis.set(row.basis, (byBasis.get(row.basis) ?? 0) + row.perPeriod);
  return [...byBasis].map(([basis, invocations]) => {
    const seconds = basis === 'session' ? SESSION_SECONDS : SECONDS_PER_DAY;
    return lineOf(input, {
      id: 'xray.traces',
      service: 'X-Ray',
      item: `${fn.name} traces (${basis})`,
      basis,
      quantity: tracesRecorded(invocations, seconds),
      price: 'xray.traceRecorded',
      formula: `default sampling over ${f(invocations)} invocations in ${f(seconds)} s: the first each second, then 5 %`,
    });
  });
};

const stepFunctionsLines = (input: ModelInput): CostLine[] => {
  if (input.deployment.stateMachines.standard === 0) return [];
  const { measured, assumptions } = input;
  const perExecution = measured.breakerExecutions > 0 ? measured.usage.stateTransitions / measured.breakerExecutions : assumptions.breakerTransitionsPerExecution;
  return [
    lineOf(input, {
      id: 'stepfunctions.transitions',
      service: 'Step Functions',
      item: 'breaker state transitions',
      basis: 'calendar-day',
      quantity: assumptions.breakerExecutionsPerDay * perExecution,
      price: 'stepfunctions.transition',
      formula: `${f(assumptions.breakerExecutionsPerDay)} breaker executions a day (assumed) × ${f(perExecution)} transitions each${measured.breakerExecutions > 0 ? ' (measured)' : ' (assumed)'}`,
    }),
  ];
};

const apiLines = (input: ModelInput): CostLine[] =>
  input.deployment.restApis === 0
    ? []
    : [
        lineOf(input, {
          id: 'apigateway.requests',
          service: 'API Gateway',
          item: 'kill-switch API requests',
          basis: 'calendar-day',
          quantity: input.assumptions.operatorApiRequestsPerDay,
          price: 'apigateway.restRequest',
          formula: `${f(input.assumptions.operatorApiRequestsPerDay)} operator requests a day (assumed)`,
        }),
      ];

export const computeLines = (input: ModelInput): CostLine[] => [
  ...input.deployment.functions.flatMap((fn) => [...lambdaLines(input, fn), ...xrayLines(input, fn)]),
  ...stepFunctionsLines(input),
  ...apiLines(input),
];
