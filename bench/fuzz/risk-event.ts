// Entry point 1: the risk function's EventBridge OrderIntended event, sent to the real handler over DynamoDB
// Local and the in-process SQS. Valid events are the tests' builders (test/support/fixtures) over drawn intents;
// the handler parses them with its exported schema. Accepted: it returned an outcome (approved or a coded
// denial). Rejected: InvalidInputError naming the field and rule. Anything else thrown is a crash.
import { SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { SqsOrderQueue } from '../../adapters/sqs/sqs-order-queue';
import { createRiskHandler, type RiskHandlerDeps } from '../../functions/risk/handler';
import { InvalidInputError } from '../../shared/errors/errors';
import type { OrderIntent } from '../../shared/events/order-events';
import { createFifoQueues, localSqsClientConfig, startLocalSqs } from '../../local/sqs-local';
import { ACCOUNT, intendedEvent, intentFor, testLimits } from '../../test/support/fixtures';
import { garbageJson, oneFieldWrong } from './mutate';
import { clearIssues, crashOf, mixOf, type FuzzTarget, type StateWatch, type Verdict } from './runner';
import { TableWatch } from './table-watch';
import { allOf, CountingQueue, quietLogger, seededEpoch, type Epoch } from './world';

const decimal = (min: number, max: number, places: number): fc.Arbitrary<string> =>
  fc.integer({ min: min * 10 ** places, max: max * 10 ** places }).map((n) => (n / 10 ** places).toFixed(places));

/** An intent as a strategy raises it: mostly AAPL and MSFT (marked, referenced), sizes around the limits. */
export const intentArbitrary: fc.Arbitrary<OrderIntent> = fc
  .record({
    id: fc.nat({ max: 1_000_000 }),
    symbol: fc.constantFrom('AAPL', 'AAPL', 'AAPL', 'MSFT', 'MSFT', 'GME', 'BRK.B'),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    quantity: fc.oneof(decimal(1, 200, 0), decimal(0, 5, 4).filter((q) => Number(q) > 0), decimal(1, 100_000, 0)),
    limit: fc.option(decimal(80, 120, 2), { nil: undefined }),
    timeInForce: fc.constantFrom('day' as const, 'gtc' as const, 'ioc' as const),
  })
  .map(({ id, symbol, side, quantity, limit, timeInForce }) =>
    intentFor(`fz-${id}`, { symbol, side, quantity, timeInForce, ...(limit === undefined ? { orderType: 'market' } : { orderType: 'limit', limitPrice: symbol === 'MSFT' ? String(Number(limit) * 4) : limit }) }),
  );

/** A valid OrderIntended event, mostly for the seeded account, sometimes for one the table has never seen. */
export const validRiskEvent: fc.Arbitrary<unknown> = fc
  .tuple(intentArbitrary, fc.constantFrom(ACCOUNT, ACCOUNT, ACCOUNT, ACCOUNT, 'acct-2'))
  .map(([intent, account]) => intendedEvent(intent, account));

/**
 * What both risk entry points run on: the table's watch, a fresh order queue per epoch (a rejected input must
 * queue nothing either), and the risk function's dependencies over them.
 */
export interface RiskFuzzWorld {
  deps: () => RiskHandlerDeps;
  startEpoch: (prefix: string, n: number) => Promise<void>;
  /** Moves the epoch's clock on between inputs. */
  tick: () => void;
  watch: StateWatch;
  close: () => Promise<void>;
}

export const riskFuzzWorld = async (dynamoEndpoint: string): Promise<RiskFuzzWorld> => {
  const table = new TableWatch(dynamoEndpoint);
  const sqs = await startLocalSqs();
  const sqsClient = new SQSClient(localSqsClientConfig(sqs.endpoint));
  let queue = new CountingQueue({ enqueue: async () => undefined });
  let epoch: Epoch | undefined;
  return {
    deps: () => {
      if (!epoch) throw new Error('no epoch started');
      return {
        ...epoch.stores,
        queue,
        bus: epoch.bus,
        clock: epoch.clock,
        telemetry: epoch.telemetry,
        // Generous limits, as the order function's tests use, so valid intents get past the rate checks to the deep ones.
        defaults: testLimits({ maxOrderNotional: '1000000', orderRate: { maxOrders: 100, windowMs: 1000, perSymbol: { maxOrders: 100, windowMs: 1000 } } }),
        logger: quietLogger,
      };
    },
    startEpoch: async (prefix, n) => {
      epoch = await seededEpoch(table, prefix, n);
      const { queueUrl } = await createFifoQueues(sqsClient, `fz-${prefix}-${epoch.tableName}`);
      queue = new CountingQueue(new SqsOrderQueue(sqsClient, queueUrl));
    },
    tick: () => epoch?.clock.advance(20),
    watch: allOf(table, { before: () => queue.before(), after: (rejected) => queue.after(rejected) }),
    close: async () => {
      await table.close();
      sqsClient.destroy();
      await sqs.stop();
    },
  };
};

export const riskTarget = async (dynamoEndpoint: string): Promise<FuzzTarget<unknown>> => {
  const world = await riskFuzzWorld(dynamoEndpoint);
  const risk = createRiskHandler(world.deps);
  return {
    name: 'risk',
    arbitrary: mixOf(
      fc.oneof(garbageJson, validRiskEvent.chain((event) => garbageJson.map((detail) => ({ ...(event as object), detail })))),
      validRiskEvent,
      oneFieldWrong(validRiskEvent),
    ),
    epochSize: 200,
    startEpoch: (n) => world.startEpoch('risk', n),
    send: async (event): Promise<Verdict> => {
      world.tick();
      try {
        const outcome = await risk(event);
        return { kind: 'accepted', outcome: outcome.outcome === 'denied' ? `denied:${outcome.reason}` : outcome.outcome };
      } catch (error) {
        if (error instanceof InvalidInputError) {
          const clear = clearIssues(error.issues);
          if (clear !== undefined) return { kind: 'rejected', error: clear };
        }
        return crashOf(error);
      }
    },
    // The table, and the queue of the epoch: a rejected intent must not be queued either.
    watch: world.watch,
    close: world.close,
  };
};
