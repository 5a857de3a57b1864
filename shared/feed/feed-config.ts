// The feed's configuration: validation limits, source failover, conflation and heartbeat periods, intent
// publishing bounds, strategy isolation, the lease, readiness and the reference-data refresh. Every field has a
// default; an environment overrides what it needs.
import * as z from 'zod';
import { SymbolSchema } from '../events/ids';
import { PositiveDecimalStringSchema } from '../money/decimal';

/** The reference-data refresh (ADV from daily bars, sectors from the document): docs/feed.md, "Reference data". */
const ReferenceDataConfigObject = z
  .object({
    /** ADV is the mean volume of this many complete sessions (daily bars before today); fewer bars, no ADV. */
    advDays: z.number().int().min(1).max(250),
    /** The daily refresh, UTC HH:MM (besides the one when the feed starts leading); 12:00 is before the US open all year. */
    refreshAtUtc: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a 24-hour HH:MM time (UTC)' }),
    /** Alpaca's feed the daily bars are read from: `sip` is every US venue's volume, `iex` one exchange's (a few per cent of it). */
    volumeFeed: z.enum(['iex', 'sip']),
    /** A failed refresh is tried again after this long, doubling up to `retryMaxMs`; the stored reference stays meanwhile. */
    retryFirstMs: z.number().int().positive(),
    retryMaxMs: z.number().int().positive(),
  })
  .strict();

export const ReferenceDataConfigSchema = ReferenceDataConfigObject.refine((reference) => reference.retryFirstMs <= reference.retryMaxMs, {
  error: 'retryFirstMs must not be longer than retryMaxMs',
  path: ['retryFirstMs'],
});
export type ReferenceDataConfig = z.infer<typeof ReferenceDataConfigSchema>;

export const FeedConfigSchema = z
  .object({
    validation: z
      .object({
        /** Ask − bid at most this many basis points of the mid. */
        maxSpreadBps: z.number().int().positive(),
        /** An exchange time at most this far ahead of the feed's clock. */
        maxFutureSkewMs: z.number().int().nonnegative(),
        /** An exchange time at most this old when it arrives. */
        maxAgeMs: z.number().int().positive(),
        /** A move beyond this fraction of the last accepted price is quarantined until confirmed. */
        maxJumpFraction: PositiveDecimalStringSchema,
        /** A subscribed symbol silent this long while its market is open is reported silent. */
        silentAfterMs: z.number().int().positive(),
      })
      .strict(),
    failover: z
      .object({
        /** The active source silent (or sending only rejected data) this long: switch to the other. */
        silenceMs: z.number().int().positive(),
        /** The primary healthy this long before the feed switches back to it. */
        holdMs: z.number().int().positive(),
      })
      .strict(),
    conflation: z
      .object({
        /** Each symbol's mark is written at most once per interval. */
        markIntervalMs: z.number().int().positive(),
        heartbeatIntervalMs: z.number().int().positive(),
      })
      .strict(),
    publishing: z
      .object({
        /** Intents waiting for PutEvents at most; beyond it the strategy host waits (backpressure). */
        bufferCapacity: z.number().int().positive(),
        /** PutEvents limits: 10 entries and 256 KB a call. */
        maxBatchEntries: z.number().int().min(1).max(10),
        maxBatchBytes: z.number().int().positive().max(256 * 1024),
      })
      .strict(),
    strategies: z
      .object({
        /** A strategy's tick taking longer than this is abandoned and counted as a timeout. */
        tickBudgetMs: z.number().int().positive(),
        /** Consecutive errors or timeouts after which the strategy is disabled (and on-call told). */
        maxConsecutiveFailures: z.number().int().positive(),
      })
      .strict(),
    lease: z
      .object({
        /** A lease not renewed for this long may be taken by another feed. */
        ttlMs: z.number().int().positive(),
        /**
         * The holder stops trusting its lease this long before it expires (its renewals failing): the margin
         * covers clock skew between two tasks, so the old leader has stopped before a new one may start.
         */
        trustMarginMs: z.number().int().positive(),
        /** A feed waiting for the lease asks again this often. */
        retryMs: z.number().int().positive(),
      })
      .strict()
      .refine((lease) => lease.trustMarginMs < lease.ttlMs, { error: 'trustMarginMs must be shorter than ttlMs', path: ['trustMarginMs'] }),
    readiness: z
      .object({
        /** While a subscribed market is open, marks written longer ago than this mean the feed is not ready. */
        marksFreshMs: z.number().int().positive(),
      })
      .strict(),
    referenceData: ReferenceDataConfigSchema,
  })
  .strict();
export type FeedConfig = z.infer<typeof FeedConfigSchema>;

export const DEFAULT_FEED_CONFIG: FeedConfig = {
  validation: { maxSpreadBps: 500, maxFutureSkewMs: 2_000, maxAgeMs: 10_000, maxJumpFraction: '0.10', silentAfterMs: 30_000 },
  failover: { silenceMs: 5_000, holdMs: 30_000 },
  conflation: { markIntervalMs: 1_000, heartbeatIntervalMs: 1_000 },
  publishing: { bufferCapacity: 1_000, maxBatchEntries: 10, maxBatchBytes: 256 * 1024 },
  strategies: { tickBudgetMs: 250, maxConsecutiveFailures: 5 },
  lease: { ttlMs: 15_000, trustMarginMs: 5_000, retryMs: 2_000 },
  readiness: { marksFreshMs: 10_000 },
  referenceData: { advDays: 20, refreshAtUtc: '12:00', volumeFeed: 'sip', retryFirstMs: 60_000, retryMaxMs: 30 * 60_000 },
};

/** Partial sections override the defaults field by field. */
export const FeedConfigOverrideSchema = z
  .object({
    validation: FeedConfigSchema.shape.validation.partial().optional(),
    failover: FeedConfigSchema.shape.failover.partial().optional(),
    conflation: FeedConfigSchema.shape.conflation.partial().optional(),
    publishing: FeedConfigSchema.shape.publishing.partial().optional(),
    strategies: FeedConfigSchema.shape.strategies.partial().optional(),
    lease: z.object({ ttlMs: z.number().int().positive(), trustMarginMs: z.number().int().positive(), retryMs: z.number().int().positive() }).partial().strict().optional(),
    readiness: FeedConfigSchema.shape.readiness.partial().optional(),
    referenceData: ReferenceDataConfigObject.partial().optional(),
  })
  .strict();
export type FeedConfigOverride = z.infer<typeof FeedConfigOverrideSchema>;

export const resolveFeedConfig = (override: FeedConfigOverride | undefined): FeedConfig =>
  FeedConfigSchema.parse({
    validation: { ...DEFAULT_FEED_CONFIG.validation, ...override?.validation },
    failover: { ...DEFAULT_FEED_CONFIG.failover, ...override?.failover },
    conflation: { ...DEFAULT_FEED_CONFIG.conflation, ...override?.conflation },
    publishing: { ...DEFAULT_FEED_CONFIG.publishing, ...override?.publishing },
    strategies: { ...DEFAULT_FEED_CONFIG.strategies, ...override?.strategies },
    lease: { ...DEFAULT_FEED_CONFIG.lease, ...override?.lease },
    readiness: { ...DEFAULT_FEED_CONFIG.readiness, ...override?.readiness },
    referenceData: { ...DEFAULT_FEED_CONFIG.referenceData, ...override?.referenceData },
  });

/** A market-data source the feed task connects to: one of Alpaca's feeds, or Coinbase Exchange (crypto pairs). */
export const MarketSourceConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('alpaca'), feed: z.enum(['iex', 'sip', 'crypto', 'test']) }).strict(),
  z.object({ kind: z.literal('coinbase') }).strict(),
]);
export type MarketSourceConfig = z.infer<typeof MarketSourceConfigSchema>;

export const MarketSubscriptionSchema = z
  .object({
    symbols: z.array(SymbolSchema).min(1, { error: 'must name at least one symbol' }),
    /** Primary first; the others take over when it is silent or down. */
    sources: z.array(MarketSourceConfigSchema).min(1, { error: 'must name at least one source' }),
  })
  .strict();
export type MarketSubscription = z.infer<typeof MarketSubscriptionSchema>;
