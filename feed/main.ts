// The feed task's entry point: wires the feed from its environment, starts it (strategies, sources, timers)
// and the broker relay, and runs until SIGTERM or SIGINT, when it stops the feed (its publisher drained for up
// to 20 s) and the relay, then exits 0. A configuration or strategy module it cannot use is one line on stderr
// and exit 64, before anything connects.
import { setTimeout as sleep } from 'node:timers/promises';
import { StrategyLoadError } from '../adapters/strategy/strategy-module';
import { InvalidInputError } from '../shared/errors/errors';
import { startFeedProgram } from './feed-program';
import { FeedConfigurationError, wireFeedTask } from './feed-wiring';

/** The program's timers: marks asked for five times a second (each symbol still at most once per interval). */
const MARKS_EVERY_MS = 200;
const STRATEGIES_EVERY_MS = 100;
const STOP_DEADLINE_MS = 20_000;

const run = async (): Promise<number> => {
  const { feed, relay, config } = await wireFeedTask();
  const heartbeatMs = config.feed?.conflation?.heartbeatIntervalMs ?? 1_000;
  const program = await startFeedProgram({
    feed,
    cadence: { marksMs: MARKS_EVERY_MS, heartbeatMs, strategiesMs: STRATEGIES_EVERY_MS },
    onError: (error) => console.error('feed timer failed', error),
  });
  await relay.start();
  console.log(`feed ${config.name} running`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const report = await program.stop(sleep(STOP_DEADLINE_MS));
  await relay.close();
  console.log(JSON.stringify({ message: 'feed stopped', report }));
  return 0;
};

run().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof InvalidInputError || error instanceof FeedConfigurationError || error instanceof StrategyLoadError) {
      console.error(error.message);
      process.exit(64);
    }
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
