// A FeedLeaseStore in memory with the DynamoDB adapter's conditions (the shared contract test holds both to
// them), for property tests that need thousands of steps; `failing` makes every call throw, as a storage
// outage would.
import type { FeedLeaseRecord, FeedLeaseStore } from '../../shared/ports/feed-lease-store';

export class MemoryFeedLeaseStore implements FeedLeaseStore {
  record: FeedLeaseRecord | undefined;
  failing = false;

  private check(): void {
    if (this.failing) throw new Error('storage unavailable');
  }

  async acquire(holder: string, nowMs: number, expiresAtMs: number, acquiredAt: string): Promise<boolean> {
    this.check();
    const held = this.record;
    if (held && held.expiresAtMs >= nowMs && held.holder !== holder) return false;
    this.record = { holder, expiresAtMs, acquiredAt };
    return true;
  }

  async renew(holder: string, expiresAtMs: number): Promise<boolean> {
    this.check();
    if (this.record?.holder !== holder) return false;
    this.record = { ...this.record, expiresAtMs };
    return true;
  }

  async release(holder: string): Promise<void> {
    this.check();
    if (this.record?.holder === holder) this.record = undefined;
  }

  async current(): Promise<FeedLeaseRecord | undefined> {
    this.check();
    return this.record ? { ...this.record } : undefined;
  }
}
