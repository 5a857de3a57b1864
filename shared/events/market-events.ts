// Market-data contracts: MarketSourceSwitched says the feed changed the source its marks come from, or that
// it has none left (`to` null: it writes no marks until a source is healthy again). One event per switch;
// its ids derive from the feed, the switch and its time, so a replayed switch is the same event.
import * as z from 'zod';
import { utcNow } from '../time/utc';
import { buildMeta, MetaSchema } from './envelope';
import { deterministicId, UtcTimestampSchema } from './ids';

/**
 * SOURCE_SILENT: the active source delivered no accepted data for the failover's silence. SOURCE_DOWN: it was
 * not live (disconnected, refused, closed) that long. PRIMARY_RESTORED: the primary was healthy for the hold.
 * SOURCE_RECOVERED: with no active source, a source became healthy.
 */
export const SOURCE_SWITCH_REASONS = ['SOURCE_SILENT', 'SOURCE_DOWN', 'PRIMARY_RESTORED', 'SOURCE_RECOVERED'] as const;
export const SourceSwitchReasonSchema = z.enum(SOURCE_SWITCH_REASONS);
export type SourceSwitchReason = z.infer<typeof SourceSwitchReasonSchema>;

/** A market-data source's name as metrics and reports carry it (MarketDataSource.name). */
export const SourceNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'must be 1-64 characters of letters, digits, "_", ".", ":" or "-"' });

/** The strategy the envelope names for the feed's own events, which belong to no strategy. */
export const FEED_ACTOR = 'feed';

export const MarketSourceSwitchedDetailSchema = z
  .object({
    meta: MetaSchema,
    data: z
      .object({
        feedId: z.string().min(1, { error: 'must not be empty' }).max(128),
        /** The source marks came from before; null when there was none. */
        from: SourceNameSchema.nullable(),
        /** The source marks come from now; null when no source is healthy. */
        to: SourceNameSchema.nullable(),
        reason: SourceSwitchReasonSchema,
        switchedAt: UtcTimestampSchema,
      })
      .strict()
      .refine((d) => d.from !== d.to, { error: 'from and to must differ', path: ['to'] }),
  })
  .strict();
export type MarketSourceSwitchedDetail = z.infer<typeof MarketSourceSwitchedDetailSchema>;

export interface MarketSourceSwitchedInput {
  account: string;
  feedId: string;
  from: string | undefined;
  to: string | undefined;
  reason: SourceSwitchReason;
  /** Epoch ms of the switch (the feed's clock). */
  atMs: number;
}

/** The event's detail for one switch, produced by the feed and correlated by the feed's id. */
export const marketSourceSwitchedDetail = (input: MarketSourceSwitchedInput): MarketSourceSwitchedDetail => {
  const switchedAt = utcNow(input.atMs);
  const causationId = deterministicId('sws', input.feedId, input.from ?? '', input.to ?? '', switchedAt);
  return {
    meta: buildMeta({
      detailType: 'MarketSourceSwitched.v1',
      occurredAt: switchedAt,
      correlationId: input.feedId,
      causationId,
      account: input.account,
      strategy: FEED_ACTOR,
      producer: 'feed',
    }),
    data: { feedId: input.feedId, from: input.from ?? null, to: input.to ?? null, reason: input.reason, switchedAt },
  };
};
