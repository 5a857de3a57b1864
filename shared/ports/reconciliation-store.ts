// Reconciliation's storage port: the local side of the comparison with the broker (orders, positions, the
// account book) and the writes a run may make: adopting an order the broker holds and we do not, setting
// the cash to the broker's only if it did not move since it was read, and the run's record.
import type { AuditEntry } from '../audit/audit-entry';
import type { ReconciliationBreak } from '../events/reconciliation-events';
import type { AccountBook, InFlightChange } from '../ledger/account-book';
import type { Position } from '../ledger/position';
import type { OrderRecord, OrderStatus } from '../orders/order-record';

export interface ReconciliationRecord {
  account: string;
  runId: string;
  status: 'clean' | 'breaks' | 'failed';
  completedAt: string;
  breaks: ReconciliationBreak[];
  /** Local live orders checked against the broker plus broker open orders checked against the table. */
  ordersCompared?: number;
  /** Broker orders without a local record, adopted as external in this run. */
  adopted?: number;
  /** IN_FLIGHT orders settled in this run. */
  settled?: number;
  /** Cash as read on both sides (local before any sync); absent when either side could not be read. */
  cash?: { broker: string; local: string };
}

/** A reconciliation's cash write: the book's cash becomes the broker's only if it is still what was read. */
export interface CashSyncInput {
  brokerCash: string;
  /** The local cash the decision was made on; the write fails ('moved') if the book moved since. */
  expectedLocalCash: string;
  /** ISO-8601: stored as the book's `cashSyncedAt`. */
  at: string;
  audit: AuditEntry;
}

export interface ReconciliationStore {
  /** Strongly consistent. */
  getOrder(account: string, intentId: string): Promise<OrderRecord | undefined>;
  /** Orders of the account in any of these statuses. */
  listOrders(account: string, statuses: readonly OrderStatus[]): Promise<OrderRecord[]>;
  /**
   * Creates an order found at the broker without a local record; false when one exists already. With
   * `inFlight`, its unfilled size is added to the book's in-flight size in the same write (as an approval
   * does), so risk counts the external exposure.
   */
  adoptOrder(order: OrderRecord, audit: AuditEntry, inFlight?: InFlightChange): Promise<boolean>;
  /** Every position item of the account, strongly consistent. */
  listPositions(account: string): Promise<Position[]>;
  /** Strongly consistent: the account book (cash, per-symbol quantity and in-flight sizes, cashSyncedAt). */
  getBook(account: string): Promise<AccountBook>;
  /**
   * Sets the book's cash to the broker's and stamps `cashSyncedAt`, with the audit entry, in one write;
   * 'moved' when the cash is no longer `expectedLocalCash` (a fill landed meanwhile) and nothing was written.
   */
  syncCash(account: string, input: CashSyncInput): Promise<'synced' | 'moved'>;
  /** Stores the run as the account's latest (RECONCILIATION#LATEST) with its audit entry. */
  recordReconciliation(record: ReconciliationRecord, audit: AuditEntry): Promise<void>;
  /** The latest run of the account, strongly consistent. */
  getReconciliation(account: string): Promise<ReconciliationRecord | undefined>;
}
