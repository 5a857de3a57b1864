// The account book: cash and every symbol's exposure in one item, so a decision sees the whole account in
// one read. The ledger and the approvals keep it in step with the position items in the same transactions;
// in-flight sizes move only by signed changes (approval adds, fill, rejection or block releases).
import type { ItemRevision } from '../market/item-revision';

/** One symbol of the account book: the position's quantity and the sizes of approved orders in flight. */
export interface BookEntry {
  quantity: string;
  inFlightBuy: string;
  inFlightSell: string;
}

export interface AccountBook {
  cash: string;
  positions: Readonly<Record<string, BookEntry>>;
  /** Absent when unknown: the valuation then compares every symbol. */
  revision?: ItemRevision;
  /** When reconciliation last set the cash to the broker's (ISO-8601); absent until the first sync. */
  cashSyncedAt?: string;
}

/** A change of one symbol's in-flight size on the book. */
export interface InFlightChange {
  symbol: string;
  side: 'buy' | 'sell';
  /** Positive adds exposure (approval); negative releases it (fill, rejection, block). */
  quantity: string;
}

/** A symbol the book has never seen: flat, nothing in flight. */
export const emptyBookEntry = (): BookEntry => ({ quantity: '0', inFlightBuy: '0', inFlightSell: '0' });
