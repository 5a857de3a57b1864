// The feed over its ports with a manual clock: marks only from accepted data of the active source, a failed
// mark write retried with newer prices winning, the heartbeat independent of the strategies, the newest price
// of each symbol to the strategies, a source switch counted and published, and nothing done once frozen.
import { describe, expect, it } from 'vitest';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { RecordingPager } from '../../../local/recording-pager';
import { DETAIL_TYPES, type DomainEvent } from '../../../shared/events/catalog';
import { Feed, FEED_METRICS } from '../../../shared/feed/feed';
import { DEFAULT_FEED_CONFIG } from '../../../shared/feed/feed-config';
import { IntentPublisher } from '../../../shared/feed/intent-publisher';
import type { QuoteMessage } from '../../../shared/market/market-message';
import type { EntryResult, EventBatchBus } from '../../../shared/ports/event-bus';
import type { MarketDataHandlers, MarketDataSource } from '../../../shared/ports/market-data-source';
import type { MarkTick } from '../../../shared/ports/market-data-store';
import type { MarketTick } from '../../../shared/ports/strategy-runner';
import { InProcessStrategyRunner } from '../../../shared/strategy/in-process-strategy-runner';
import { StrategyHosts } from '../../../shared/strategy/strategy-hosts';
import { ManualClock } from '../../support/fixtures';
import { RecordingLog } from '../../support/strategy-doubles';

/** A source the test drives: it delivers what the test pushes and reports the statuses the test sets. */
class ScriptedSource implements MarketDataSource {
  handlers: MarketDataHandlers | undefined;
  closed = false;
  constructor(readonly name: string) {}
  async start(_symbols: readonly string[], handlers: MarketDataHandlers): Promise<void> {
    this.handlers = handlers;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  push(...messages: QuoteMessage[]): void {
    this.handlers?.onMessages(messages);
  }
}

/** The market-data store's two writes, recorded; `failing` makes the next mark writes throw. */
class RecordingMarketData {
  readonly marks: MarkTick[][] = [];
  readonly heartbeats: string[] = [];
  failing = 0;
  async putMarks(ticks: readonly MarkTick[]): Promise<void> {
    if (this.failing > 0) {
      this.failing--;
      throw new Error('throttled');
    }
    this.marks.push([...ticks]);
  }
  async putFeedHeartbeat(_feedId: string, at: string): Promise<void> {
    this.heartbeats.push(at);
  }
}

class AcceptingBatchBus implements EventBatchBus {
  readonly events: DomainEvent[] = [];
  async putBatch(events: readonly DomainEvent[]): Promise<readonly EntryResult[]> {
    this.events.push(...events);
    return events.map(() => ({ accepted: true }));
  }
}

const NOW = Date.parse('2026-12-03T15:00:00.000Z');

const quote = (source: string, symbol: string, bid: string, ask: string, atMs: number): QuoteMessage => ({
  kind: 'quote',
  source,
  symbol,
  bidPrice: bid,
  bidSize: '100',
  askPrice: ask,
  askSize: '100',
  at: new Date(atMs).toISOString(),
  receivedAtMs: atMs,
});

const setup = () => {
  const clock = new ManualClock(NOW);
  const primary = new ScriptedSource('primary');
  const backup = new ScriptedSource('backup');
  const store = new RecordingMarketData();
  const bus = new AcceptingBatchBus();
  const telemetry = new InMemoryTelemetry();
  const seen: MarketTick[][] = [];
  const strategy = {
    name: 'watcher',
    onTicks: (ticks: readonly MarketTick[]) => {
      seen.push([...ticks]);
      return [];
    },
  };
  const publisher = new IntentPublisher({ bus, limits: DEFAULT_FEED_CONFIG.publishing });
  const strategies = new StrategyHosts({
    runners: [new InProcessStrategyRunner(strategy)],
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
    symbols: ['AAPL', 'MSFT'],
    sources: [primary, backup],
    config: DEFAULT_FEED_CONFIG,
    isOpen: () => true,
    marketDataStore: store,
    strategies,
    publisher,
    clock,
    telemetry,
    log: new RecordingLog(),
  });
  return { clock, primary, backup, store, bus, telemetry, seen, publisher, feed };
};

const started = async () => {
  const f = setup();
  await f.feed.start();
  f.feed.sourceStatus('primary', { kind: 'live', atMs: f.clock.now() });
  f.feed.sourceStatus('backup', { kind: 'live', atMs: f.clock.now() });
  return f;
};

describe('the feed', () => {
  it('writes marks only from accepted data: a crossed quote and a non-positive bid leave no mark', async () => {
    const f = await started();
    f.primary.push(quote('primary', 'AAPL', '190.00', '189.98', NOW), quote('primary', 'MSFT', '0', '410.02', NOW));
    await f.feed.writeMarks();
    expect(f.store.marks).toEqual([]);
    f.primary.push(quote('primary', 'AAPL', '189.98', '190.02', NOW));
    await f.feed.writeMarks();
    expect(f.store.marks).toEqual([[{ symbol: 'AAPL', price: '190', at: '2026-12-03T15:00:00.000Z', source: 'primary' }]]);
    expect(f.feed.report().ticks).toEqual({ received: 3, accepted: 1, quarantined: 0, held: 0, rejected: { QUOTE_CROSSED: 1, PRICE_INVALID: 1 } });
    expect(f.telemetry.countsBy(FEED_METRICS.ticksRejected, 'reason')).toEqual({ QUOTE_CROSSED: 1, PRICE_INVALID: 1 });
  });

  it('marks from the active source only; the backup’s data waits until it is active', async () => {
    const f = await started();
    f.backup.push(quote('backup', 'AAPL', '189.98', '190.02', NOW));
    await f.feed.writeMarks();
    expect(f.store.marks).toEqual([]);
  });

  it('retries a failed mark write with the next one, a newer price of the symbol winning', async () => {
    const f = await started();
    f.store.failing = 1;
    f.primary.push(quote('primary', 'AAPL', '189.98', '190.02', NOW), quote('primary', 'MSFT', '409.98', '410.02', NOW));
    await f.feed.writeMarks();
    expect(f.store.marks).toEqual([]);
    f.clock.advance(1000);
    f.primary.push(quote('primary', 'AAPL', '190.98', '191.02', f.clock.now()));
    await f.feed.writeMarks();
    expect(f.store.marks).toEqual([[expect.objectContaining({ symbol: 'AAPL', price: '191' }), expect.objectContaining({ symbol: 'MSFT', price: '410' })]]);
    expect(f.feed.report()).toMatchObject({ marksWritten: 2, markWriteFailures: 1 });
  });

  it('beats whatever the strategies are doing, and hands them the newest price of each symbol once', async () => {
    const f = await started();
    f.primary.push(quote('primary', 'AAPL', '189.98', '190.02', NOW), quote('primary', 'AAPL', '190.00', '190.04', NOW + 10));
    await f.feed.beat();
    expect(await f.feed.runStrategies()).toBe(0);
    expect(await f.feed.runStrategies()).toBe(0);
    expect(f.seen).toEqual([[{ symbol: 'AAPL', price: '190.02', at: '2026-12-03T15:00:00.010Z' }]]);
    expect(f.store.heartbeats).toEqual(['2026-12-03T15:00:00.000Z']);
  });

  it('switches to the backup when the primary is silent, counts the switch and publishes it', async () => {
    const f = await started();
    f.primary.push(quote('primary', 'AAPL', '189.98', '190.02', NOW));
    f.clock.advance(DEFAULT_FEED_CONFIG.failover.silenceMs);
    f.backup.push(quote('backup', 'AAPL', '189.98', '190.02', f.clock.now()));
    await f.feed.writeMarks();
    expect(f.feed.activeSource).toBe('backup');
    expect(f.feed.report().failovers).toBe(1);
    expect(f.telemetry.countsBy(FEED_METRICS.sourceSwitched, 'reason')).toEqual({ SOURCE_SILENT: 1 });
    await f.publisher.flush();
    expect(f.bus.events.map((e) => e.detailType)).toEqual([DETAIL_TYPES.MarketSourceSwitched]);
    expect(f.feed.report().intentsPublished).toBe(0);
  });

  it('takes in, writes and runs nothing once frozen', async () => {
    const f = await started();
    f.feed.freeze();
    f.primary.push(quote('primary', 'AAPL', '189.98', '190.02', NOW));
    await f.feed.writeMarks();
    await f.feed.beat();
    expect(await f.feed.runStrategies()).toBe(0);
    expect(f.store.marks).toEqual([]);
    expect(f.store.heartbeats).toEqual([]);
    expect(f.feed.report().ticks.received).toBe(0);
  });

  it('closes its sources and strategies when stopped, after a last mark write', async () => {
    const f = await started();
    f.primary.push(quote('primary', 'MSFT', '409.98', '410.02', NOW));
    await f.feed.stop();
    expect(f.store.marks).toEqual([[expect.objectContaining({ symbol: 'MSFT', price: '410' })]]);
    expect([f.primary.closed, f.backup.closed]).toEqual([true, true]);
  });

  it('publishes nothing more and writes no mark once abandoned for a lost lease, and closes its sources', async () => {
    const f = await started();
    f.primary.push(quote('primary', 'MSFT', '409.98', '410.02', NOW));
    await f.feed.abandon();
    await f.feed.writeMarks();
    expect(f.store.marks).toEqual([]);
    await expect(f.publisher.publish([])).rejects.toThrow(/discarded/);
    expect([f.primary.closed, f.backup.closed]).toEqual([true, true]);
    expect(f.feed.health().stopped).toBe(true);
  });

  it('reports its health: the active source, when marks were last written and whether the bus is reachable', async () => {
    const f = await started();
    expect(f.feed.health()).toEqual({ activeSource: 'primary', lastMarksWrittenAtMs: undefined, busReachable: true, stopped: false });
    f.primary.push(quote('primary', 'AAPL', '189.98', '190.02', NOW));
    f.clock.advance(250);
    await f.feed.writeMarks();
    expect(f.feed.health().lastMarksWrittenAtMs).toBe(NOW + 250);
  });
});
