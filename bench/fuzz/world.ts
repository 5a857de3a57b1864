// What the DynamoDB-backed entry points run against, per epoch: a fresh table seeded as the handler tests seed
// theirs (trading ACTIVE or, every fifth epoch, HALTED; AAPL and MSFT marked and referenced; cash in the
// account), its stores, a manual clock at the tests' moment, and a recording bus. Also a state watch over
// several parts (the table and a queue), so a rejected input that touched either is a partial write.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoStores, type TradingStores } from '../../adapters/dynamodb/dynamo-stores';
import { TableSeeder } from '../../adapters/dynamodb/table-seeder';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import type { OrderQueueMessage } from '../../shared/events/order-queue-messages';
import type { OrderQueue } from '../../shared/ports/order-queue';
import { ACCOUNT, ManualClock, RecordingBus } from '../../test/support/fixtures';
import type { StateWatch } from './runner';
import type { TableWatch } from './table-watch';

export const START = '2026-11-23T15:00:00.000Z';

export interface Epoch {
  client: DynamoDBClient;
  tableName: string;
  stores: TradingStores;
  seeder: TableSeeder;
  clock: ManualClock;
  bus: RecordingBus;
  telemetry: InMemoryTelemetry;
}

/** A fresh seeded table on the watch's client, with fresh clock, bus and telemetry. */
export const seededEpoch = async (watch: TableWatch, prefix: string, epoch: number): Promise<Epoch> => {
  const tableName = await watch.freshTable(prefix);
  const stores = dynamoStores(watch.client, tableName);
  const seeder = new TableSeeder(watch.client, tableName);
  await seeder.putTradingState(ACCOUNT, epoch % 5 === 4 ? 'HALTED' : 'ACTIVE', 'fuzz', '2026-11-23T14:00:00.000Z');
  await seeder.putMark('AAPL', '100', '2026-11-23T14:59:59.000Z');
  await seeder.putMark('MSFT', '400', '2026-11-23T14:59:59.000Z');
  await stores.marketDataStore.putReference({ AAPL: { adv: '50000000', sector: 'TECHNOLOGY' }, MSFT: { adv: '30000000', sector: 'TECHNOLOGY' } });
  await seeder.depositCash(ACCOUNT, '1000000', '2026-11-23T14:00:00.000Z');
  return { client: watch.client, tableName, stores, seeder, clock: new ManualClock(Date.parse(START)), bus: new RecordingBus(), telemetry: new InMemoryTelemetry() };
};

/** Counts what reaches a queue (the real one behind it still gets every message). */
export class CountingQueue implements OrderQueue, StateWatch {
  sent = 0;
  private sentBefore = 0;
  constructor(private readonly inner: OrderQueue) {}
  async enqueue(messages: readonly OrderQueueMessage[]): Promise<void> {
    this.sent += messages.length;
    await this.inner.enqueue(messages);
  }
  async before(): Promise<void> {
    this.sentBefore = this.sent;
  }
  async after(rejected: boolean): Promise<string | undefined> {
    if (!rejected) return undefined;
    const sent = this.sent - this.sentBefore;
    return sent > 0 ? `${sent} message(s) were queued` : undefined;
  }
}

/** Several watches as one: a change in any of them is a change. */
export const allOf = (...watches: StateWatch[]): StateWatch => ({
  before: async () => {
    for (const w of watches) await w.before();
  },
  after: async (rejected) => {
    const changes: string[] = [];
    for (const w of watches) {
      const change = await w.after(rejected);
      if (change !== undefined) changes.push(change);
    }
    return changes.length > 0 ? changes.join('; ') : undefined;
  },
});

/** The handlers' logger, silenced: the runner reads verdicts, not logs. */
export const quietLogger = { error: () => undefined, info: () => undefined, warn: () => undefined, debug: () => undefined };
