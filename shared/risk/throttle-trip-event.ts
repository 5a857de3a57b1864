// The event a decision that trips the execution throttle publishes with its outcome, so that on-call is paged
// (the route table takes it to the breaker function, which has the pager). Pure. Invariant: only the decision
// that tripped the scope emits it (later ones find the scope disabled, not tripped), so one trip pages once.
import { DETAIL_TYPES, domainEvent, type DetailOf, type DomainEvent } from '../events/catalog';
import { buildMeta } from '../events/envelope';

type IntendedDetail = DetailOf<'OrderIntended.v1'>;

export const throttleTripEvents = (intended: IntendedDetail, trip: { strategy: string; fills: number } | undefined, nowIso: string): DomainEvent[] => {
  if (!trip) return [];
  const { account, strategy } = intended.meta;
  const { intentId } = intended.data;
  const meta = buildMeta({
    detailType: DETAIL_TYPES.ExecutionThrottleTripped,
    occurredAt: nowIso,
    correlationId: intentId,
    causationId: intended.meta.eventId,
    account,
    strategy,
    producer: 'risk',
  });
  return [domainEvent(DETAIL_TYPES.ExecutionThrottleTripped, { meta, data: { account, scope: trip.strategy, fills: trip.fills, intentId, trippedAt: nowIso } })];
};
