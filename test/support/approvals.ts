// Records an approval the way the risk function does (order PENDING, its size in flight and counted open)
// and returns the queue message it would send: the order service and reconciliation tests start from here.
import { auditEntry } from '../../shared/audit/audit-entry';
import { DETAIL_TYPES } from '../../shared/events/catalog';
import { buildMeta } from '../../shared/events/envelope';
import type { ApprovedOrderMessage } from '../../shared/ports/order-queue';
import type { RiskStore } from '../../shared/ports/risk-store';
import { ACCOUNT, intentFor, STRATEGY } from './fixtures';

export const recordApproval = async (
  store: Pick<RiskStore, 'recordDecisions'>,
  intentId: string,
  over: Parameters<typeof intentFor>[1] = {},
  strategy: string = STRATEGY,
): Promise<ApprovedOrderMessage> => {
  const intent = intentFor(intentId, over);
  const at = '2026-11-23T15:00:00.000Z';
  await store.recordDecisions({
    account: ACCOUNT,
    orders: [{ account: ACCOUNT, strategy, intent, status: 'PENDING', approvedQuantity: intent.quantity, inFlight: intent.quantity, notional: '0', filledQuantity: '0', createdAt: at, updatedAt: at, origin: 'strategy', version: 1 }],
    audit: [auditEntry({ account: ACCOUNT, occurredAt: at, kind: 'RISK_DECISION', actor: 'test', correlationId: intentId, causationId: 'test', detail: {} })],
    inFlight: [{ symbol: intent.symbol, side: intent.side, quantity: intent.quantity }],
    throttleTrips: [],
    throttlePrune: [],
  });
  const meta = buildMeta({ detailType: DETAIL_TYPES.OrderApproved, occurredAt: at, correlationId: intentId, causationId: 'test', account: ACCOUNT, strategy, producer: 'risk' });
  return { meta, data: { intent, approvedAt: at, approvedQuantity: intent.quantity, notional: '0' } };
};
