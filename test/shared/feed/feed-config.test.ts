// The feed's configuration: an environment overrides the reference-data refresh field by field, and a refresh
// that could not run as configured (a time that is no time, retries that shrink) is refused by field and rule.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEED_CONFIG, FeedConfigOverrideSchema, resolveFeedConfig } from '../../../shared/feed/feed-config';

describe('the reference-data configuration', () => {
  it('defaults to 20 sessions of SIP volume, refreshed at 12:00 UTC, retried after a minute doubling to 30 minutes', () => {
    expect(resolveFeedConfig(undefined).referenceData).toEqual({ advDays: 20, refreshAtUtc: '12:00', volumeFeed: 'sip', retryFirstMs: 60_000, retryMaxMs: 1_800_000 });
  });

  it('takes an environment’s fields one by one over the defaults', () => {
    const config = resolveFeedConfig(FeedConfigOverrideSchema.parse({ referenceData: { advDays: 10, volumeFeed: 'iex' } }));
    expect(config.referenceData).toEqual({ ...DEFAULT_FEED_CONFIG.referenceData, advDays: 10, volumeFeed: 'iex' });
  });

  it('refuses a refresh time that is no HH:MM, an unknown feed, and retries that would shrink', () => {
    expect(() => resolveFeedConfig({ referenceData: { refreshAtUtc: '24:00' } })).toThrow(/HH:MM/);
    expect(FeedConfigOverrideSchema.safeParse({ referenceData: { volumeFeed: 'otc' } }).success).toBe(false);
    expect(() => resolveFeedConfig({ referenceData: { retryFirstMs: 120_000, retryMaxMs: 60_000 } })).toThrow(/retryFirstMs must not be longer than retryMaxMs/);
    expect(() => resolveFeedConfig({ referenceData: { advDays: 0 } })).toThrow(/advDays/);
  });
});
