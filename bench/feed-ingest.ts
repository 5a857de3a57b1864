// The feed's ingest cost: Alpaca market-data frames (ten quotes each, 100 symbols) read from their text,
// validated and conflated, against a bare JSON.parse of the same frames, timed back to back in one run so the
// ratio holds on a noisy machine. Target: feed.ingestRatio (ingest throughput / JSON.parse throughput) >= 0.5.
import { Bench } from 'tinybench';
import { readAlpacaFrame } from '../adapters/market-data/alpaca/alpaca-market-wire';
import { DEFAULT_FEED_CONFIG } from '../shared/feed/feed-config';
import { MarketIntake } from '../shared/feed/market-intake';

const SYMBOLS = Array.from({ length: 100 }, (_, i) => `SYM${i}`);
const QUOTES_PER_FRAME = 10;
const FRAMES = 4_096;
const START_MS = Date.parse('2026-12-03T15:00:00.000Z');
const SOURCE = 'alpaca-iex';

/** Nanosecond RFC 3339, as Alpaca writes it. */
const nanoTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 23)}456789Z`;

/** Frames of quotes walking by a cent or two, each frame a millisecond after the last: every quote is valid. */
const frames = (() => {
  const prices = SYMBOLS.map((_, i) => 4_000 + i * 250); // in cents
  const texts: { text: string; atMs: number }[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const atMs = START_MS + f;
    const quotes = Array.from({ length: QUOTES_PER_FRAME }, (_, q) => {
      const s = (f * QUOTES_PER_FRAME + q) % SYMBOLS.length;
      prices[s] = (prices[s] ?? 4_000) + ((f + q) % 3) - 1;
      const mid = prices[s] ?? 4_000;
      const bid = ((mid - 1) / 100).toFixed(2);
      const ask = ((mid + 1) / 100).toFixed(2);
      return `{"T":"q","S":"${SYMBOLS[s]}","bx":"V","bp":${bid},"bs":300,"ax":"V","ap":${ask},"as":200,"c":["R"],"z":"C","t":"${nanoTime(atMs)}"}`;
    });
    texts.push({ text: `[${quotes.join(',')}]`, atMs });
  }
  return texts;
})();

export interface FeedIngestFigures {
  'feed.ingestNsPerMessage': number;
  'feed.parseNsPerMessage': number;
  'feed.ingestRatio': number;
  'feed.messagesPerSecond': number;
}

/** Median over rounds of the per-message cost of ingest and of the bare parse. */
export const measureFeedIngest = async (timeMs: number, rounds: number): Promise<FeedIngestFigures> => {
  const newIntake = () => new MarketIntake({ symbols: SYMBOLS, sources: [SOURCE], config: DEFAULT_FEED_CONFIG, isOpen: () => true, nowMs: START_MS });
  let intake = newIntake();
  let next = 0;
  let parsed = 0;
  // Every message must be accepted: a bench of rejections would measure the wrong path.
  const probe = newIntake();
  for (const frame of frames.slice(0, 64)) {
    const read = readAlpacaFrame(frame.text, SOURCE, frame.atMs);
    if (!('messages' in read)) throw new Error('bench frame is malformed');
    if (probe.receive(read.messages, frame.atMs + 1).delivered.length !== QUOTES_PER_FRAME) throw new Error('bench frame was not accepted whole');
  }
  const results: { ingest: number; parse: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ name: 'feed', time: timeMs / rounds, warmupTime: round === 0 ? 300 : 30 });
    bench
      .add('feed.ingest', () => {
        if (next === FRAMES) {
          // The recording starts again on a fresh feed, so its times only move forward.
          intake = newIntake();
          next = 0;
        }
        const frame = frames[next++] ?? frames[0];
        if (!frame) return;
        const read = readAlpacaFrame(frame.text, SOURCE, frame.atMs);
        if ('messages' in read) intake.receive(read.messages, frame.atMs + 1);
        if ((next & 255) === 0) intake.tick(frame.atMs + 1);
      })
      .add('feed.parse', () => void JSON.parse(frames[parsed++ & (FRAMES - 1)]?.text ?? '[]'));
    await bench.run();
    const p50 = (name: string): number => {
      const result = bench.getTask(name)?.result;
      if (!result || !('latency' in result)) throw new Error(`${name} produced no result`);
      return (result.latency.p50 * 1e6) / QUOTES_PER_FRAME;
    };
    results.push({ ingest: p50('feed.ingest'), parse: p50('feed.parse') });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const ingest = median(results.map((r) => r.ingest));
  return {
    'feed.ingestNsPerMessage': Math.round(ingest),
    'feed.parseNsPerMessage': Math.round(median(results.map((r) => r.parse))),
    'feed.ingestRatio': Number(median(results.map((r) => r.parse / r.ingest)).toFixed(3)),
    'feed.messagesPerSecond': Math.round(1e9 / ingest),
  };
};
