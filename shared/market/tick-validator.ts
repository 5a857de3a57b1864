// The feed's validator: judges each market message, in arrival order, as accepted, quarantined or rejected
// with one coded reason. It remembers per symbol the last accepted price (any source) and per source the
// last accepted exchange time. A move beyond the jump fraction is held until the symbol's next valid message:
// near the held level it confirms (both accepted), elsewhere it contradicts (the held one is PRICE_JUMP).
import type { Fixed } from '../money/fixed';
import type { MarketMessage } from './market-message';
import { compileTickLimits, exchangeTimeMs, isJump, quotePrice, tradePrice, type CompiledTickLimits, type TickLimits } from './tick-checks';
import { TICK_REJECTIONS, type TickRejection } from './tick-rejections';

/** An accepted message with the price it stands for (a quote's mid, a trade's price) and its exchange time. */
export interface AcceptedTick {
  message: MarketMessage;
  price: Fixed;
  atMs: number;
}

export type TickVerdict =
  /** `released`: a held message this one confirmed, accepted just before it. */
  | (AcceptedTick & { outcome: 'accepted'; released: AcceptedTick | undefined })
  | { outcome: 'quarantined' }
  | { outcome: 'rejected'; reason: TickRejection };

/** What the validator has seen; `received` = `accepted` + every rejection + `held`. */
export interface TickCounts {
  received: number;
  accepted: number;
  /** Messages that entered quarantine (each later accepted, rejected as PRICE_JUMP, or still held). */
  quarantined: number;
  /** Messages in quarantine now. */
  held: number;
  rejected: Record<TickRejection, number>;
}

interface SymbolState {
  /** The last accepted price of the symbol, from any source. */
  last: Fixed | undefined;
  /** A message held for a jump, awaiting confirmation. */
  held: AcceptedTick | undefined;
  /** Per source, the exchange time of its last accepted message. */
  acceptedAtMs: Map<string, number>;
}

// Verdicts without data are shared, so a rejection allocates nothing.
const QUARANTINED: TickVerdict = Object.freeze({ outcome: 'quarantined' });
const REJECTED = Object.fromEntries(TICK_REJECTIONS.map((reason) => [reason, Object.freeze({ outcome: 'rejected', reason })])) as Record<
  TickRejection,
  TickVerdict
>;

const zeroRejections = (): Record<TickRejection, number> => Object.fromEntries(TICK_REJECTIONS.map((r) => [r, 0])) as Record<TickRejection, number>;

export class TickValidator {
  private readonly limits: CompiledTickLimits;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly rejected = zeroRejections();
  private received = 0;
  private accepted = 0;
  private quarantined = 0;
  private held = 0;

  /** `symbols`: the subscribed ones; a message for any other is SYMBOL_UNKNOWN. */
  constructor(limits: TickLimits, symbols: readonly string[]) {
    this.limits = compileTickLimits(limits);
    for (const symbol of symbols) this.symbols.set(symbol, { last: undefined, held: undefined, acceptedAtMs: new Map() });
  }

  /** Judges one message received at `nowMs` (the feed's clock). */
  judge(message: MarketMessage, nowMs: number): TickVerdict {
    this.received++;
    const state = this.symbols.get(message.symbol);
    if (state === undefined) return this.reject('SYMBOL_UNKNOWN');
    const atMs = exchangeTimeMs(message.at, nowMs, this.limits);
    if (typeof atMs === 'string') return this.reject(atMs);
    const price = message.kind === 'quote' ? quotePrice(message, this.limits) : tradePrice(message);
    if (typeof price === 'string') return this.reject(price);
    this.expireHeld(state, nowMs);
    if (atMs < this.latestFrom(state, message.source)) return this.reject('OUT_OF_ORDER');
    const held = state.held;
    if (held !== undefined) {
      state.held = undefined;
      this.held--;
      if (!isJump(price, held.price, this.limits)) {
        this.record(state, held.message.source, held.price, held.atMs);
        return this.accept(state, message, price, atMs, held);
      }
      this.rejected.PRICE_JUMP++;
    }
    if (state.last !== undefined && isJump(price, state.last, this.limits)) {
      state.held = { message, price, atMs };
      this.held++;
      this.quarantined++;
      return QUARANTINED;
    }
    return this.accept(state, message, price, atMs, undefined);
  }

  /** Rejects, as PRICE_JUMP, every held message no confirmation can still reach in time (older than maxAgeMs). */
  expire(nowMs: number): void {
    for (const state of this.symbols.values()) this.expireHeld(state, nowMs);
  }

  counts(): TickCounts {
    return { received: this.received, accepted: this.accepted, quarantined: this.quarantined, held: this.held, rejected: { ...this.rejected } };
  }

  private expireHeld(state: SymbolState, nowMs: number): void {
    const held = state.held;
    if (held === undefined || nowMs - held.atMs <= this.limits.maxAgeMs) return;
    state.held = undefined;
    this.held--;
    this.rejected.PRICE_JUMP++;
  }

  /** The exchange time a new message of `source` may not precede: its last accepted or held one. */
  private latestFrom(state: SymbolState, source: string): number {
    const accepted = state.acceptedAtMs.get(source) ?? Number.NEGATIVE_INFINITY;
    const held = state.held;
    return held !== undefined && held.message.source === source && held.atMs > accepted ? held.atMs : accepted;
  }

  private accept(state: SymbolState, message: MarketMessage, price: Fixed, atMs: number, released: AcceptedTick | undefined): TickVerdict {
    this.record(state, message.source, price, atMs);
    return { outcome: 'accepted', message, price, atMs, released };
  }

  private record(state: SymbolState, source: string, price: Fixed, atMs: number): void {
    this.accepted++;
    state.last = price;
    const previous = state.acceptedAtMs.get(source);
    if (previous === undefined || atMs > previous) state.acceptedAtMs.set(source, atMs);
  }

  private reject(reason: TickRejection): TickVerdict {
    this.rejected[reason]++;
    return REJECTED[reason];
  }
}
