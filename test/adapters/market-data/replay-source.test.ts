// The replay source plays a recording of quotes and trades at its pace (or scaled, or as fast as possible),
// moved to now unless asked otherwise, delivering only subscribed symbols and skipping what is not a message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplaySource, type ReplaySourceOptions } from '../../../adapters/market-data/replay-source';
import type { MarketMessage } from '../../../shared/market/market-message';
import type { SourceStatus } from '../../../shared/ports/market-data-source';
import { ManualClock } from '../../support/fixtures';

const dir = mkdtempSync(join(tmpdir(), 'replay-'));
let files = 0;
const recording = (lines: readonly unknown[]): string => {
  const path = join(dir, `r${++files}.jsonl`);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return path;
};

const quote = (symbol: string, at: string, bid: string | number = '100.00', ask: string | number = '100.02') => ({
  kind: 'quote',
  symbol,
  bidPrice: bid,
  bidSize: '10',
  askPrice: ask,
  askSize: '12',
  at,
});

/** Plays to the end; the sleep advances the manual clock, so pacing is exact and takes no wall time. */
const play = async (path: string, over: Partial<ReplaySourceOptions> = {}, symbols = ['AAPL', 'MSFT']) => {
  const clock = new ManualClock(Date.parse('2026-12-01T15:00:00.000Z'));
  const sleeps: number[] = [];
  const messages: MarketMessage[] = [];
  const statuses: SourceStatus[] = [];
  let ended!: () => void;
  const end = new Promise<void>((resolve) => (ended = resolve));
  const source = new ReplaySource({
    path,
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    ...over,
  });
  await source.start(symbols, {
    onMessages: (batch) => void messages.push(...batch),
    onStatus: (status) => {
      statuses.push(status);
      if (status.kind !== 'live') ended();
    },
  });
  await end;
  return { source, clock, sleeps, messages, statuses };
};

describe('the replay source', () => {
  it('plays at the recorded pace, stamped from now, as the named source', async () => {
    const path = recording([quote('AAPL', '2026-11-23T14:30:00.000Z'), quote('MSFT', '2026-11-23T14:30:00.250Z'), quote('AAPL', '2026-11-23T14:30:01.250Z')]);
    const { messages, sleeps } = await play(path, { name: 'rehearsal' });
    expect(sleeps).toEqual([250, 1000]);
    expect(messages.map((m) => [m.symbol, m.at, m.source])).toEqual([
      ['AAPL', '2026-12-01T15:00:00.000Z', 'rehearsal'],
      ['MSFT', '2026-12-01T15:00:00.250Z', 'rehearsal'],
      ['AAPL', '2026-12-01T15:00:01.250Z', 'rehearsal'],
    ]);
    expect(messages.map((m) => m.receivedAtMs)).toEqual([0, 250, 1250].map((d) => Date.parse('2026-12-01T15:00:00.000Z') + d));
  });

  it('plays ten times faster at speed 10, and without waiting at speed 0', async () => {
    const path = recording([quote('AAPL', '2026-11-23T14:30:00.000Z'), quote('AAPL', '2026-11-23T14:30:01.000Z'), quote('AAPL', '2026-11-23T14:30:03.000Z')]);
    expect((await play(path, { speed: 10 })).sleeps).toEqual([100, 200]);
    const fast = await play(path, { speed: 0 });
    expect(fast.sleeps).toEqual([]);
    expect(fast.messages).toHaveLength(3);
  });

  it('keeps the recorded times when not rebased', async () => {
    const path = recording([quote('AAPL', '2026-11-23T14:30:00.000Z')]);
    const { messages } = await play(path, { rebase: false });
    expect(messages[0]?.at).toBe('2026-11-23T14:30:00.000Z');
  });

  it('passes prices and sizes on as decimal text, numbers as their shortest form', async () => {
    const path = recording([quote('AAPL', '2026-11-23T14:30:00.000Z', 189.45, '189.4700')]);
    const [message] = (await play(path)).messages;
    expect(message).toMatchObject({ kind: 'quote', bidPrice: '189.45', askPrice: '189.4700', bidSize: '10' });
  });

  it('skips and counts lines that are not a message, and delivers only subscribed symbols', async () => {
    const path = recording([
      '{not json',
      { kind: 'quote', symbol: 'AAPL', at: '2026-11-23T14:30:00.000Z' },
      quote('AAPL', 'yesterday'),
      '',
      quote('TSLA', '2026-11-23T14:30:00.000Z'),
      { kind: 'trade', symbol: 'AAPL', price: '190.01', size: '5', at: '2026-11-23T14:30:00.500Z', sequence: 7, tradeId: 'x1' },
    ]);
    const { source, messages } = await play(path);
    expect(messages).toEqual([expect.objectContaining({ kind: 'trade', symbol: 'AAPL', price: '190.01', sequence: 7, tradeId: 'x1' })]);
    expect(source.stats()).toEqual({ delivered: 1, skippedLines: 3, unsubscribed: 1, finished: true });
  });

  it('reports the end of the recording as a disconnection', async () => {
    const { statuses } = await play(recording([quote('AAPL', '2026-11-23T14:30:00.000Z')]));
    expect(statuses.map((s) => [s.kind, s.detail])).toEqual([
      ['live', undefined],
      ['disconnected', 'end of recording'],
    ]);
  });

  it('stops playing when closed', async () => {
    const path = recording([quote('AAPL', '2026-11-23T14:30:00.000Z'), quote('AAPL', '2026-11-23T14:30:05.000Z')]);
    const messages: MarketMessage[] = [];
    const statuses: string[] = [];
    const clock = new ManualClock();
    const source: ReplaySource = new ReplaySource({ path, clock, sleep: () => source.close() });
    await source.start(['AAPL'], { onMessages: (batch) => void messages.push(...batch), onStatus: (s) => void statuses.push(s.kind) });
    await source.close();
    expect(messages).toHaveLength(1);
    expect(statuses).toEqual(['live', 'closed']);
    expect(source.stats().finished).toBe(false);
  });

  it('refuses to start on a recording that cannot be read', async () => {
    const source = new ReplaySource({ path: join(dir, 'missing.jsonl'), clock: new ManualClock() });
    await expect(source.start(['AAPL'], { onMessages: () => undefined })).rejects.toThrow(/ENOENT/);
  });

  it('refuses a negative speed', () => {
    expect(() => new ReplaySource({ path: 'x', clock: new ManualClock(), speed: -1 })).toThrow(/speed/);
  });
});
