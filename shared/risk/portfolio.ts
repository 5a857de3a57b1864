// Account valuation for the exposure and loss controls: equity (cash + sum of quantity x mark) and the
// worst-case gross, net and sector exposure if every in-flight order fills, exact (Fixed) at the latest marks.
// A per-account memo keyed by the raw strings re-values only the symbols whose book entry, mark or sector
// changed since the previous decision: n string comparisons for n positions, or, when the stored items'
// revisions say which symbols one write touched, only those.
import type { AccountBook, BookEntry } from '../ledger/account-book';
import type { InstrumentReference, Mark } from '../market/marks';
import type { ItemRevision } from '../market/item-revision';
import * as fx from '../money/fixed';
import type { Fixed } from '../money/fixed';

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

/** A sector's running gross exposure, shared by the memo entries of its symbols. */
export interface SectorTotal {
  gross: Fixed;
}

export interface Valuation {
  cash: Fixed;
  equity: Fixed;
  gross: Fixed;
  netHigh: Fixed;
  netLow: Fixed;
  sectorGross: ReadonlyMap<string, { readonly gross: Fixed }>;
  /** The symbol's exposure, undefined when it is flat or unmarked. */
  exposureOf(symbol: string): SymbolExposure | undefined;
  /** Symbols with exposure but no mark: the account cannot be valued (deny). */
  unmarked: readonly string[];
}

const ZERO = fx.fixedFromInt(0);

/** Whether the order shrinks the position even if every in-flight order on its side fills first. */
export const reducesExposure = (side: 'buy' | 'sell', quantity: Fixed, exposure: Pick<SymbolExposure, 'quantity' | 'long' | 'short'> | undefined): boolean => {
  if (!exposure) return false;
  return side === 'buy'
    ? fx.sign(exposure.quantity) < 0 && fx.lte(fx.add(exposure.long, quantity), ZERO)
    : fx.sign(exposure.quantity) > 0 && fx.gte(fx.sub(exposure.short, quantity), ZERO);
};

export const symbolExposure = (quantity: Fixed, inFlightBuy: Fixed, inFlightSell: Fixed, mark: Fixed, sector: string): SymbolExposure => {
  const long = fx.add(quantity, inFlightBuy);
  const short = fx.sub(quantity, inFlightSell);
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
  inFlightBuy: string;
  inFlightSell: string;
  price: string | undefined;
  sector: string;
  exposure: SymbolExposure | undefined;
  /** Where this symbol's gross is summed (undefined while unmarked). */
  sectorTotal: SectorTotal | undefined;
  generation: number;
}

interface AccountMemo {
  generation: number;
  entries: Map<string, MemoEntry>;
  value: Fixed;
  gross: Fixed;
  netHigh: Fixed;
  netLow: Fixed;
  sectorGross: Map<string, SectorTotal>;
  unmarked: Set<string>;
  /** The item states the memo reflects; undefined forces a full comparison next time. */
  book: ItemRevision | undefined;
  marks: ItemRevision | undefined;
  reference: ItemRevision | undefined;
}

/** Revisions of the shared marks and reference items, read with the book. */
export interface ValuationRevisions {
  marks?: ItemRevision | undefined;
  reference?: ItemRevision | undefined;
}

const MAX_ACCOUNTS = 64;
const memos = new Map<string, AccountMemo>();
const NOTHING: readonly string[] = [];

const newMemo = (): AccountMemo => ({
  generation: 0,
  entries: new Map(),
  value: ZERO,
  gross: ZERO,
  netHigh: ZERO,
  netLow: ZERO,
  sectorGross: new Map(),
  unmarked: new Set(),
  book: undefined,
  marks: undefined,
  reference: undefined,
});

const isFlat = (e: BookEntry): boolean => e.quantity === '0' && e.inFlightBuy === '0' && e.inFlightSell === '0';

/** Removes one symbol's contribution from the running totals. */
const remove = (memo: AccountMemo, symbol: string, entry: MemoEntry): void => {
  const e = entry.exposure;
  if (!e || !entry.sectorTotal) {
    memo.unmarked.delete(symbol);
    return;
  }
  memo.value = fx.sub(memo.value, e.value);
  memo.gross = fx.sub(memo.gross, e.gross);
  memo.netHigh = fx.sub(memo.netHigh, e.netHigh);
  memo.netLow = fx.sub(memo.netLow, e.netLow);
  entry.sectorTotal.gross = fx.sub(entry.sectorTotal.gross, e.gross);
};

/** Adds one symbol's contribution to the running totals. */
const include = (memo: AccountMemo, symbol: string, entry: MemoEntry): void => {
  const e = entry.exposure;
  if (!e || !entry.sectorTotal) {
    memo.unmarked.add(symbol);
    return;
  }
  memo.value = fx.add(memo.value, e.value);
  memo.gross = fx.add(memo.gross, e.gross);
  memo.netHigh = fx.add(memo.netHigh, e.netHigh);
  memo.netLow = fx.add(memo.netLow, e.netLow);
  entry.sectorTotal.gross = fx.add(entry.sectorTotal.gross, e.gross);
};

const sectorTotalOf = (memo: AccountMemo, sector: string, known: MemoEntry | undefined): SectorTotal => {
  if (known?.sectorTotal && known.sector === sector) return known.sectorTotal;
  let total = memo.sectorGross.get(sector);
  if (!total) {
    total = { gross: ZERO };
    memo.sectorGross.set(sector, total);
  }
  return total;
};

/**
 * Brings one symbol's entry and the totals in line with the snapshot. Values are parsed before the totals
 * are touched, so a malformed one throws with the memo still consistent. Returns whether the symbol counts.
 */
const refresh = (
  memo: AccountMemo,
  symbol: string,
  entry: BookEntry | undefined,
  marks: Readonly<Record<string, Mark>>,
  reference: Readonly<Record<string, InstrumentReference>>,
  generation: number,
): boolean => {
  const known = memo.entries.get(symbol);
  if (!entry || isFlat(entry)) {
    if (known) {
      remove(memo, symbol, known);
      memo.entries.delete(symbol);
    }
    return false;
  }
  const price = marks[symbol]?.price;
  const sector = reference[symbol]?.sector ?? UNCLASSIFIED_SECTOR;
  if (
    known &&
    known.price === price &&
    known.quantity === entry.quantity &&
    known.inFlightBuy === entry.inFlightBuy &&
    known.inFlightSell === entry.inFlightSell &&
    known.sector === sector
  ) {
    known.generation = generation;
    return true;
  }
  const exposure =
    price === undefined
      ? undefined
      : symbolExposure(fx.parseFixed(entry.quantity), fx.parseFixed(entry.inFlightBuy), fx.parseFixed(entry.inFlightSell), fx.parseFixed(price), sector);
  const sectorTotal = exposure ? sectorTotalOf(memo, sector, known) : undefined;
  if (known) remove(memo, symbol, known);
  const fresh: MemoEntry = { quantity: entry.quantity, inFlightBuy: entry.inFlightBuy, inFlightSell: entry.inFlightSell, price, sector, exposure, sectorTotal, generation };
  memo.entries.set(symbol, fresh);
  include(memo, symbol, fresh);
  return true;
};

/**
 * The symbols that changed between the state the memo reflects and `next`: none for the same state, the
 * write's own symbols for the next one, and undefined (compare everything) for anything else.
 */
const changedSince = (known: ItemRevision | undefined, next: ItemRevision | undefined): readonly string[] | undefined => {
  if (!known || !next || known.epoch !== next.epoch) return undefined;
  if (next.version === known.version) return NOTHING;
  if (next.version === known.version + 1) return next.changed;
  return undefined;
};

/** Compares every symbol of the book with the memo: O(positions). */
const compareAll = (
  memo: AccountMemo,
  book: AccountBook,
  marks: Readonly<Record<string, Mark>>,
  reference: Readonly<Record<string, InstrumentReference>>,
): void => {
  const generation = ++memo.generation;
  let seen = 0;
  const positions = book.positions;
  for (const symbol of Object.keys(positions)) {
    if (refresh(memo, symbol, positions[symbol], marks, reference, generation)) seen++;
  }
  // Symbols that went flat or left the book since the previous decision.
  if (memo.entries.size > seen) {
    for (const [symbol, known] of memo.entries) {
      if (known.generation === generation) continue;
      remove(memo, symbol, known);
      memo.entries.delete(symbol);
    }
  }
};

/**
 * Values the account. `memoKey` names the account whose memo to reuse; the result depends only on the
 * arguments (the memo is exact bookkeeping, checked against a fresh valuation by the tests). With the
 * revisions of the book, marks and reference items, a decision right after one write re-values only the
 * symbols that write touched: O(1) instead of O(positions).
 */
export const valueAccount = (
  memoKey: string,
  book: AccountBook,
  marks: Readonly<Record<string, Mark>>,
  reference: Readonly<Record<string, InstrumentReference>>,
  revisions: ValuationRevisions = {},
): Valuation => {
  let memo = memos.get(memoKey);
  if (!memo) {
    if (memos.size >= MAX_ACCOUNTS) memos.delete(memos.keys().next().value ?? '');
    memo = newMemo();
    memos.set(memoKey, memo);
  }
  const bookChanges = changedSince(memo.book, book.revision);
  const markChanges = changedSince(memo.marks, revisions.marks);
  const referenceChanges = changedSince(memo.reference, revisions.reference);
  try {
    if (bookChanges && markChanges && referenceChanges) {
      const generation = memo.generation;
      const positions = book.positions;
      for (const changes of [bookChanges, markChanges, referenceChanges]) {
        for (const symbol of changes) refresh(memo, symbol, positions[symbol], marks, reference, generation);
      }
    } else {
      compareAll(memo, book, marks, reference);
    }
  } catch (error) {
    // Part of the totals may have moved: only a full comparison may trust the memo again.
    memo.book = memo.marks = memo.reference = undefined;
    throw error;
  }
  memo.book = book.revision;
  memo.marks = revisions.marks;
  memo.reference = revisions.reference;
  const cash = fx.parseFixed(book.cash);
  return {
    cash,
    equity: fx.add(cash, memo.value),
    gross: memo.gross,
    netHigh: memo.netHigh,
    netLow: memo.netLow,
    sectorGross: memo.sectorGross,
    exposureOf: (symbol) => memo.entries.get(symbol)?.exposure,
    unmarked: memo.unmarked.size === 0 ? [] : [...memo.unmarked],
  };
};

/** Forget every memo (tests compare a memoised valuation with a fresh one). */
export const clearValuationMemo = (): void => memos.clear();
