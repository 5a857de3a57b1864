// `npm start`: runs the pipeline on this machine for a bounded time and prints (and optionally writes) a
// report. Flags: --duration <s> (default 30, at most 600), --strategy <path>, --seed <n>, --report <file>,
// --scenario normal|broker-faults.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatSummary } from './report';
import { runSession, SCENARIOS, type Scenario } from './session';

const USAGE = `usage: npm start -- [--duration <seconds>] [--strategy <path>] [--seed <n>] [--report <file>] [--scenario ${SCENARIOS.join('|')}]`;

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
  return 0;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
