// `npm start`: runs the pipeline on this machine for a bounded time and prints (and optionally writes) a
// report. Flags: --duration <s> (default 30, at most 600; kill-drill: 300, ending once its drills are done; stress: 60, and no less), --strategy <path>, --seed <n>, --report <file>,
// --scenario <name>, --market sim|replay:<file>|alpaca, --record <file>, --html <file> (the visual report: one
// self-contained page of charts), --api-port <n> (the kill-switch API on
// localhost; 0 = any free port), --no-source-guard (tests and drills only: the strategy host's runaway guard off),
// --data-dir <dir> (DynamoDB Local's tables and the simulated venue kept on disk) and --resume (go on with the
// run a killed process left in --data-dir: its table, venue, account and seed, settled before trading).
// Exit 0 when every criterion holds, 2 when one fails, 64 on a bad command line.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSummary } from './report';
import { dec } from '../shared/money/decimal';
import type { LocalMarket } from './local-feed';
import type { LocalReport } from './report';
import { SCENARIOS, type Scenario } from './scenarios';
import { runSession } from './session';
import { RecordingError } from '../adapters/market-data/recording-source';
import { StrategyLoadError } from '../adapters/strategy/strategy-module';
import { chaosFailure } from './chaos-report';
import { stressFailure } from './stress-figures';
import { dataDirProblem, openDataDir, readRunRecord } from './data-dir';

/** Knight Capital needed 45 minutes; this pipeline promises a second from the first breach to HALTED. */
const HALT_LATENCY_BUDGET_MS = 1000;

const USAGE = `usage: npm start -- [--duration <seconds>] [--strategy <path>] [--seed <n>] [--report <file>] [--scenario ${SCENARIOS.join('|')}] [--market sim|replay:<file>|alpaca] [--record <file>] [--html <file>] [--api-port <n>] [--no-source-guard] [--data-dir <dir> [--resume]]

  --data-dir <dir>   keep DynamoDB Local's tables (<dir>/dynamodb) and the simulated broker's book (<dir>/broker.json)
                     on disk; a fresh run refuses a directory that already holds one.
  --resume           go on with the run in --data-dir after a crash: same table, book, account and seed; what was
                     in flight is settled at start-up, before any trading.

  --html <file>      also write the visual report: one self-contained HTML page (no network) with the equity and
                     P&L, gross exposure against its cap, the trading-state timeline, decision latency and denials.

  --no-source-guard  FOR TESTS AND DRILLS ONLY: turns the strategy host's runaway guard off, so that the risk
                     function's own INTENT_FLOOD breach must stop a flood (never a setting for trading).`;

/** `sim` (the simulated market on local servers), `replay:<file>` (a recording), `alpaca` (keys in the environment). */
const parseMarket = (text: string): LocalMarket | undefined => {
  if (text === 'sim') return { kind: 'sim' };
  if (text === 'alpaca') return { kind: 'alpaca' };
  if (text.startsWith('replay:') && text.length > 'replay:'.length) return { kind: 'replay', path: text.slice('replay:'.length) };
  return undefined;
};

/** kill-drill's default bound on the run: it ends once its drills are done, well before. */
const KILL_DRILL_DURATION_S = '300';
/** stress: MiFID II RTS 6's stress test holds twice the peak for at least a minute, so a shorter run is refused. */
const STRESS_MIN_DURATION_S = 60;

/** The kill-switch API's default local port. */
const DEFAULT_API_PORT = '8787';

interface RunOptions {
  duration: number;
  seed: number;
  scenario: Scenario;
  market: LocalMarket;
  apiPort: number;
  strategy: string | undefined;
  report: string | undefined;
  record: string | undefined;
  html: string | undefined;
  /** False with --no-source-guard: the strategy host publishes whatever its strategy proposes. */
  sourceGuard: boolean;
  dataDir: string | undefined;
  resume: boolean;
}

/** The command line as run options, or the exit code when it is wrong (64) or only asks for help (0). */
const parseOptions = (): RunOptions | number => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        duration: { type: 'string' },
        strategy: { type: 'string' },
        seed: { type: 'string' },
        report: { type: 'string' },
        scenario: { type: 'string', default: 'normal' },
        market: { type: 'string', default: 'sim' },
        record: { type: 'string' },
        html: { type: 'string' },
        'api-port': { type: 'string', default: DEFAULT_API_PORT },
        'no-source-guard': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        resume: { type: 'boolean', default: false },
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
  const refuse = (message: string): number => {
    console.error(`${message}\n${USAGE}`);
    return 64;
  };
  const duration = Number(values.duration ?? (values.scenario === 'kill-drill' ? KILL_DRILL_DURATION_S : values.scenario === 'stress' ? String(STRESS_MIN_DURATION_S) : '30'));
  // A resumed run keeps its directory's seed: the venue's ids and the market go on from it.
  const held = values.resume && values['data-dir'] !== undefined ? readRunRecord(values['data-dir']) : undefined;
  const seed = Number(values.seed ?? held?.seed ?? '42');
  const apiPort = Number(values['api-port']);
  const market = parseMarket(values.market);
  if (!Number.isFinite(duration) || duration <= 0 || duration > 600) return refuse(`--duration: must be a number of seconds in (0, 600], got "${values.duration}"`);
  if (!Number.isSafeInteger(seed)) return refuse(`--seed: must be an integer, got "${values.seed}"`);
  if (!(SCENARIOS as readonly string[]).includes(values.scenario)) return refuse(`--scenario: must be one of ${SCENARIOS.join(', ')}, got "${values.scenario}"`);
  if (values.scenario === 'stress' && duration < STRESS_MIN_DURATION_S) return refuse(`--duration: the stress scenario runs at least ${STRESS_MIN_DURATION_S} s (twice the peak for a minute), got "${values.duration}"`);
  if (!market) return refuse(`--market: must be sim, replay:<file> or alpaca, got "${values.market}"`);
  if (market.kind === 'alpaca' && (!process.env.APCA_API_KEY_ID || !process.env.APCA_API_SECRET_KEY)) {
    return refuse('--market alpaca: needs the environment variables APCA_API_KEY_ID and APCA_API_SECRET_KEY (an Alpaca key; market data only)');
  }
  if (market.kind === 'replay' && !existsSync(market.path)) return refuse(`--market: no recording at ${market.path}`);
  if (values.record !== undefined && !existsSync(dirname(resolve(values.record)))) return refuse(`--record: no folder ${dirname(resolve(values.record))} to write ${values.record} in`);
  if (values.html !== undefined && !existsSync(dirname(resolve(values.html)))) return refuse(`--html: no folder ${dirname(resolve(values.html))} to write ${values.html} in`);
  if (!Number.isInteger(apiPort) || apiPort < 0 || apiPort > 65535) return refuse(`--api-port: must be a port number in [0, 65535], got "${values['api-port']}"`);
  if (values.resume && values['data-dir'] === undefined) return refuse('--resume: needs --data-dir <dir>, the directory of the run to resume');
  const dataDirRefused = values['data-dir'] !== undefined ? dataDirProblem(values['data-dir'], values.resume) : undefined;
  if (dataDirRefused) return refuse(dataDirRefused);
  if (held && seed !== held.seed) return refuse(`--seed: the run in ${values['data-dir']} was started with seed ${held.seed}, got "${values.seed}"`);
  return {
    duration, seed, scenario: values.scenario as Scenario, market, apiPort, strategy: values.strategy, report: values.report, record: values.record, html: values.html,
    sourceGuard: !values['no-source-guard'], dataDir: values['data-dir'], resume: values.resume,
  };
};

/** Why the run failed its criteria, or undefined when every one holds. */
const failure = (report: LocalReport, scenario: Scenario): string | undefined => {
  if (report.reconciliation.breaks > 0 || report.reconciliation.status !== 'clean') return 'reconciliation found breaks: the table and the broker disagree';
  if (report.brokerOrders.duplicates > 0) return `${report.brokerOrders.duplicates} duplicate broker order(s): an intent reached the broker more than once`;
  // A halt that came late, an order after it, or exposure past its cap fails the run, whatever the scenario.
  if (report.ordersAfterHalt !== null && report.ordersAfterHalt > 0) return `${report.ordersAfterHalt} order(s) reached the broker while trading was HALTED or KILLED`;
  const drills = report.killDrills;
  if (drills && drills.ordersStartedAfterStop > 0) return `${drills.ordersStartedAfterStop} order(s) started towards the broker after a kill was durable`;
  if (scenario === 'kill-drill' && (!drills || drills.count < drills.planned)) return `only ${drills?.count ?? 0} of ${drills?.planned ?? '?'} kill drills went all the way round`;
  if (scenario === 'stress') {
    const stressFailed = report.stress ? stressFailure(report.stress) : 'the stress scenario reported no stress figures';
    if (stressFailed) return stressFailed;
  }
  if (scenario === 'chaos') {
    const chaosFailed = report.chaos ? chaosFailure(report.chaos) : 'the chaos scenario reported no chaos figures';
    if (chaosFailed) return chaosFailed;
  }
  if (report.haltLatencyMs !== null && report.haltLatencyMs > HALT_LATENCY_BUDGET_MS) {
    return `trading halted ${report.haltLatencyMs} ms after the first breach: over the ${HALT_LATENCY_BUDGET_MS} ms budget`;
  }
  if (dec(report.peakGrossExposure).gt(dec(report.grossExposureCap))) return `gross exposure peaked at ${report.peakGrossExposure}, over the cap of ${report.grossExposureCap}`;
  if ((scenario === 'runaway' || scenario === 'feed-stall' || scenario === 'feed-outage') && report.haltLatencyMs === null) return `the ${scenario} scenario never halted trading`;
  // The runaway must be stopped by the layer the run left on: the host's guard, or without it the risk function's own breach.
  if (report.runaway) {
    const expected = report.runaway.sourceGuard ? 'source-guard' : 'risk-intent-flood';
    if (report.runaway.stoppedBy !== expected) return `the runaway was stopped by ${report.runaway.stoppedBy}, not by ${expected}`;
    if (!report.runaway.sourceGuard && (report.runaway.haltedAfterMs === null || report.runaway.haltedAfterMs > HALT_LATENCY_BUDGET_MS)) {
      return `without the source guard trading halted ${report.runaway.haltedAfterMs ?? 'never'} ms after the flood began: over the ${HALT_LATENCY_BUDGET_MS} ms budget`;
    }
  }
  if (scenario === 'feed-failover' && report.feed.failovers === 0) return 'the feed-failover scenario never failed over';
  if (scenario === 'feed-failover' && report.haltLatencyMs !== null) return 'trading halted while the backup source was healthy';
  return undefined;
};

const main = async (): Promise<number> => {
  const options = parseOptions();
  if (typeof options === 'number') return options;
  const { duration, seed, scenario, market, apiPort } = options;

  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    console.log('\nstopping: draining queues, reconciling and reporting (Ctrl-C again to abort)');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());

  console.log(`starting local pipeline for ${duration} s (DynamoDB Local, in-process SQS, market ${market.kind}, simulated broker; scenario ${scenario})`);
  if (!options.sourceGuard) console.log('--no-source-guard: the strategy host\'s runaway guard is OFF (tests and drills only); the risk function must stop a flood by itself');
  const report = await runSession({
    durationMs: duration * 1000,
    seed,
    scenario,
    market,
    apiPort,
    signal: controller.signal,
    onProgress: (line) => console.log(line),
    ...(options.strategy ? { strategyPath: options.strategy } : {}),
    ...(options.record ? { record: options.record } : {}),
    ...(options.html ? { html: options.html } : {}),
    ...(options.sourceGuard ? {} : { sourceGuard: false }),
    ...(options.dataDir !== undefined ? { dataDir: openDataDir(options.dataDir, options.resume) } : {}),
  });
  console.log(formatSummary(report));
  if (options.report) {
    await writeFile(options.report, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`report written to ${options.report}`);
  }
  if (options.html) console.log(`visual report written to ${options.html}`);
  const failed = failure(report, scenario);
  if (failed) console.error(failed);
  return failed ? 2 : 0;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A strategy that cannot be loaded or a recording that cannot be written is a mistake in the command
    // line: one line says which and why.
    if (error instanceof StrategyLoadError || error instanceof RecordingError) {
      console.error(error.message);
      process.exit(64);
    }
    console.error(error);
    process.exit(1);
  },
);
