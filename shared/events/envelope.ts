// The envelope every event carries: deterministic id, UTC time, correlation (the intent id follows an order
// through every event), causation, account, strategy and producing component.
import * as z from 'zod';
import { AccountIdSchema, StrategyIdSchema, UtcTimestampSchema, deterministicId } from './ids';

export const PRODUCERS = ['feed', 'risk', 'order', 'reconciliation', 'operator', 'breaker', 'dead-man-switch'] as const;
export type Producer = (typeof PRODUCERS)[number];

/** EventBridge `source` per producer: rules match on it, so it never changes. */
export const EVENT_SOURCES: Record<Producer, string> = {
  feed: 'trading.feed',
  risk: 'trading.risk',
  order: 'trading.order',
  reconciliation: 'trading.reconciliation',
  operator: 'trading.operator',
  breaker: 'trading.breaker',
  'dead-man-switch': 'trading.dead-man-switch',
};

export const MetaSchema = z.object({
  eventId: z.string().regex(/^evt_[0-9a-f]{32}$/, { error: 'must be evt_ followed by 32 hex digits' }),
  occurredAt: UtcTimestampSchema,
  correlationId: z.string().min(1, { error: 'must not be empty' }).max(128),
  causationId: z.string().min(1, { error: 'must not be empty' }).max(128),
  account: AccountIdSchema,
  strategy: StrategyIdSchema,
  producer: z.enum(PRODUCERS),
});
export type Meta = z.infer<typeof MetaSchema>;

export interface MetaInput {
  detailType: string;
  occurredAt: string;
  correlationId: string;
  causationId: string;
  account: string;
  strategy: string;
  producer: Producer;
  /** What makes this event unique within its correlation (e.g. a trade id); defaults to the detail type. */
  discriminator?: string;
}

export const buildMeta = (input: MetaInput): Meta => ({
  eventId: deterministicId('evt', input.detailType, input.correlationId, input.causationId, input.discriminator ?? ''),
  occurredAt: input.occurredAt,
  correlationId: input.correlationId,
  causationId: input.causationId,
  account: input.account,
  strategy: input.strategy,
  producer: input.producer,
});
