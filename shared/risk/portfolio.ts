// Account valuation for the exposure and loss controls: equity (cash + sum of quantity x mark) and the
// worst-case gross, net and sector exposure if every in-flight order fills, exact (Fixed) at the latest marks.
// A per-account memo keyed by the raw strings re-values only the symbols whose book entry, mark or sector
// changed since the previous decision, so an account of n positions costs n string comparisons, not n parses.
import * as fx from '../money/fixed';
import type { Fixed } from '../money/fixed';
import type { AccountBook, BookEntry, InstrumentReference } from '../ports/trading-store';
import type { Mark } from './evaluate';

export const UNCLASSIFIED_SECTOR = 'UNCLASSIFIED';

/** One symbol's contribution; `long` and `short` are the position if every in-flight buy (sell) fills. */
export interface SymbolExposure {
  quantity: Fixed;
  long: Fixed;
  short: Fixed;
  mark: Fixed;
  /** quantity x mark */
  value: Fixed;
  /** max(|long|, |short|) x mark */
  gross: Fixed;
  /** long x mark and short x mark: the net exposure lies between them. */
  netHigh: Fixed;
  netLow: Fixed;
  sector: string;
}

export interface Valuation {
  cash: Fixed;
  equity: Fixed;
  gross: Fixed;
  netHigh: Fixed;
  netLow: Fixed;
  sectorGross: ReadonlyMap<string, Fixed>;
  symbols: ReadonlyMap<string, SymbolExposure>;
  /** Symbols with exposure but no mark: the account cannot be valued (deny). */
  unmarked: readonly string[];
}

const ZERO = fx.fixedFromInt(0);

export const symbolExposure = (quantity: Fixed, inflightBuy: Fixed, inflightSell: Fixed, mark: Fixed, sector: string): SymbolExposure => {
  const long = fx.add(quantity, inflightBuy);
  const short = fx.sub(quantity, inflightSell);
  const netHigh = fx.mul(long, mark);
  const netLow = fx.mul(short, mark);
  return {
    quantity,
    long,
    short,
    mark,
    value: fx.mul(quantity, mark),
    gross: fx.max(fx.abs(netHigh), fx.abs(netLow)),
    netHigh,
    netLow,
    sector,
  };
};

interface MemoEntry {
  quantity: string;
  inflightBuy: string;
  inflightSell: string;
  price: string | undefined;
  sector: string;
  exposure: SymbolExposure | undefined;
  generation: number;
}

interface AccountMemo {
  generation: number;
  entries: Map<string, MemoEntry>;
  value: Fixed;
  gross: Fixed;
  netHigh: Fixed;
  netLow: Fixed;
  sectorGross: Map<string, Fixed>;
  symbols: Map<string, SymbolExposure>;
  unmarked: Set<string>;
}

const MAX_ACCOUNTS = 64;
const memos = new Map<string, AccountMemo>();

const newMemo = (): AccountMemo => ({
  generation: 0,
  entries: new Map(),
  value: ZERO,
  gross: ZERO,
  netHigh: ZERO,
  netLow: ZERO,
  sectorGross: new Map(),
  symbols: new Map(),
  unmarked: new Set(),
});

const isFlat = (e: BookEntry): boolean => e.quantity === '0' && e.inflightBuy === '0' && e.inflightSell === '0';

/** Adds (+1) or removes (-1) one symbol's contribution to the running totals. */
const apply = (memo: AccountMemo, symbol: string, entry: MemoEntry, direction: 1 | -1): void => {
  const e = entry.exposure;
  if (!e) {
    if (direction > 0) memo.unmarked.add(symbol);
    else memo.unmarked.delete(symbol);
    return;
  }
  if (direction > 0) memo.symbols.set(symbol, e);
  else memo.symbols.delete(symbol);
  const op = direction > 0 ? fx.add : fx.sub;
  memo.value = op(memo.value, e.value);
  memo.gross = op(memo.gross, e.gross);
  memo.netHigh = op(memo.netHigh, e.netHigh);
  memo.netLow = op(memo.netLow, e.netLow);
  memo.sectorGross.set(e.sector, op(memo.sectorGross.get(e.sector) ?? ZERO, e.gross));
};

/**
 * Values the account. `memoKey` names the account whose memo to reuse; the result depends only on the
 * arguments (the memo is exact bookkeeping, checked against a fresh valuation by the tests).
 */
export const valueAccount = (
  memoKey: string,
  book: AccountBook,
  marks: Readonly<Record<string, Mark>>,
  reference: Readonly<Record<string, InstrumentReference>>,
): Valuation => {
  let memo = memos.get(memoKey);
  if (!memo) {
    if (memos.size >= MAX_ACCOUNTS) memos.delete(memos.keys().next().value ?? '');
    memo = newMemo();
    memos.set(memoKey, memo);
  }
  const generation = ++memo.generation;
  let seen = 0;
  const positions = book.positions;
  for (const symbol of Object.keys(positions)) {
    const entry = positions[symbol];
    if (!entry || isFlat(entry)) continue;
    seen++;
    const price = marks[symbol]?.price;
    const sector = reference[symbol]?.sector ?? UNCLASSIFIED_SECTOR;
    const known = memo.entries.get(symbol);
    if (
      known &&
      known.price === price &&
      known.quantity === entry.quantity &&
      known.inflightBuy === entry.inflightBuy &&
      known.inflightSell === entry.inflightSell &&
      known.sector === sector
    ) {
      known.generation = generation;
      continue;
    }
    // Parse before touching the totals: a malformed value throws and must leave the memo consistent.
    const exposure =
      price === undefined
        ? undefined
        : symbolExposure(fx.parseFixed(entry.quantity), fx.parseFixed(entry.inflightBuy), fx.parseFixed(entry.inflightSell), fx.parseFixed(price), sector);
    if (known) apply(memo, symbol, known, -1);
    const fresh: MemoEntry = { quantity: entry.quantity, inflightBuy: entry.inflightBuy, inflightSell: entry.inflightSell, price, sector, exposure, generation };
    memo.entries.set(symbol, fresh);
    apply(memo, symbol, fresh, 1);
  }
  // Symbols that went flat or left the book since the previous decision.
  if (memo.entries.size > seen) {
    for (const [symbol, known] of memo.entries) {
      if (known.generation === generation) continue;
      apply(memo, symbol, known, -1);
      memo.entries.delete(symbol);
    }
  }
  const cash = fx.parseFixed(book.cash);
  return {
    cash,
    equity: fx.add(cash, memo.value),
    gross: memo.gross,
    netHigh: memo.netHigh,
    netLow: memo.netLow,
    sectorGross: memo.sectorGross,
    symbols: memo.symbols,
    unmarked: memo.unmarked.size === 0 ? [] : [...memo.unmarked],
  };
};

/** Forget every memo (tests compare a memoised valuation with a fresh one). */
export const clearValuationMemo = (): void => memos.clear();
