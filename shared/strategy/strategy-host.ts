// Hosts one strategy: feeds it ticks, validates what it proposes and publishes each valid proposal as an
// OrderIntended event with a deterministic intent id (run id + sequence), so a replayed run dedupes.
// A strategy that throws or proposes garbage gets nothing through; the failure is counted.
import { DETAIL_TYPES, domainEvent, type DomainEvent } from '../events/catalog';
import { buildMeta } from '../events/envelope';
import { utcNow } from '../events/ids';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import type { Telemetry } from '../telemetry/telemetry';
import { StrategyOrderSchema, type MarketTick, type Strategy } from './strategy';

export interface StrategyHostOptions {
  strategy: Strategy;
  account: string;
  /** Short run id (≤ 24 characters) so intent ids stay within the broker's 48-character limit. */
  runId: string;
  bus: EventBus;
  clock: Clock;
  telemetry: Telemetry;
}

export class StrategyHost {
  private sequence = 0;
  readonly intentIds: string[] = [];

  constructor(private readonly options: StrategyHostOptions) {
    if (!/^[A-Za-z0-9-]{1,24}$/.test(options.runId)) throw new RangeError('runId must be 1-24 letters, digits or "-"');
  }

  async onTicks(ticks: readonly MarketTick[]): Promise<number> {
    const { strategy, account, runId, bus, clock, telemetry } = this.options;
    const nowMs = clock.now();
    let proposals: unknown[];
    try {
      proposals = await strategy.onTicks(ticks, { account, nowMs });
    } catch {
      telemetry.count('StrategyFailed', { strategy: strategy.name });
      return 0;
    }
    const events: DomainEvent[] = [];
    for (const proposal of proposals ?? []) {
      const parsed = StrategyOrderSchema.safeParse(proposal);
      if (!parsed.success) {
        telemetry.count('StrategyProposalInvalid', { strategy: strategy.name });
        continue;
      }
      const intentId = `${runId}-${++this.sequence}`;
      const createdAt = utcNow(nowMs);
      events.push(
        domainEvent(DETAIL_TYPES.OrderIntended, {
          meta: buildMeta({
            detailType: DETAIL_TYPES.OrderIntended,
            occurredAt: createdAt,
            correlationId: intentId,
            causationId: ticks[0] ? `tick:${ticks[0].symbol}:${ticks[0].at}` : 'tick',
            account,
            strategy: strategy.name,
            producer: 'feed',
          }),
          data: { intentId, ...parsed.data, createdAt },
        }),
      );
      this.intentIds.push(intentId);
    }
    if (events.length > 0) await bus.publish(events);
    return events.length;
  }
}
