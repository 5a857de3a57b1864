// The feed program runs the reference-data refresh only while the feed runs: started once the feed has started
// (after its strategies and sources), and stopped by a stop, an abandonment (a lost lease) and a hang alike.
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import { startFeedProgram, type FeedProgram } from '../../feed/feed-program';
import { RecordingPager } from '../../local/recording-pager';
import { Feed } from '../../shared/feed/feed';
import { DEFAULT_FEED_CONFIG } from '../../shared/feed/feed-config';
import { IntentPublisher } from '../../shared/feed/intent-publisher';
import type { DomainEvent } from '../../shared/events/catalog';
import type { MarketDataSource } from '../../shared/ports/market-data-source';
import { InProcessStrategyRunner } from '../../shared/strategy/in-process-strategy-runner';
import { StrategyHosts } from '../../shared/strategy/strategy-hosts';
import { ManualClock } from '../support/fixtures';
import { RecordingLog } from '../support/strategy-doubles';

/** What happened, in order: the source starting, and the refresh started and stopped. */
let calls: string[];
const programs: FeedProgram[] = [];

const quietSource: MarketDataSource = {
  name: 'quiet',
  start: async () => void calls.push('source started'),
  close: async () => undefined,
};

const reference = {
  start: () => void calls.push('reference started'),
  stop: async () => void calls.push('reference stopped'),
};

const program = async (): Promise<FeedProgram> => {
  const clock = new ManualClock(Date.parse('2026-11-23T15:00:00.000Z'));
  const telemetry = new InMemoryTelemetry();
  const publisher = new IntentPublisher({ bus: { putBatch: async (events: readonly DomainEvent[]) => events.map(() => ({ accepted: true })) }, limits: DEFAULT_FEED_CONFIG.publishing });
  const strategies = new StrategyHosts({
    runners: [new InProcessStrategyRunner({ name: 'idle', onTicks: () => [] })],
    account: 'acct-1',
    runId: 'run-1',
    bus: publisher,
    clock,
    telemetry,
    limits: DEFAULT_FEED_CONFIG.strategies,
    log: new RecordingLog(),
    pager: new RecordingPager(),
  });
  const feed = new Feed({
    feedId: 'feed-1',
    account: 'acct-1',
    symbols: ['AAPL'],
    sources: [quietSource],
    config: DEFAULT_FEED_CONFIG,
    isOpen: () => true,
    marketDataStore: { putMarks: async () => undefined, putFeedHeartbeat: async () => undefined },
    strategies,
    publisher,
    clock,
    telemetry,
    log: new RecordingLog(),
  });
  // Timers far apart: nothing but the start and the stop happens during a test.
  const started = await startFeedProgram({ feed, cadence: { marksMs: 60_000, heartbeatMs: 60_000, strategiesMs: 60_000 }, reference });
  programs.push(started);
  return started;
};

afterEach(async () => {
  await Promise.all(programs.splice(0).map((p) => p.abandon()));
});

describe('the feed program’s reference refresh', () => {
  it('starts once the feed has started its sources', async () => {
    calls = [];
    await program();
    expect(calls).toEqual(['source started', 'reference started']);
  });

  it.each([
    ['a stop', (p: FeedProgram) => p.stop(Promise.resolve())],
    ['an abandonment', (p: FeedProgram) => p.abandon()],
    ['a hang', async (p: FeedProgram) => p.hang()],
  ])('stops with %s', async (_name, end) => {
    calls = [];
    await end(await program());
    expect(calls).toContain('reference stopped');
  });
});
