// The peak resident set size a local run reports, in megabytes: it only ever rises as samples are taken.
import { describe, expect, it } from 'vitest';
import { PeakRss } from '../../local/peak-rss';

describe('the peak RSS', () => {
  it('starts from the resident size at its creation and never goes down when sampled', () => {
    const peak = new PeakRss();
    const first = peak.megabytes;
    expect(first).toBeGreaterThan(0);
    peak.sample();
    expect(peak.megabytes).toBeGreaterThanOrEqual(first);
  });
});
