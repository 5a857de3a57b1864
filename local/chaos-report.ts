// The chaos scenario's account of a run: the faults injected by kind, and the three invariants judged on the
// drained table (read with the session's own client, never the one chaos was injected into) and the venue's book.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { DETAIL_TYPES } from '../shared/events/catalog';
import { ORDER_STATUSES } from '../shared/orders/order-record';
import type { ReconciliationRecord } from '../shared/ports/reconciliation-store';
import { keys } from '../shared/storage/table-definition';
import { CHAOS_KINDS, DEATH_POINTS, type ChaosKind, type DeathPoint } from './chaos';
import type { SessionWiring } from './session-wiring';

export type ChaosInjected = Record<ChaosKind | 'brokerFault', number>;

export interface ChaosFigures {
  injected: ChaosInjected;
  /** handlerDeath by where the invocation died. */
  handlerDeaths: Record<DeathPoint, number>;
  brokerOrders: { total: number; duplicates: number };
  /** FILL items in the table, and executions at the simulated broker: equal when every fill was booked once. */
  fills: { booked: number; broker: number };
  reconciliation: { status: string; breaks: number };
  /** Intents the feed published, and those with an order item (each decision writes one): equal when none was lost. */
  intents: { published: number; decided: number };
  /** Every kind injected at least once, no duplicate broker order, fills booked = broker fills, every intent decided, reconciliation clean. */
  ok: boolean;
}

/** The account's FILL# items, counted page by page with a strongly consistent Query. */
export const bookedFills = async (w: SessionWiring): Promise<number> => {
  const { pk, sk: prefix } = keys.fill(w.settings.account, '');
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const out = await w.ddb.send(
      new QueryCommand({
        TableName: w.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :fill)',
        ExpressionAttributeValues: { ':pk': { S: pk }, ':fill': { S: prefix } },
        Select: 'COUNT',
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey as typeof start;
  } while (start);
  return count;
};

/** Why a chaos run failed, or undefined when it passed: the same judgement as `ok`, in words. */
export const chaosFailure = (figures: Omit<ChaosFigures, 'ok'>): string | undefined => {
  const missing = Object.entries(figures.injected).flatMap(([kind, count]) => (count < 1 ? [kind] : []));
  if (missing.length > 0) return `chaos injected no ${missing.join(', ')}: the run did not exercise every fault`;
  if (figures.brokerOrders.duplicates > 0) return `${figures.brokerOrders.duplicates} duplicate broker order(s) under chaos`;
  if (figures.fills.booked !== figures.fills.broker) return `${figures.fills.booked} fill(s) booked for ${figures.fills.broker} at the broker under chaos`;
  if (figures.intents.decided !== figures.intents.published) return `${figures.intents.decided} of ${figures.intents.published} published intent(s) decided under chaos`;
  if (figures.reconciliation.status !== 'clean' || figures.reconciliation.breaks > 0) return `reconciliation ${figures.reconciliation.status} with ${figures.reconciliation.breaks} break(s) under chaos`;
  return undefined;
};

export const chaosFigures = async (w: SessionWiring, finalRun: ReconciliationRecord | undefined): Promise<ChaosFigures | undefined> => {
  const chaos = w.chaos;
  if (!chaos) return undefined;
  const counts = chaos.injected();
  const injected = {
    ...(Object.fromEntries(CHAOS_KINDS.map((kind) => [kind, counts[kind]])) as Record<ChaosKind, number>),
    brokerFault: Object.values(w.broker.faultCount()).reduce((a, b) => a + b, 0),
  };
  const deaths = chaos.deathsByPoint();
  const figures = {
    injected,
    handlerDeaths: Object.fromEntries(DEATH_POINTS.map((point) => [point, deaths[point]])) as Record<DeathPoint, number>,
    brokerOrders: { total: w.broker.submittedOrderCount(), duplicates: w.broker.duplicateOrderCount() },
    fills: { booked: await bookedFills(w), broker: w.broker.fills().length },
    reconciliation: { status: finalRun?.status ?? 'failed', breaks: finalRun?.breaks.length ?? 1 },
    intents: { published: w.router.published.get(DETAIL_TYPES.OrderIntended) ?? 0, decided: (await w.stores.orderStore.listOrders(w.settings.account, ORDER_STATUSES)).filter((o) => o.origin !== 'external').length },
  };
  return { ...figures, ok: chaosFailure(figures) === undefined };
};
