// Drives one intent through the real decision record and the real order service, without a queue: the
// quickest honest way to put a position in the table and in the broker's book.
import { auditEntry } from '../../shared/audit/audit-entry';
import { DETAIL_TYPES } from '../../shared/events/catalog';
import { buildMeta } from '../../shared/events/envelope';
import type { Broker } from '../../shared/ports/broker';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import { processApprovedOrder } from '../../shared/order-service/submission';
import type { TradingStores } from '../../adapters/dynamodb/dynamo-stores';
import type { TableSeeder } from '../../adapters/dynamodb/table-seeder';
import { ACCOUNT, intentFor, ManualClock, RecordingBus, STRATEGY } from './fixtures';

export const executeIntent = async (
  table: { stores: TradingStores; seeder: TableSeeder },
  broker: Broker,
  intentId: string,
  over: Parameters<typeof intentFor>[1] = {},
): Promise<void> => {
  const { stores, seeder } = table;
  const intent = intentFor(intentId, over);
  const at = '2026-11-23T15:00:00.000Z';
  await stores.riskStore.recordDecisions({
    account: ACCOUNT,
    orders: [{ account: ACCOUNT, strategy: STRATEGY, intent, status: 'PENDING', notional: '0', filledQuantity: '0', createdAt: at, updatedAt: at }],
    audit: [auditEntry({ account: ACCOUNT, occurredAt: at, kind: 'RISK_DECISION', actor: 'test', correlationId: intentId, causationId: 'test', detail: {} })],
    inFlight: [],
    throttleTrips: [],
    throttlePrune: [],
  });
  const meta = buildMeta({
    detailType: DETAIL_TYPES.OrderApproved,
    occurredAt: at,
    correlationId: intentId,
    causationId: 'test',
    account: ACCOUNT,
    strategy: STRATEGY,
    producer: 'risk',
  });
  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', at);
  const outcome = await processApprovedOrder(
    { ...stores, broker, bus: new RecordingBus(), clock: new ManualClock(), telemetry: new InMemoryTelemetry(), workerId: 'test', leaseMs: 10_000 },
    { meta, data: { intent, approvedAt: at, approvedQuantity: intent.quantity, notional: '0' } },
  );
  if (outcome !== 'submitted') throw new Error(`expected ${intentId} to be submitted, got ${outcome}`);
};
