// The chaos scenario's fault injector: one seeded draw per opportunity and kind, each fault counted when it is
// injected, and storage faults raised at the DynamoDB SDK boundary. Invariants: disarmed (before arm(), after disarm()), nothing is injected;
// the same seed gives the same decisions in the same order of opportunities of a kind.
import { ProvisionedThroughputExceededException, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments, InitializeHandlerOutput } from '@smithy/types';
import { seededRandom } from '../shared/random/seeded';

/** The faults the injector raises itself (the broker's own come from the simulated venue's fault settings). */
export const CHAOS_KINDS = ['storageThrottle', 'transactionConflict', 'publishPartialFailure', 'redelivery', 'handlerDeath'] as const;
export type ChaosKind = (typeof CHAOS_KINDS)[number];

/** Probability of each fault at each opportunity for it (a request, a transaction, a batch, a delivery, a step). */
export type ChaosRates = Readonly<Record<ChaosKind, number>>;

/** Where an order-function invocation died: before or after a store write, or after a broker call (before its write). */
export const DEATH_POINTS = ['beforeWrite', 'afterWrite', 'afterBrokerCall'] as const;
export type DeathPoint = (typeof DEATH_POINTS)[number];

/**
 * A broker call with an effect (a submit, a cancel) comes up a fifth as often as a store write, and a death right
 * after it is the one that tests most (the broker has the order, the table does not): it is weighted up.
 */
const DEATH_WEIGHTS: Readonly<Record<DeathPoint, number>> = { beforeWrite: 1, afterWrite: 1, afterBrokerCall: 4 };

const zeroes = <K extends string>(names: readonly K[]): Record<K, number> => Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>;

export class ChaosInjector {
  private readonly draws: Record<ChaosKind, () => number>;
  /** A separate stream for the choices within a fault (which entry, which item), so they never shift the decisions. */
  private readonly choices: () => number;
  private readonly counts = zeroes(CHAOS_KINDS);
  private readonly deaths = zeroes(DEATH_POINTS);
  /** Disarmed until the session has seeded the table and reconciled at start-up (they set the run up, not trade in it). */
  private armed = false;

  constructor(
    readonly rates: ChaosRates,
    seed: number,
  ) {
    // One stream per kind: how often one kind's opportunities come up never moves another kind's decisions.
    this.draws = Object.fromEntries(CHAOS_KINDS.map((kind, i) => [kind, seededRandom((seed ^ 0x5eed) + 7919 * (i + 1))])) as Record<ChaosKind, () => number>;
    this.choices = seededRandom(seed + 104_729);
  }

  /** Whether to inject `kind` at this opportunity: one draw, and the fault counted when it is injected. */
  decide(kind: ChaosKind): boolean {
    if (!this.armed) return false;
    const hit = this.draws[kind]() < this.rates[kind];
    if (hit) this.counts[kind]++;
    return hit;
  }

  /** An invocation dies at `point`: a handlerDeath decision (at the point's weighted rate), counted by where it happened too. */
  dieAt(point: DeathPoint): boolean {
    if (!this.armed) return false;
    const hit = this.draws.handlerDeath() < this.rates.handlerDeath * DEATH_WEIGHTS[point];
    if (hit) {
      this.counts.handlerDeath++;
      this.deaths[point]++;
    }
    return hit;
  }

  /** A seeded integer in [0, n) for a choice within a fault. */
  pick(n: number): number {
    return Math.min(n - 1, Math.floor(this.choices() * n));
  }

  /** A seeded number in [0, 1) for a choice within a fault. */
  fraction(): number {
    return this.choices();
  }

  /** From now on faults are injected. */
  arm(): void {
    this.armed = true;
  }

  /** From now on nothing is injected: the checks that judge the run read the table as it is. */
  disarm(): void {
    this.armed = false;
  }

  get isArmed(): boolean {
    return this.armed;
  }

  injected(): Record<ChaosKind, number> {
    return { ...this.counts };
  }

  deathsByPoint(): Record<DeathPoint, number> {
    return { ...this.deaths };
  }
}

type Middleware = (next: InitializeHandler<object, object>, context: HandlerExecutionContext) => InitializeHandler<object, object>;
interface Stack {
  add(middleware: Middleware, options: { step: 'initialize'; name: string; override: boolean }): void;
}

const transactItemsOf = (input: Record<string, unknown>): number => (Array.isArray(input.TransactItems) ? input.TransactItems.length : 0);

/** What DynamoDB answers when another transaction holds one of the items: that item's reason, None for the rest. */
export const transactionConflict = (items: number, conflicting: number): TransactionCanceledException =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${Array.from({ length: items }, (_, i) => (i === conflicting ? 'TransactionConflict' : 'None')).join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: Array.from({ length: items }, (_, i) =>
      i === conflicting ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
    ),
  });

export const throughputExceeded = (): ProvisionedThroughputExceededException =>
  new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
    $metadata: { httpStatusCode: 400 },
  });

/**
 * Makes `client` (and every document client built on it) throttle and conflict at the injector's rates, before
 * a request is sent. It sits in the initialize step, above the SDK's own retries: each injected fault reaches the
 * caller as a throttle would once the SDK's retries were spent, or as a transaction conflict does (not retried).
 */
export const injectStorageFaults = (client: DynamoDBClient, chaos: ChaosInjector): DynamoDBClient => {
  const middleware: Middleware = (next, context) => async (args: InitializeHandlerArguments<object>): Promise<InitializeHandlerOutput<object>> => {
    const input = args.input as Record<string, unknown>;
    const items = transactItemsOf(input);
    if (String(context.commandName ?? '').startsWith('TransactWrite') && items > 0 && chaos.decide('transactionConflict')) {
      throw transactionConflict(items, chaos.pick(items));
    }
    if (chaos.decide('storageThrottle')) throw throughputExceeded();
    return next(args);
  };
  (client.middlewareStack as unknown as Stack).add(middleware, { step: 'initialize', name: 'chaosStorageFaults', override: true });
  return client;
};
