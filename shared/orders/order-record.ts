// The stored order: one item per intent, created by the risk decision and advanced by the order function.
// Status only moves forward along ORDER_TRANSITIONS; a write that would move it elsewhere is refused.
import type { OrderIntent } from '../events/order-events';
import type { DenialReason } from '../risk/reasons';

export const ORDER_STATUSES = [
  'APPROVED',
  'DENIED',
  'BLOCKED',
  'SUBMITTING',
  'ACCEPTED',
  'PARTIALLY_FILLED',
  'FILLED',
  'REJECTED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  APPROVED: ['SUBMITTING', 'BLOCKED'],
  SUBMITTING: ['SUBMITTING', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'REJECTED', 'BLOCKED'],
  ACCEPTED: ['PARTIALLY_FILLED', 'FILLED'],
  PARTIALLY_FILLED: ['PARTIALLY_FILLED', 'FILLED'],
  DENIED: [],
  BLOCKED: [],
  FILLED: [],
  REJECTED: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean => ORDER_TRANSITIONS[from].includes(to);

/** Statuses after which a redelivered approval has nothing left to do. */
export const isSettledForSubmission = (status: OrderStatus): boolean =>
  status !== 'APPROVED' && status !== 'SUBMITTING';

export interface OrderRecord {
  account: string;
  strategy: string;
  intent: OrderIntent;
  status: OrderStatus;
  reason?: DenialReason;
  /** Every check that failed, in evaluation order (denials only). */
  failedChecks?: DenialReason[];
  message?: string;
  notional?: string;
  /** What risk approved: the requested size, or less in WARNING. */
  approvedQuantity?: string;
  brokerOrderId?: string;
  filledQuantity: string;
  createdAt: string;
  updatedAt: string;
  leaseOwner?: string;
  leaseUntil?: number;
}
