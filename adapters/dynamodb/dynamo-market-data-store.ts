// DynamoDB adapter for the MarketDataStore port: one item each for the marks, the reference data, each market's
// calendar and the feed's heartbeat under MARKET. Marks, calendars and the heartbeat only move forward in time;
// the marks and reference items carry the item revision a warm risk function keys its valuation on.
import { StoredCalendarSchema, type StoredCalendar } from '../../shared/calendar/broker-calendar';
import type { MarketId } from '../../shared/calendar/trading-calendar';
import { InvalidInputError } from '../../shared/errors/errors';
import { parseOrThrow } from '../../shared/errors/zod-issues';
import type { FeedHeartbeat, InstrumentReference, Mark } from '../../shared/market/marks';
import type { MarketDataStore, MarkTick } from '../../shared/ports/market-data-store';
import { keys, MARK_PREFIX, REFERENCE_PREFIX } from '../../shared/storage/table-definition';
import type { DynamoTable } from './dynamo-table';
import { itemToMarks, n, revise } from './items';

/** The newest tick of each symbol that is newer than the mark known for it (marks only move forward). */
const newerMarks = (ticks: readonly MarkTick[], current: Readonly<Record<string, Mark>> | undefined): Map<string, Mark> => {
  const latest = new Map<string, Mark>();
  for (const tick of ticks) {
    const known = latest.get(tick.symbol) ?? current?.[tick.symbol];
    if (!known || known.at < tick.at) latest.set(tick.symbol, tick);
  }
  return latest;
};

export class DynamoMarketDataStore implements MarketDataStore {
  constructor(private readonly table: DynamoTable) {}

  /**
   * The feed's conflated write: every symbol that ticked since its last write, in one update of the marks
   * item. A mark older than the stored one for its symbol is skipped (marks only move forward).
   */
  async putMarks(ticks: readonly MarkTick[], current?: Readonly<Record<string, Mark>>): Promise<void> {
    const latest = newerMarks(ticks, current);
    if (latest.size === 0) return;
    const entries = [...latest.entries()];
    const revision = revise([...latest.keys()]);
    await this.table.update('UpdateItem (marks)', {
      Key: keys.marks(),
      UpdateExpression: `SET ${entries.map((_, i) => `#m${i} = :m${i}`).join(', ')}, ${revision.set} ADD ${revision.add}`,
      ExpressionAttributeNames: { ...Object.fromEntries(entries.map(([symbol], i) => [`#m${i}`, `${MARK_PREFIX}${symbol}`])), ...revision.names },
      ExpressionAttributeValues: { ...Object.fromEntries(entries.map(([, m], i) => [`:m${i}`, { price: m.price, at: m.at, ...(m.source ? { source: m.source } : {}) }])), ...revision.values },
    });
  }

  async getMarks(): Promise<Record<string, Mark>> {
    return itemToMarks(await this.table.get('GetItem', keys.marks()));
  }

  /** The daily reference load: average daily volume and sector per symbol. */
  async putReference(reference: Readonly<Record<string, InstrumentReference>>): Promise<void> {
    const entries = Object.entries(reference);
    if (entries.length === 0) return;
    const revision = revise(entries.map(([symbol]) => symbol));
    await this.table.update('UpdateItem (reference)', {
      Key: keys.reference(),
      UpdateExpression: `SET ${entries.map((_, i) => `#r${i} = :r${i}`).join(', ')}, ${revision.set} ADD ${revision.add}`,
      ExpressionAttributeNames: { ...Object.fromEntries(entries.map(([symbol], i) => [`#r${i}`, `${REFERENCE_PREFIX}${symbol}`])), ...revision.names },
      ExpressionAttributeValues: {
        ...Object.fromEntries(entries.map(([, r], i) => [`:r${i}`, { ...(r.adv ? { adv: n(r.adv) } : {}), ...(r.sector ? { sector: r.sector } : {}) }])),
        ...revision.values,
      },
    });
  }

  /**
   * One item per market. The calendar is JSON text (the table's numbers read back as text); conditional on the
   * stored one being older, so a feed task with a stale read never replaces a newer calendar.
   */
  async putCalendar(stored: StoredCalendar): Promise<void> {
    await this.table.putIf('PutItem (calendar)', {
      Item: { ...keys.calendar(stored.market), type: 'CALENDAR', market: stored.market, calendar: JSON.stringify(stored.calendar), range: stored.range, fetchedAt: stored.fetchedAt },
      ConditionExpression: 'attribute_not_exists(pk) OR fetchedAt < :fetchedAt',
      ExpressionAttributeValues: { ':fetchedAt': stored.fetchedAt },
    });
  }

  async getCalendar(market: MarketId): Promise<StoredCalendar | undefined> {
    const key = keys.calendar(market);
    const item = await this.table.get('GetItem (calendar)', key);
    if (!item) return undefined;
    let calendar: unknown;
    try {
      calendar = JSON.parse(String(item.calendar));
    } catch (cause) {
      throw new InvalidInputError([{ path: `${key.sk}.calendar`, rule: 'must be JSON text' }], { cause });
    }
    return parseOrThrow(StoredCalendarSchema, { market: item.market, calendar, range: item.range, fetchedAt: item.fetchedAt }, key.sk);
  }

  /**
   * Conditional on the stored heartbeat being older: two feed tasks (say, during a deploy) never move it
   * back, so its age never understates how long the feed has been silent.
   */
  async putFeedHeartbeat(feedId: string, at: string, since?: string): Promise<void> {
    // Not applied when a newer heartbeat is stored already: nothing to do then.
    await this.table.putIf('PutItem (feed heartbeat)', {
      Item: { ...keys.feedHeartbeat(), type: 'FEED_HEARTBEAT', feedId, at, ...(since ? { since } : {}) },
      ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':at': at },
    });
  }

  async getFeedHeartbeat(): Promise<FeedHeartbeat | undefined> {
    const item = await this.table.get('GetItem (feed heartbeat)', keys.feedHeartbeat());
    return item ? { feedId: String(item.feedId), at: String(item.at), ...(item.since ? { since: String(item.since) } : {}) } : undefined;
  }
}
