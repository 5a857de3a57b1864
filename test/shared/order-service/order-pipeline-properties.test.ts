// The whole order path under random histories, against DynamoDB Local and the simulated broker: approvals,
// submissions (delivered again at any time), a venue filling in slices, broker updates lost, duplicated and
// reordered, cancels, broker faults and workers dying between steps. Whatever happened, once every approval
// has been delivered again and reconciliation has run: the ledger is exactly the broker's unique fills, no
// intent reached the broker twice, every order agrees with the broker, and reconciliation is clean.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { dec, toDecimalString, ZERO } from '../../../shared/money/decimal';
import { STATUS_FROM_BROKER } from '../../../shared/orders/order-lifecycle';
import { ORDER_STATUSES, isOpenStatus } from '../../../shared/orders/order-record';
import type { ApprovedOrderMessage } from '../../../shared/ports/order-queue';
import type { OrderStore } from '../../../shared/ports/order-store';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import type { OrderServiceDeps } from '../../../shared/order-service/context';
import { processApprovedOrder } from '../../../shared/order-service/submission';
import { processBrokerUpdate } from '../../../shared/order-service/broker-view';
import { cancelOrder } from '../../../shared/order-service/cancellation';
import type { BrokerUpdate } from '../../../shared/broker/broker-order';
import { reconcileAccount } from '../../../shared/reconciliation/reconciliation-service';
import { recordApproval } from '../../support/approvals';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, ManualClock, RecordingBus, scanAll, STRATEGY } from '../../support/fixtures';

const START_CASH = '1000000';
const LEASE_MS = 5_000;
const GRACE_MS = 2_000;

/** Where a worker dies: never, just before its write (nothing written), or just after it (written, unacknowledged). */
const CrashArb = fc.constantFrom('none', 'none', 'before-write', 'after-write');
type Crash = 'none' | 'before-write' | 'after-write';

const OpArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('approve' as const),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      quantity: fc.integer({ min: 1, max: 30 }),
      limitOffset: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('submit' as const), pick: fc.nat(), crash: CrashArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('venue' as const), price: fc.integer({ min: 97, max: 103 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('deliver' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), crash: CrashArb }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('time' as const), ms: fc.constantFrom(500, 2_500, 6_000) }) },
);

type Op = typeof OpArb extends fc.Arbitrary<infer T> ? T : never;

/** A store whose next order write dies before or after it reaches the table, as a worker process would. */
const crashingStore = (store: OrderStore, crash: Crash): OrderStore =>
  crash === 'none'
    ? store
    : Object.assign(Object.create(store) as OrderStore, {
        recordOrderUpdate: async (input: Parameters<OrderStore['recordOrderUpdate']>[0]) => {
          if (crash === 'after-write') await store.recordOrderUpdate(input);
          throw new Error(`worker died ${crash}`);
        },
      });

const swallow = async (work: () => Promise<unknown>): Promise<void> => {
  try {
    await work();
  } catch {
    // A failed delivery is redelivered later (the history does that on its own); nothing to check here.
  }
};

const runHistory = async (seed: number, ops: readonly Op[]) => {
  const { client, tableName, stores, seeder } = await freshStores();
  const clock = new ManualClock();
  let price = 100;
  const broker = new SimulatedBroker({
    priceOf: () => String(price),
    clock,
    seed,
    startingCash: START_CASH,
    partialFills: { probability: 0.5, maxSlices: 3 },
    cancelRace: 0.5,
    faults: { rate: 0.15, calls: ['submitOrder', 'getOrderByClientOrderId', 'cancelOrder', 'listFills'] },
    // A naive venue: any second submission of an intent would open a second order and be counted.
    dedupeClientOrderIds: false,
  });
  const updates: BrokerUpdate[] = [];
  broker.subscribe((u) => void updates.push(u));
  const at = '2026-11-23T15:00:00.000Z';
  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', at);
  await seeder.depositCash(ACCOUNT, START_CASH, at);
  const bus = new RecordingBus();
  const telemetry = new InMemoryTelemetry();
  const deps = (workerId: string, crash: Crash = 'none'): OrderServiceDeps => ({
    ...stores,
    orderStore: crashingStore(stores.orderStore, crash),
    broker,
    bus,
    clock,
    telemetry,
    workerId,
    leaseMs: LEASE_MS,
    inFlightGraceMs: GRACE_MS,
  });
  const approved: ApprovedOrderMessage[] = [];
  let step = 0;

  const approve = async (op: { side: 'buy' | 'sell'; quantity: number; limitOffset: number | undefined }) => {
    const intentId = `p-${approved.length + 1}`;
    approved.push(
      await recordApproval(stores.riskStore, intentId, {
        side: op.side,
        quantity: String(op.quantity),
        ...(op.limitOffset === undefined ? {} : { orderType: 'limit' as const, limitPrice: String(price + op.limitOffset), timeInForce: 'gtc' as const }),
      }),
    );
  };

  for (const op of ops) {
    step++;
    switch (op.kind) {
      case 'approve':
        await approve(op);
        break;
      case 'submit': {
        const message = approved[op.pick % Math.max(1, approved.length)];
        if (message) await swallow(() => processApprovedOrder(deps(`w-${step}`, op.crash), message));
        break;
      }
      case 'venue':
        price = op.price;
        broker.advance();
        break;
      case 'deliver':
        // Any of the updates so far, in any order, any number of times; the rest stay lost.
        for (const pick of op.picks) {
          const update = updates[pick % Math.max(1, updates.length)];
          if (update) await swallow(() => processBrokerUpdate(deps(`s-${step}`, op.crash), ACCOUNT, update, `stream-${step}`));
        }
        break;
      case 'cancel': {
        const message = approved[op.pick % Math.max(1, approved.length)];
        if (message) {
          await swallow(() => cancelOrder(deps(`c-${step}`), { account: ACCOUNT, intentId: message.data.intent.intentId, requestedBy: 'test', requestId: `cancel-${step}` }));
        }
        break;
      }
      case 'time':
        clock.advance(op.ms);
        break;
    }
  }

  // The queue delivers every approval again until it sticks (leases and grace periods run out meanwhile),
  // then the schedule reconciles until a run is clean.
  for (let round = 0; round < 6; round++) {
    clock.advance(LEASE_MS + GRACE_MS);
    for (const message of approved) await swallow(() => processApprovedOrder(deps(`final-${round}`), message));
  }
  let run;
  for (let attempt = 1; attempt <= 10; attempt++) {
    clock.advance(LEASE_MS + GRACE_MS);
    run = await reconcileAccount({ ...stores, broker, bus, clock, telemetry, leaseMs: LEASE_MS, inFlightGraceMs: GRACE_MS }, ACCOUNT, `rec-${attempt}`);
    if (run.status === 'clean') break;
  }
  return { stores, broker, run, client, tableName, approved };
};

describe('order pipeline properties', () => {
  it(
    'converges to the broker exactly, with one broker order per intent, whatever the history of deliveries, faults and crashes',
    { timeout: 240_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.array(OpArb, { minLength: 4, maxLength: 24 }), async (seed, ops) => {
          const { stores, broker, run, client, tableName, approved } = await runHistory(seed, ops);

          // Reconciliation converged.
          expect(run?.breaks).toEqual([]);
          expect(run?.status).toBe('clean');

          // No intent reached the broker twice.
          expect(broker.duplicateOrderCount()).toBe(0);

          // The ledger is exactly the broker's unique fills: one FILL row per execution, and the position
          // and cash they imply, to the last digit.
          const items = await scanAll(client, tableName);
          const fillRows = items.filter((i) => (i.type as { S?: string } | undefined)?.S === 'FILL');
          const executions = broker.fills();
          expect(fillRows).toHaveLength(executions.length);
          let quantity = ZERO;
          let cash = dec(START_CASH);
          for (const e of executions) {
            const signed = e.side === 'buy' ? dec(e.quantity) : dec(e.quantity).neg();
            quantity = quantity.plus(signed);
            cash = cash.minus(signed.times(dec(e.price)));
          }
          const position = await stores.orderStore.getPosition(ACCOUNT, 'AAPL');
          expect(position.quantity).toBe(toDecimalString(quantity));
          expect((await stores.reconciliationStore.getBook(ACCOUNT)).cash).toBe(toDecimalString(cash));

          // Every order is in a possible state and agrees with the broker.
          const brokerByClientId = new Map(broker.orders().map((o) => [o.clientOrderId, o]));
          const openIds: string[] = [];
          let inFlightBuy = ZERO;
          let inFlightSell = ZERO;
          for (const message of approved) {
            const order = await stores.orderStore.getOrder(ACCOUNT, message.data.intent.intentId);
            expect(order).toBeDefined();
            if (!order) continue;
            expect(ORDER_STATUSES).toContain(order.status);
            const atBroker = brokerByClientId.get(order.intent.intentId);
            if (atBroker) {
              expect(order.status).toBe(STATUS_FROM_BROKER[atBroker.status]);
              expect(order.filledQuantity).toBe(atBroker.filledQuantity);
              expect(order.brokerOrderId).toBe(atBroker.brokerOrderId);
            } else {
              expect(['BLOCKED', 'CANCELED', 'REJECTED']).toContain(order.status);
              expect(order.filledQuantity).toBe('0');
            }
            if (isOpenStatus(order.status)) openIds.push(order.intent.intentId);
            const inFlight = dec(order.inFlight ?? '0');
            if (order.intent.side === 'buy') inFlightBuy = inFlightBuy.plus(inFlight);
            else inFlightSell = inFlightSell.plus(inFlight);
          }

          // The book's in-flight sizes, the open-order count and the open-order markers are exactly what the orders say.
          const snapshot = await stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'check');
          expect(snapshot.openOrders).toBe(openIds.length);
          const listed = await stores.orderStore.listOrders(ACCOUNT, ORDER_STATUSES.filter(isOpenStatus));
          expect(listed.map((o) => o.intent.intentId).sort()).toEqual(openIds.sort());
          const markers = items.filter((i) => (i.type as { S?: string } | undefined)?.S === 'OPEN_ORDER');
          expect(markers).toHaveLength(openIds.length);
          expect(snapshot.book.positions.AAPL?.inFlightBuy ?? '0').toBe(toDecimalString(inFlightBuy));
          expect(snapshot.book.positions.AAPL?.inFlightSell ?? '0').toBe(toDecimalString(inFlightSell));
        }),
        // Each run builds its own table: shrinking would take minutes, so a counterexample is printed as found.
        { numRuns: 40, endOnFailure: true },
      );
    },
  );
});
