// The stored order: one item per intent, created by the risk decision and advanced by the order function.
// Status moves only along ORDER_TRANSITIONS; a move the table does not allow is recorded and alarmed, never
// applied. `filledQuantity` is the ledger's watermark: the fills applied so far, in cumulative order.
import type { OrderIntent } from '../events/order-events';
import type { DenialReason } from '../reasons/denial-reasons';
import type { TradableState } from '../trading-state/trading-state';

export const ORDER_STATUSES = [
  /** Approved by risk, queued, not yet sent. */
  'PENDING',
  'DENIED',
  /** Stopped before the broker by the order function's last check. */
  'BLOCKED',
  /** A worker holds the lease and is sending it. */
  'SUBMITTED',
  /** Sent, but the answer was ambiguous (timeout, 5xx, reset, 429): only a query by client order id settles it. */
  'IN_FLIGHT',
  'ACCEPTED',
  'PARTIALLY_FILLED',
  'FILLED',
  'PENDING_CANCEL',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const BROKER_LIVE: readonly OrderStatus[] = ['ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL'];

/**
 * Every allowed move. Real-world edges are in: a fill racing a cancel (PENDING_CANCEL → FILLED), a late fill
 * after the cancel or expiry was confirmed (CANCELED/EXPIRED → FILLED), an order the broker rejects after
 * accepting it. Self-moves (more fills in PARTIALLY_FILLED, a lease taken over in SUBMITTED) are listed.
 */
export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['SUBMITTED', 'BLOCKED', 'CANCELED'],
  SUBMITTED: ['SUBMITTED', 'IN_FLIGHT', 'BLOCKED', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'PENDING_CANCEL', 'CANCELED', 'REJECTED', 'EXPIRED'],
  IN_FLIGHT: ['IN_FLIGHT', 'SUBMITTED', 'BLOCKED', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'PENDING_CANCEL', 'CANCELED', 'REJECTED', 'EXPIRED'],
  ACCEPTED: ['PARTIALLY_FILLED', 'FILLED', 'PENDING_CANCEL', 'CANCELED', 'REJECTED', 'EXPIRED'],
  PARTIALLY_FILLED: ['PARTIALLY_FILLED', 'FILLED', 'PENDING_CANCEL', 'CANCELED', 'EXPIRED'],
  PENDING_CANCEL: ['PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED'],
  CANCELED: ['FILLED'],
  EXPIRED: ['FILLED'],
  FILLED: [],
  REJECTED: [],
  DENIED: [],
  BLOCKED: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean => ORDER_TRANSITIONS[from].includes(to);

/** Statuses after which a redelivered approval has nothing left to submit. */
export const isSettledForSubmission = (status: OrderStatus): boolean => status !== 'PENDING' && status !== 'SUBMITTED' && status !== 'IN_FLIGHT';

/**
 * Whether a claim for submission may take the order: PENDING, a SUBMITTED whose lease expired (its worker is
 * presumed dead), or one of `alsoFrom` (e.g. IN_FLIGHT when settling it).
 */
export const isClaimable = (order: Pick<OrderRecord, 'status' | 'leaseUntil'>, nowMs: number, alsoFrom: readonly OrderStatus[] = []): boolean =>
  order.status === 'PENDING' || (order.status === 'SUBMITTED' && order.leaseUntil !== undefined && order.leaseUntil < nowMs) || alsoFrom.includes(order.status);

/** Statuses that count as an open order (for the open-order limit and the in-flight exposure). */
export const isOpenStatus = (status: OrderStatus): boolean =>
  status === 'PENDING' || status === 'SUBMITTED' || status === 'IN_FLIGHT' || BROKER_LIVE.includes(status);

/** Statuses in which the broker may still fill the order. */
export const isBrokerLive = (status: OrderStatus): boolean => BROKER_LIVE.includes(status);

export interface OrderRecord {
  account: string;
  strategy: string;
  intent: OrderIntent;
  status: OrderStatus;
  /** Why risk denied or the order function blocked it. */
  reason?: DenialReason;
  /** Why the broker rejected it, or why it was given up (e.g. never reached the broker). */
  rejectReason?: string;
  /** Every check that failed, in evaluation order (denials only). */
  failedChecks?: DenialReason[];
  message?: string;
  notional?: string;
  /** What risk approved: the requested size, or less in WARNING. */
  approvedQuantity?: string;
  brokerOrderId?: string;
  /** Cumulative quantity of the fills applied to the ledger: the watermark for exactly-once fills. */
  filledQuantity: string;
  /** Σ quantity × price of the applied fills (average price = filledNotional / filledQuantity). */
  filledNotional?: string;
  /** What the broker last reported as filled; above filledQuantity while fills are still to be fetched. */
  brokerFilledQuantity?: string;
  /** The broker's updated-at of the last snapshot applied: older snapshots do not move the status. */
  brokerUpdatedAt?: string;
  /** How much this order currently adds to the book's in-flight size (approved − filled while open, else 0). */
  inFlight?: string;
  /** 'external': found at the broker without an intent of ours, adopted by reconciliation. */
  origin?: 'strategy' | 'external';
  createdAt: string;
  updatedAt: string;
  /** When the ambiguous submission happened (IN_FLIGHT). */
  inFlightSince?: string;
  leaseOwner?: string;
  leaseUntil?: number;
  /**
   * The last time a worker passed the kill gate with this order (epoch ms of its clock when it sent the claim,
   * which committed only while the account could trade) and the trading state it passed under.
   */
  gatePassedAt?: number;
  gateState?: TradableState;
  /** Optimistic-concurrency version; every write of the order bumps it. */
  version?: number;
}
