// The order function's storage port: the order, its submission lease, the position and the account book it
// moves. Every write is one conditional transaction on the order's version, so fills are booked exactly
// once whatever order or how often the broker's views arrive.
import type { AuditEntry } from '../audit/audit-entry';
import type { BookEntry, InFlightChange } from '../ledger/account-book';
import type { Position } from '../ledger/position';
import type { OrderRecord, OrderStatus } from '../orders/order-record';
import type { DenialReason } from '../reasons/denial-reasons';
import type { TradableState, TradingState } from '../trading-state/trading-state';
import type { ApprovalEntry } from './risk-store';

/** A fill booked with an order update: keyed by (brokerOrderId, cumulativeQuantity), written once. */
export interface BookedFill {
  executionId: string;
  brokerOrderId: string;
  cumulativeQuantity: string;
  quantity: string;
  price: string;
  at: string;
}

/**
 * One conditional write of an order and everything that moves with it: written only if the order is still
 * at `expectedVersion` (ConcurrentUpdateError otherwise: reload and reduce again).
 */
export interface OrderUpdateInput {
  account: string;
  intentId: string;
  expectedVersion: number;
  /** When set, the write also requires this worker to hold the submission lease. */
  leaseOwner?: string;
  set: {
    status: OrderStatus;
    brokerOrderId?: string;
    filledQuantity?: string;
    filledNotional?: string;
    brokerFilledQuantity?: string;
    brokerUpdatedAt?: string;
    inFlight?: string;
    reason?: DenialReason;
    rejectReason?: string;
    inFlightSince?: string;
    updatedAt: string;
  };
  /** Drop the submission lease (the submitter is done, or gives the order up). */
  releaseLease: boolean;
  fills: BookedFill[];
  /** The position after the fills, written only if its stored version is `before.version`. */
  position?: { before: Position; after: Position };
  cashDelta: string;
  /** The change of the order's in-flight size on the book (negative releases exposure). */
  inFlight?: InFlightChange;
  openOrdersDelta: -1 | 0 | 1;
  /** The strategy whose fills these are, and the second they count in for the execution throttle. */
  throttle?: { strategy: string; bucketStartMs: number };
  audit: AuditEntry[];
}

/**
 * A successful claim passed the kill gate: it committed only while the account's trading state was the
 * tradable `gateState` (checked in the same write), at `gatePassedAt` (recorded on the order). It says
 * whether it took over an expired lease: the previous worker may have reached the broker before it died, so
 * the new one must ask the broker before deciding anything else. An order the claim could otherwise have
 * taken, refused only because trading is stopped, comes back with `tradingStopped` and the state it found
 * (undefined: missing), or `strategyDisabled` when the order's strategy was switched off, for the caller to
 * block or settle without sending it.
 */
export type ClaimResult =
  | { claimed: true; order: OrderRecord; previousStatus: OrderStatus; tookOverExpiredLease: boolean; gateState: TradableState; gatePassedAt: number }
  | { claimed: false; order: OrderRecord | undefined; tradingStopped?: undefined }
  | { claimed: false; order: OrderRecord; tradingStopped: { state: TradingState | undefined; strategyDisabled?: boolean } };

export interface OrderStore {
  /** Strongly consistent. */
  getOrder(account: string, intentId: string): Promise<OrderRecord | undefined>;
  /**
   * Takes the submission lease: from PENDING, an expired SUBMITTED lease, or `alsoFrom` (e.g. IN_FLIGHT),
   * in one write conditional on the account's trading state being tradable (the kill gate: no claim commits
   * once HALTED or KILLED is durable); `claimed: false` with the order as stored otherwise.
   */
  claimForSubmission(account: string, intentId: string, owner: string, nowMs: number, leaseMs: number, alsoFrom?: readonly OrderStatus[]): Promise<ClaimResult>;
  /** Strongly consistent; a symbol never traded reads as flat. */
  getPosition(account: string, symbol: string): Promise<Position>;
  /** Strongly consistent: the symbol's quantity and in-flight sizes in the account book. */
  getBookEntry(account: string, symbol: string): Promise<BookEntry>;
  /** ConcurrentUpdateError when the order or the position moved since they were read. */
  recordOrderUpdate(input: OrderUpdateInput): Promise<void>;
  /** Orders of the account in any of these statuses (cancel-all, settlement, the dead-man switch). */
  listOrders(account: string, statuses: readonly OrderStatus[]): Promise<OrderRecord[]>;
  /**
   * Appends a cancel sent to the broker to the account's rate window with its audit entry, in one write:
   * it moves the window's version, so a risk decision racing with it re-reads the window and counts the
   * cancel. 'duplicate' (nothing written) when the audit entry exists: a replayed request counts once.
   */
  recordCancelMessage(account: string, entry: ApprovalEntry, audit: AuditEntry): Promise<'recorded' | 'duplicate'>;
  /** Appends audit entries on their own (operator commands); an entry already written is skipped. */
  recordAudit(entries: readonly AuditEntry[]): Promise<void>;
}
