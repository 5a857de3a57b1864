// `npm start`: runs the pipeline on this machine for a bounded time and prints (and optionally writes) a
// report. Flags: --duration <s> (default 30, at most 600), --strategy <path>, --seed <n>, --report <file>,
// --scenario normal|broker-faults|runaway|feed-stall, --api-port <n> (the kill-switch API on localhost; 0 = any free port).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatSummary } from './report';
import { dec } from '../shared/money/decimal';
import { SCENARIOS, type Scenario } from './scenarios';
import { runSession } from './session';
import { StrategyLoadError } from '../adapters/strategy/strategy-module';

/** Knight Capital needed 45 minutes; this pipeline promises a second from the first breach to HALTED. */
const HALT_LATENCY_BUDGET_MS = 1000;

const USAGE = `usage: npm start -- [--duration <seconds>] [--strategy <path>] [--seed <n>] [--report <file>] [--scenario ${SCENARIOS.join('|')}] [--api-port <n>]`;

/** The kill-switch API's default local port. */
const DEFAULT_API_PORT = '8787';

const main = async (): Promise<number> => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        duration: { type: 'string', default: '30' },
        strategy: { type: 'string' },
        seed: { type: 'string', default: '42' },
        report: { type: 'string' },
        scenario: { type: 'string', default: 'normal' },
        'api-port': { type: 'string', default: DEFAULT_API_PORT },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 64;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const duration = Number(values.duration);
  const seed = Number(values.seed);
  if (!Number.isFinite(duration) || duration <= 0 || duration > 600) {
    console.error(`--duration: must be a number of seconds in (0, 600], got "${values.duration}"\n${USAGE}`);
    return 64;
  }
  if (!Number.isSafeInteger(seed)) {
    console.error(`--seed: must be an integer, got "${values.seed}"\n${USAGE}`);
    return 64;
  }

  if (!(SCENARIOS as readonly string[]).includes(values.scenario)) {
    console.error(`--scenario: must be one of ${SCENARIOS.join(', ')}, got "${values.scenario}"\n${USAGE}`);
    return 64;
  }
  const scenario = values.scenario as Scenario;
  const apiPort = Number(values['api-port']);
  if (!Number.isInteger(apiPort) || apiPort < 0 || apiPort > 65535) {
    console.error(`--api-port: must be a port number in [0, 65535], got "${values['api-port']}"\n${USAGE}`);
    return 64;
  }

  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    console.log('\nstopping: draining queues, reconciling and reporting (Ctrl-C again to abort)');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());

  console.log(`starting local pipeline for ${duration} s (DynamoDB Local, in-process SQS, simulated market and broker; scenario ${scenario})`);
  const report = await runSession({
    durationMs: duration * 1000,
    seed,
    scenario,
    apiPort,
    signal: controller.signal,
    onProgress: (line) => console.log(line),
    ...(values.strategy ? { strategyPath: values.strategy } : {}),
  });
  console.log(formatSummary(report));
  if (values.report) {
    await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`report written to ${values.report}`);
  }
  if (report.reconciliation.breaks > 0 || report.reconciliation.status !== 'clean') {
    console.error('reconciliation found breaks: the table and the broker disagree');
    return 2;
  }
  if (report.brokerOrders.duplicates > 0) {
    console.error(`${report.brokerOrders.duplicates} duplicate broker order(s): an intent reached the broker more than once`);
    return 2;
  }
  // A halt that came late, an order after it, or exposure past its cap fails the run, whatever the scenario.
  if (report.ordersAfterHalt !== null && report.ordersAfterHalt > 0) {
    console.error(`${report.ordersAfterHalt} order(s) reached the broker while trading was HALTED or KILLED`);
    return 2;
  }
  if (report.haltLatencyMs !== null && report.haltLatencyMs > HALT_LATENCY_BUDGET_MS) {
    console.error(`trading halted ${report.haltLatencyMs} ms after the first breach: over the ${HALT_LATENCY_BUDGET_MS} ms budget`);
    return 2;
  }
  if (dec(report.peakGrossExposure).gt(dec(report.grossExposureCap))) {
    console.error(`gross exposure peaked at ${report.peakGrossExposure}, over the cap of ${report.grossExposureCap}`);
    return 2;
  }
  if ((scenario === 'runaway' || scenario === 'feed-stall') && report.haltLatencyMs === null) {
    console.error(`the ${scenario} scenario never halted trading`);
    return 2;
  }
  return 0;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A strategy that cannot be loaded is a mistake in the command line: one line says which and why.
    if (error instanceof StrategyLoadError) {
      console.error(error.message);
      process.exit(64);
    }
    console.error(error);
    process.exit(1);
  },
);
