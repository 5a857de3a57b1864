// The recording source passes a source's messages on and writes each as a JSON line the replay source plays
// back exactly; a recording it cannot open fails the start before the source connects.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordingError, RecordingSource, recordedMessage } from '../../../adapters/market-data/recording-source';
import { ReplaySource } from '../../../adapters/market-data/replay-source';
import type { MarketMessage } from '../../../shared/market/market-message';
import type { MarketDataHandlers, MarketDataSource, SourceStatus } from '../../../shared/ports/market-data-source';
import { ManualClock } from '../../support/fixtures';

const dir = mkdtempSync(join(tmpdir(), 'recording-'));
let files = 0;
const nextPath = (): string => join(dir, `r${++files}.jsonl`);

/** A source whose messages the test pushes. */
class PushSource implements MarketDataSource {
  readonly name = 'alpaca-iex';
  started = 0;
  closed = 0;
  handlers: MarketDataHandlers | undefined;
  async start(_symbols: readonly string[], handlers: MarketDataHandlers): Promise<void> {
    this.started++;
    this.handlers = handlers;
    handlers.onStatus?.({ kind: 'live', atMs: 0 });
  }
  async close(): Promise<void> {
    this.closed++;
  }
  push(messages: readonly MarketMessage[]): void {
    this.handlers?.onMessages(messages);
  }
}

const quote = (symbol: string, at: string, over: Partial<MarketMessage> = {}): MarketMessage =>
  ({ kind: 'quote', source: 'alpaca-iex', symbol, bidPrice: '100.00', bidSize: '10', askPrice: '100.02', askSize: '12', at, receivedAtMs: 1, ...over }) as MarketMessage;

/** Plays a recording to its end as fast as possible, exactly as recorded. */
const replay = async (path: string, symbols: readonly string[]): Promise<MarketMessage[]> => {
  const played: MarketMessage[] = [];
  let ended!: () => void;
  const end = new Promise<void>((resolve) => (ended = resolve));
  const source = new ReplaySource({ path, clock: new ManualClock(0), speed: 0, rebase: false });
  await source.start(symbols, {
    onMessages: (batch) => void played.push(...batch),
    onStatus: (status: SourceStatus) => {
      if (status.kind !== 'live') ended();
    },
  });
  await end;
  return played;
};

describe('the recording source', () => {
  it('passes every message on unchanged, statuses included, under the recorded source’s name', async () => {
    const inner = new PushSource();
    const recording = new RecordingSource(inner, { path: nextPath() });
    const seen: MarketMessage[] = [];
    const statuses: string[] = [];
    await recording.start(['AAPL'], { onMessages: (m) => void seen.push(...m), onStatus: (s) => void statuses.push(s.kind) });
    const batch = [quote('AAPL', '2026-12-01T15:00:00.000Z'), quote('AAPL', '2026-12-01T15:00:00.100Z', { bidPrice: '0' })];
    inner.push(batch);
    await recording.close();
    expect(recording.name).toBe('alpaca-iex');
    expect(seen).toEqual(batch);
    expect(statuses).toEqual(['live']);
    expect(recording.stats()).toEqual({ recorded: 2, writeErrors: 0 });
    expect(inner.closed).toBe(1);
  });

  it('writes one line per message, bad ones included, without who delivered it or when', async () => {
    const path = nextPath();
    const inner = new PushSource();
    const recording = new RecordingSource(inner, { path });
    await recording.start(['AAPL'], { onMessages: () => undefined });
    inner.push([quote('AAPL', '2026-12-01T15:00:00.000Z', { askPrice: 'NaN', sequence: 7 })]);
    inner.push([{ kind: 'trade', source: 'alpaca-iex', symbol: 'AAPL', price: '100.01', size: '5', at: '2026-12-01T15:00:00.200Z', receivedAtMs: 3, tradeId: 't-1' }]);
    await recording.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      { kind: 'quote', symbol: 'AAPL', bidPrice: '100.00', bidSize: '10', askPrice: 'NaN', askSize: '12', at: '2026-12-01T15:00:00.000Z', sequence: 7 },
      { kind: 'trade', symbol: 'AAPL', price: '100.01', size: '5', at: '2026-12-01T15:00:00.200Z', tradeId: 't-1' },
    ]);
  });

  it('fails the start with a RecordingError when the file cannot be written, before the source connects', async () => {
    const inner = new PushSource();
    const recording = new RecordingSource(inner, { path: join(dir, 'no-such-folder', 'r.jsonl') });
    await expect(recording.start(['AAPL'], { onMessages: () => undefined })).rejects.toBeInstanceOf(RecordingError);
    expect(inner.started).toBe(0);
  });

  it('records what the replay source plays back exactly, for any quotes and trades', async () => {
    const symbol = fc.constantFrom('AAPL', 'MSFT', 'BTC/USD');
    const text = fc.oneof(fc.constantFrom('0', '-1', 'NaN', '', '1e400'), fc.stringMatching(/^\d{1,6}(\.\d{1,4})?$/));
    const at = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }).map((ms) => new Date(ms).toISOString());
    const sequence = fc.option(fc.nat(), { nil: undefined });
    const message: fc.Arbitrary<MarketMessage> = fc.oneof(
      fc.record({ symbol, bidPrice: text, bidSize: text, askPrice: text, askSize: text, at, sequence }).map((q) => ({ kind: 'quote' as const, source: 's', receivedAtMs: 0, ...q })),
      fc.record({ symbol, price: text, size: text, at, sequence, tradeId: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }) }).map((t) => ({ kind: 'trade' as const, source: 's', receivedAtMs: 0, ...t })),
    );
    const strip = (m: MarketMessage) => JSON.parse(JSON.stringify(recordedMessage(m))) as unknown;
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 20 }), async (messages) => {
        const path = nextPath();
        const inner = new PushSource();
        const recording = new RecordingSource(inner, { path });
        await recording.start(['AAPL', 'MSFT', 'BTC/USD'], { onMessages: () => undefined });
        inner.push(messages);
        await recording.close();
        const played = await replay(path, ['AAPL', 'MSFT', 'BTC/USD']);
        expect(played.map(strip)).toEqual(messages.map(strip));
      }),
      { numRuns: 30 },
    );
  });
});
