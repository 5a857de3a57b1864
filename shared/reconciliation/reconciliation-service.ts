// The reconciliation service: compares the broker's positions with the table and reports every break. The
// broker is the source of truth; a broker that cannot be read is a break of its own, never "flat".
import { auditEntry } from '../audit/audit-entry';
import { DETAIL_TYPES, domainEvent } from '../events/catalog';
import { buildMeta } from '../events/envelope';
import { utcNow } from '../events/ids';
import type { ReconciliationBreak } from '../events/reconciliation-events';
import type { Broker, BrokerPosition } from '../ports/broker';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import type { ReconciliationRecord, TradingStore } from '../ports/trading-store';
import { METRICS, type Telemetry } from '../telemetry/telemetry';
import { diffPositions } from './diff';
import type { Position } from '../ledger/position';

export interface ReconciliationDeps {
  store: TradingStore;
  broker: Broker;
  bus: EventBus;
  clock: Clock;
  telemetry: Telemetry;
  /** Quantity difference tolerated before a break is reported. */
  tolerance?: string;
}

const SYSTEM_STRATEGY = 'reconciliation';

export const reconcileAccount = async (deps: ReconciliationDeps, account: string, runId: string): Promise<ReconciliationRecord> => {
  let brokerPositions: BrokerPosition[] | undefined;
  let localPositions: Position[] | undefined;
  const breaks: ReconciliationBreak[] = [];
  try {
    brokerPositions = await deps.broker.getPositions();
  } catch (error) {
    breaks.push({ kind: 'BROKER_UNREACHABLE', message: `broker positions unavailable: ${error instanceof Error ? error.message : String(error)}` });
  }
  try {
    localPositions = await deps.store.listPositions(account);
  } catch (error) {
    breaks.push({ kind: 'LOCAL_STATE_UNREADABLE', message: `table positions unavailable: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (brokerPositions && localPositions) breaks.push(...diffPositions(brokerPositions, localPositions, deps.tolerance));

  const failed = !brokerPositions || !localPositions;
  const completedAt = utcNow(deps.clock.now());
  const record: ReconciliationRecord = {
    account,
    runId,
    status: failed ? 'failed' : breaks.length ? 'breaks' : 'clean',
    completedAt,
    breaks,
  };
  deps.telemetry.count(METRICS.reconciliationBreaks, { account }, breaks.length);

  const metaFor = (detailType: string, discriminator: string) =>
    buildMeta({
      detailType,
      occurredAt: completedAt,
      correlationId: runId,
      causationId: runId,
      account,
      strategy: SYSTEM_STRATEGY,
      producer: 'reconciliation',
      discriminator,
    });
  const positionsCompared = new Set([...(brokerPositions ?? []), ...(localPositions ?? [])].map((p) => p.symbol)).size;
  // Events first: a break must reach the breaker even if recording the run then fails.
  await deps.bus.publish([
    ...breaks.map((b, i) =>
      domainEvent(DETAIL_TYPES.ReconciliationBreakFound, {
        meta: metaFor(DETAIL_TYPES.ReconciliationBreakFound, `${i}:${b.kind}:${b.symbol ?? ''}`),
        data: { runId, break: b },
      }),
    ),
    domainEvent(DETAIL_TYPES.ReconciliationCompleted, {
      meta: metaFor(DETAIL_TYPES.ReconciliationCompleted, 'completed'),
      data: { runId, status: record.status, positionsCompared, breaks },
    }),
  ]);
  await deps.store.recordReconciliation(
    record,
    auditEntry({
      account,
      occurredAt: completedAt,
      kind: 'RECONCILIATION_RUN',
      actor: 'reconciliation',
      correlationId: runId,
      causationId: runId,
      detail: { status: record.status, breaks: breaks.length, positionsCompared },
    }),
  );
  return record;
};
