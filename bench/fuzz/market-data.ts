// Entry point 5: a raw market-data frame from Alpaca (a JSON array of T-tagged entries) or Coinbase (one JSON object
// per frame), read by the adapter's wire parser and judged by the feed's intake (sequence gaps, the tick validator,
// failover and the conflator), with the default feed configuration. Accepted: a message accepted or held, or a
// control, ignored or empty frame the parser hands back. Rejected: a frame the parser calls malformed (naming why),
// or every message rejected with a coded reason. A throw, or a mark that is not a positive decimal at an ISO
// time, is a crash. partialWrites: a rejected frame after which the intake accepted or offered a price for
// conflation (this entry point writes no table).
import fc from 'fast-check';
import { readAlpacaFrame } from '../../adapters/market-data/alpaca/alpaca-market-wire';
import { readCoinbaseFrame, toSymbol } from '../../adapters/market-data/coinbase/coinbase-wire';
import { UtcTimestampSchema } from '../../shared/events/ids';
import { DEFAULT_FEED_CONFIG } from '../../shared/feed/feed-config';
import { MarketIntake } from '../../shared/feed/market-intake';
import type { MarketMessage } from '../../shared/market/market-message';
import { PositiveDecimalStringSchema } from '../../shared/money/decimal';
import { garbageText, oneFieldWrong, type Json } from './mutate';
import { clearIssues, crashOf, mixOf, type FuzzTarget, type StateWatch, type Verdict } from './runner';
import { START } from './world';

/** Stands for the exchange time "now" in a valid frame; the send puts the feed's clock reading in its place. */
const NOW = '@now';
const SYMBOLS = ['AAPL', 'MSFT', 'BTC/USD'];
const PRICE: Record<string, number> = { AAPL: 100, MSFT: 400, 'BTC/USD': 60_000 };

export interface MarketInput {
  source: 'alpaca' | 'coinbase';
  frame: Json | { raw: string };
}

const cents = (base: number, spread: number) => fc.integer({ min: -spread, max: spread }).map((d) => Math.round((base + d / 100) * 100) / 100);

const alpacaEntry = fc.record({ symbol: fc.constantFrom('AAPL', 'AAPL', 'MSFT'), kind: fc.nat({ max: 9 }), n: fc.nat({ max: 1_000_000 }) }).chain(({ symbol, kind, n }) => {
  const base = PRICE[symbol] ?? 100;
  if (kind === 0) return fc.constant<Json>({ T: 'success', msg: 'authenticated' });
  if (kind === 1) return fc.constant<Json>({ T: 'subscription', trades: ['AAPL', 'MSFT'], quotes: ['AAPL', 'MSFT'], bars: [] });
  if (kind < 6) {
    return fc.tuple(cents(base, 5), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 100, max: 900 })).map(([bid, width, size]): Json => ({
      T: 'q', S: symbol, bx: 'V', bp: bid, bs: size, ax: 'V', ap: Math.round((bid + width / 100) * 100) / 100, as: size + 1, c: ['R'], z: 'C', t: NOW,
    }));
  }
  return fc.tuple(cents(base, 5), fc.integer({ min: 1, max: 500 })).map(([price, size]): Json => ({ T: 't', S: symbol, i: n, x: 'V', p: price, s: size, c: ['@'], z: 'C', t: NOW }));
});

const coinbaseFrame = fc.record({ n: fc.nat({ max: 1_000_000 }), bid: cents(60_000, 500), kind: fc.nat({ max: 9 }) }).map(({ n, bid, kind }): Json => {
  if (kind === 0) return { type: 'heartbeat', sequence: n, last_trade_id: n, product_id: 'BTC-USD', time: NOW };
  if (kind === 1) return { type: 'subscriptions', channels: [{ name: 'ticker', product_ids: ['BTC-USD'] }, { name: 'heartbeat', product_ids: ['BTC-USD'] }] };
  return {
    type: 'ticker', sequence: n, product_id: 'BTC-USD', price: (bid + 0.01).toFixed(2), open_24h: '59000.00', volume_24h: '1000.5', low_24h: '58000.00', high_24h: '61000.00',
    best_bid: bid.toFixed(2), best_bid_size: '0.50000000', best_ask: (bid + 0.02).toFixed(2), best_ask_size: '0.30000000', side: 'buy', time: NOW, trade_id: n, last_size: '0.01000000',
  };
});

/** One valid frame: an Alpaca frame of one entry (so one field wrong is one message wrong), or a Coinbase message. */
export const validMarketInput: fc.Arbitrary<MarketInput> = fc.oneof(
  { weight: 2, arbitrary: alpacaEntry.map((entry): MarketInput => ({ source: 'alpaca', frame: [entry] })) },
  { weight: 1, arbitrary: coinbaseFrame.map((frame): MarketInput => ({ source: 'coinbase', frame })) },
);

const oneWrongMarketInput = validMarketInput.chain((valid) => oneFieldWrong(fc.constant(valid.frame as Json)).map(({ input, mutation }) => ({ input: { source: valid.source, frame: input }, mutation })));

const garbageMarketInput = fc.tuple(fc.constantFrom('alpaca' as const, 'coinbase' as const), garbageText).map(([source, raw]): MarketInput => ({ source, frame: { raw } }));

const textOf = (frame: MarketInput['frame'], nowIso: string): string => {
  const raw = frame !== null && typeof frame === 'object' && !Array.isArray(frame) && Object.keys(frame).length === 1 && typeof frame.raw === 'string' ? frame.raw : undefined;
  return raw ?? JSON.stringify(frame).replaceAll(`"${NOW}"`, JSON.stringify(nowIso));
};

/**
 * What the intake must not do for a rejected frame: accept a price or offer one for conflation (a source switch
 * follows accepted data, or the passing of time, which is not the frame's doing).
 */
const fingerprint = (intake: MarketIntake): string => {
  const { messages, conflation } = intake.counters();
  return `accepted ${messages.accepted}, offered ${conflation.offered}`;
};

export const marketDataTarget = async (): Promise<FuzzTarget<MarketInput>> => {
  let nowMs = Date.parse(START);
  const intake = new MarketIntake({ symbols: SYMBOLS, sources: ['alpaca', 'coinbase'], config: DEFAULT_FEED_CONFIG, isOpen: () => true, nowMs });
  let before = '';
  const watch: StateWatch = {
    before: async () => void (before = fingerprint(intake)),
    after: async (rejected) => {
      const after = fingerprint(intake);
      return rejected && after !== before ? `the intake changed: ${before} → ${after}` : undefined;
    },
  };
  const judge = (messages: readonly MarketMessage[]): Verdict => {
    const counts = intake.counters().messages;
    const [received, accepted, quarantined] = [counts.received, counts.accepted, counts.quarantined];
    intake.receive(messages, nowMs);
    const after = intake.counters().messages;
    if (after.accepted > accepted || after.quarantined > quarantined) return { kind: 'accepted', outcome: after.accepted > accepted ? 'tick-accepted' : 'tick-held' };
    if (after.received === received) return { kind: 'accepted', outcome: 'no-message' };
    const reasons = Object.entries(after.rejected).filter(([reason, n]) => n > (counts.rejected as Record<string, number>)[reason]!).map(([reason]) => reason);
    return reasons.length > 0 ? { kind: 'rejected', error: `tick rejected: ${reasons.join(', ')}` } : crashOf(new Error('messages neither accepted, held nor rejected'));
  };
  const read = (input: MarketInput, text: string): Verdict => {
    if (input.source === 'alpaca') {
      const frame = readAlpacaFrame(text, 'alpaca', nowMs);
      if ('problem' in frame) return { kind: 'rejected', error: `frame: ${frame.problem}` };
      if (frame.messages.length > 0) return judge(frame.messages);
      if (frame.malformed.length > 0 && frame.controls.length === 0 && frame.ignored === 0) {
        return { kind: 'rejected', error: clearIssues(frame.malformed.map((m) => ({ path: 'frame', rule: m }))) ?? 'frame: malformed' };
      }
      return { kind: 'accepted', outcome: frame.controls.length > 0 ? 'control' : frame.ignored > 0 ? 'ignored' : 'empty' };
    }
    const event = readCoinbaseFrame(text, 'coinbase', nowMs, toSymbol);
    if (event.type === 'malformed') return { kind: 'rejected', error: `frame: ${event.problem}` };
    if (event.type === 'market') return event.messages.length > 0 ? judge(event.messages) : { kind: 'accepted', outcome: 'no-message' };
    return { kind: 'accepted', outcome: event.type === 'ignored' ? 'ignored' : 'control' };
  };
  return {
    name: 'market-data',
    arbitrary: mixOf(garbageMarketInput, validMarketInput, oneWrongMarketInput),
    epochSize: Number.MAX_SAFE_INTEGER,
    startEpoch: async () => undefined,
    send: async (input): Promise<Verdict> => {
      nowMs += 50;
      try {
        const verdict = read(input, textOf(input.frame, new Date(nowMs).toISOString()));
        // The marks due now must be what a mark is: a positive decimal price at an ISO time.
        for (const mark of intake.tick(nowMs).marks) {
          if (!PositiveDecimalStringSchema.safeParse(mark.price).success || !UtcTimestampSchema.safeParse(mark.at).success) {
            return crashOf(new Error(`conflated an invalid mark: ${JSON.stringify(mark)}`));
          }
        }
        return verdict;
      } catch (error) {
        return crashOf(error);
      }
    },
    watch,
    notes: ['partialWrites: a rejected frame after which the intake had accepted a price or offered one for conflation (this entry point writes no table).'],
    close: async () => undefined,
  };
};
