// The feed program's loop: a Feed driven on independent timers (marks, heartbeat, strategies, the strategy switches), so a strategy
// over its budget or a slow write never delays the heartbeat, and, in the feed task, the reference-data refresh
// beside it. The same code runs in the feed task and in the local session (which seeds its reference data
// itself). Invariants: a timer's work never overlaps itself; the refresh runs only between start and stop.
import type { Feed, FeedReport } from '../shared/feed/feed';
import type { ReferenceRefresh } from '../shared/feed/reference-refresh';

export interface FeedCadence {
  /** How often the conflator is asked for due marks (each symbol is still written at most once per its interval). */
  marksMs: number;
  heartbeatMs: number;
  /** How often the strategies get the newest accepted prices. */
  strategiesMs: number;
}

export interface FeedProgramOptions {
  feed: Feed;
  cadence: FeedCadence;
  /** Told of anything a timer's work threw (the feed counts and logs its own failures first). */
  onError?: (error: unknown) => void;
  /** The reference-data refresh, started with the feed and stopped with it (absent locally). */
  reference?: Pick<ReferenceRefresh, 'start' | 'stop'>;
  /** The per-strategy switches, read (once at start, then every `everyMs`) and applied to the strategies. */
  switches?: { everyMs: number; refresh(): Promise<void> };
}

export interface FeedProgram {
  /** Stops the timers and the feed (its sources, strategies and publisher, drained until `deadline`). */
  stop(deadline?: Promise<unknown>): Promise<FeedReport>;
  /** Stops the timers and abandons the feed: nothing more is published or written (its lease was lost). */
  abandon(): Promise<FeedReport>;
  /**
   * The feed task hangs: every timer stops and nothing more is written or published, as in a stuck process
   * (its sockets stay open).
   */
  hang(): void;
  readonly hung: boolean;
  report(): FeedReport;
}

/** A timer whose work never overlaps itself: a tick that comes while the last one still runs is skipped. */
const every = (ms: number, work: () => Promise<unknown>, onError: (error: unknown) => void): { stop(): Promise<void> } => {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = work()
      .catch(onError)
      .finally(() => (running = undefined));
  }, ms);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
};

/** Starts the feed (strategies, then sources) and the timers; resolves once the feed has started. */
export const startFeedProgram = async (options: FeedProgramOptions): Promise<FeedProgram> => {
  const { feed, cadence, reference, switches } = options;
  const onError = options.onError ?? (() => undefined);
  await feed.start();
  // Before the first tick reaches the strategies: one switched off before the feed started is never called.
  await switches?.refresh();
  await feed.beat();
  reference?.start();
  const timers = [
    every(cadence.marksMs, () => feed.writeMarks(), onError),
    every(cadence.heartbeatMs, () => feed.beat(), onError),
    every(cadence.strategiesMs, () => feed.runStrategies(), onError),
    ...(switches ? [every(switches.everyMs, () => switches.refresh(), onError)] : []),
  ];
  let hung = false;
  let stopped: Promise<FeedReport> | undefined;
  const stopTimers = () => Promise.all([...timers.map((t) => t.stop()), reference?.stop()]);
  return {
    get hung() {
      return hung;
    },
    hang() {
      hung = true;
      void stopTimers();
      feed.freeze();
    },
    report: () => feed.report(),
    stop(deadline) {
      stopped ??= (async () => {
        await stopTimers();
        await feed.stop(deadline);
        return feed.report();
      })();
      return stopped;
    },
    async abandon() {
      // Not behind the stop's promise: a stop that is draining is cut short by the abandonment.
      const timersStopped = stopTimers();
      await feed.abandon();
      await timersStopped;
      return feed.report();
    },
  };
};
