// Environment configuration: one validated document per environment, read by the CDK app, the handlers
// and the local runtime alike. Risk limits here are the defaults; per-account overrides live in the table.
import * as z from 'zod';
import { intentFloodIssue, RiskLimitsSchema, type RiskLimits } from '../risk/limits';
import { AccountIdSchema } from '../events/ids';
import { BreakerConfigSchema, resolveBreakerConfig } from '../breaker/breaker-config';
import { FeedConfigOverrideSchema, MarketSubscriptionSchema } from '../feed/feed-config';
import { DeadManSwitchConfigSchema, resolveDeadManSwitchConfig } from '../dead-man-switch/dead-man-switch-config';
import { OperatorsSchema } from '../operators/operator-config';
import { PagingTargetsSchema } from './paging';

export const ENVIRONMENT_NAMES = ['local', 'dev', 'staging', 'prod'] as const;
export const EnvironmentNameSchema = z.enum(ENVIRONMENT_NAMES);
export type EnvironmentName = z.infer<typeof EnvironmentNameSchema>;

/** Alpaca's two trading hosts: paper (simulated fills, no money) and live. */
export const ALPACA_VENUES = ['paper', 'live'] as const;
export type AlpacaVenue = (typeof ALPACA_VENUES)[number];

/**
 * Which broker the order and reconciliation functions talk to. `simulated` runs in-process and exists only
 * on one machine (npm start): the AWS wiring refuses it, so a deployed stack never trades against a
 * simulation while looking healthy.
 */
export const BrokerConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('simulated') }).strict(),
  z.object({ kind: z.literal('alpaca'), venue: z.enum(ALPACA_VENUES) }).strict(),
]);
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;

export const EnvironmentConfigSchema = z
  .object({
    name: EnvironmentNameSchema,
    accounts: z.array(AccountIdSchema).min(1),
    riskLimits: RiskLimitsSchema,
    deployment: z
      .object({
        /** CodeDeploy traffic shifting for every function alias. */
        strategy: z.enum(['all-at-once', 'canary-10-percent-5-minutes']),
        /**
         * Execution environments Lambda keeps initialized on a stop-path function's live alias (provisioned
         * concurrency), so a stop after a quiet spell meets no cold start; billed while configured (docs/cost.md).
         */
        provisionedConcurrency: z
          .object({ 'kill-switch': z.number().int().min(1).optional(), breaker: z.number().int().min(1).optional() })
          .strict()
          .optional(),
      })
      .strict(),
    reconciliation: z.object({ scheduleMinutes: z.number().int().positive() }).strict(),
    alarms: z
      .object({
        /** Function errors in one minute that roll a deployment back and page on-call. */
        functionErrorsPerMinute: z.number().int().positive(),
        /** Who is woken by a page-tier alarm (shared/config/paging.ts); staging and prod must name someone. */
        page: PagingTargetsSchema.optional(),
        /** Who gets a ticket-tier alarm, for the next working day. */
        ticket: PagingTargetsSchema.optional(),
      })
      .strict(),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    broker: BrokerConfigSchema,
    /** Keep the table when the stack is deleted (always in prod: state and audit are records). */
    retainData: z.boolean(),
    /**
     * The cost centre the environment is billed to: every resource's `cost-centre` tag (infra/cost-allocation.ts),
     * so it must be a valid tag value.
     */
    costCentre: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, 'must be a tag value: letters, digits, spaces and _ . : / = + - @'),
    /**
     * Days the bus's archive keeps every event the system publishes, for replays and investigations
     * (docs/disaster-recovery.md). Local runs deploy no archive: the local router keeps a run's events in memory.
     */
    eventArchive: z.object({ retentionDays: z.number().int().min(1).max(3650) }).strict(),
    /** Circuit-breaker waits and bounds; absent fields (or the whole section) take resolveBreakerConfig's defaults. */
    breaker: BreakerConfigSchema.optional(),
    /**
     * The feed's strategy host: a strategy proposing more than maxIntents intents within windowMs is stopped
     * and an INTENT_RATE breach halts the account (the runaway guard, a message throttle at the source).
     */
    strategyHost: z
      .object({ runawayGuard: z.object({ maxIntents: z.number().int().positive(), windowMs: z.number().int().min(100).max(60_000) }).strict() })
      .strict()
      .optional(),
    /**
     * The load the environment is sized for: the peak rate of intents one account is expected to send (all its
     * strategies together). `npm start -- --scenario stress` drives twice this (MiFID II RTS 6 art. 10: a stress
     * test at twice the peak), so the figure is a claim the stress run checks, not a limit any control enforces.
     */
    load: z
      .object({
        peakIntentsPerSecond: z
          .number({ error: 'must be a number of intents a second' })
          .int({ error: 'must be a whole number of intents a second' })
          .positive({ error: 'must be a positive number of intents a second (the expected peak per account)' })
          .max(100_000, { error: 'must be at most 100000 intents a second' }),
      })
      .strict(),
    /** Dead-man switch limits (heartbeat and mark age); absent fields take resolveDeadManSwitchConfig's defaults. */
    deadManSwitch: DeadManSwitchConfigSchema.optional(),
    /** The feed's validation, failover, conflation, publishing and strategy limits; absent fields take resolveFeedConfig's defaults. */
    feed: FeedConfigOverrideSchema.optional(),
    /** What the feed task subscribes to, and from where (primary source first); the local runtime builds its own. */
    market: MarketSubscriptionSchema.optional(),
    /**
     * The people who may use the kill-switch API and the actions each may take (shared/operators/operator-config.ts).
     * Left out, local and dev let any person act (resolveOperatorPolicy); staging and prod refuse to synthesize
     * without a list, given here or at synth with `-c operators=<file.json>`.
     */
    operators: OperatorsSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    // The feed limits must agree, or two controls fight: the risk function denies on a stale mark first (within
    // seconds), the dead-man switch halts later, and the breaker's recovery never accepts marks the dead-man
    // switch would call stale (it would trip again at once and escalate to KILLED).
    const deadMan = resolveDeadManSwitchConfig(config.deadManSwitch);
    const breaker = resolveBreakerConfig(config.breaker);
    if (deadMan.maxMarkAgeSeconds < breaker.feedMaxAgeSeconds) {
      ctx.addIssue({ code: 'custom', path: ['deadManSwitch', 'maxMarkAgeSeconds'], message: `must be at least breaker.feedMaxAgeSeconds (${breaker.feedMaxAgeSeconds})` });
    }
    if (deadMan.maxMarkAgeSeconds * 1000 < config.riskLimits.priceCollar.markMaxAgeMs) {
      ctx.addIssue({ code: 'custom', path: ['deadManSwitch', 'maxMarkAgeSeconds'], message: `must be at least riskLimits.priceCollar.markMaxAgeMs (${config.riskLimits.priceCollar.markMaxAgeMs} ms)` });
    }
    const floodIssue = intentFloodIssue(config.riskLimits);
    if (floodIssue) ctx.addIssue({ code: 'custom', path: ['riskLimits', 'intentFlood', 'maxPerStrategyPerSecond'], message: floodIssue });
    // One broker key is one broker account: a cancel-all, the hard stop and the adoption of orders placed by hand
    // act on everything the key sees, so two accounts on one key would stop, cancel and adopt each other's orders.
    // A local name is the X-Principal stand-in: it means nothing in AWS, and AWS identities never reach the local API.
    config.operators?.forEach((operator, index) => {
      if ((operator.local !== undefined) !== (config.name === 'local')) {
        ctx.addIssue({ code: 'custom', path: ['operators', index], message: config.name === 'local' ? 'must be a local name in the local environment' : 'must not be a local name outside the local environment' });
      }
    });
    if (config.broker.kind === 'alpaca' && config.accounts.length > 1) {
      ctx.addIssue({ code: 'custom', path: ['accounts'], message: `must name exactly one account: the environment has one broker key, and a kill, a cancel-all or an adoption on it acts on every account it holds (got ${config.accounts.join(', ')})` });
    }
  });
export type EnvironmentConfig = z.infer<typeof EnvironmentConfigSchema>;

const DEFAULT_LIMITS: RiskLimits = {
  warningSizeFactor: '0.5',
  instruments: { allowed: null, restricted: [] },
  orderTypes: ['market', 'limit'],
  timeInForce: ['day', 'gtc', 'ioc'],
  quantity: { min: '1', max: '100000', lotSize: '1' },
  minOrderNotional: '1',
  maxOrderNotional: '250000',
  priceCollar: { maxDeviationBps: 500, markMaxAgeMs: 5000 },
  position: { maxLongQuantity: '100000', maxShortQuantity: '100000', maxLongNotional: '1000000', maxShortNotional: '1000000' },
  maxOpenOrders: 200,
  orderRate: { maxOrders: 20, windowMs: 1000, perSymbol: { maxOrders: 10, windowMs: 1000 } },
  duplicative: { windowMs: 500 },
  sessions: { defaultMarket: 'XNYS', bySymbol: {} },
  periodCollar: { windowMs: 60_000, maxDriftBps: 1000 },
  maxFractionOfAdv: '0.05',
  exposure: {
    maxGrossNotional: '5000000',
    maxNetNotional: '2500000',
    maxLeverage: '4',
    maxSymbolConcentration: '0.25',
    maxSectorConcentration: '0.5',
  },
  loss: { sessionMarket: 'XNYS', dailyLossWarning: '25000', dailyLossBreaker: '50000', drawdownWarningBps: 300, drawdownBreakerBps: 500 },
  executionThrottle: { maxFills: 500, windowMs: 60_000, scope: 'strategy' },
  // Five times the order-rate limit per strategy (the strategy host's runaway guard, so with the guard on the
  // host trips first), ten times per account (two hosts on one account together).
  intentFlood: { maxPerStrategyPerSecond: 100, maxPerAccountPerSecond: 200 },
};

/** The symbols the deployed feed subscribes to, on Alpaca's free (IEX) stock feed. */
const DEPLOYED_MARKET = { symbols: ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'SPY'], sources: [{ kind: 'alpaca' as const, feed: 'iex' as const }] };

/** The simulated market trades around the clock, so a newcomer's first run works at any hour. */
const LOCAL_LIMITS: RiskLimits = {
  ...DEFAULT_LIMITS,
  sessions: { defaultMarket: 'CRYPTO', bySymbol: {} },
  loss: { ...DEFAULT_LIMITS.loss, sessionMarket: 'CRYPTO' },
};

const base = {
  accounts: ['paper-1'],
  riskLimits: DEFAULT_LIMITS,
  reconciliation: { scheduleMinutes: 1 },
  alarms: { functionErrorsPerMinute: 1 },
  market: DEPLOYED_MARKET,
  // One cost centre runs every environment today; an environment billed elsewhere names its own.
  costCentre: 'trading-tech',
  // Twice this is the 500 decisions a second docs/scaling.md sizes an account for (below its ~800 ceiling).
  load: { peakIntentsPerSecond: 250 },
} satisfies Partial<EnvironmentConfig>;

const ENVIRONMENTS: Record<EnvironmentName, EnvironmentConfig> = {
  local: {
    ...base,
    name: 'local',
    riskLimits: LOCAL_LIMITS,
    deployment: { strategy: 'all-at-once' },
    logLevel: 'WARN',
    broker: { kind: 'simulated' },
    retainData: false,
    eventArchive: { retentionDays: 1 },
    // A local run lasts seconds: a dead source is left after 2 s, and the primary taken back after 10 s healthy.
    feed: { failover: { silenceMs: 2_000, holdMs: 10_000 } },
    // What one 2-core machine decides a second with DynamoDB Local on the same cores (docs/stress.md).
    load: { peakIntentsPerSecond: 100 },
    // No operators: any plain X-Principal name may act (docs/kill-switch.md, "Locally").
  },
  dev: {
    ...base,
    name: 'dev',
    deployment: { strategy: 'all-at-once' },
    logLevel: 'DEBUG',
    broker: { kind: 'alpaca', venue: 'paper' },
    retainData: false,
    // A week: enough to replay a bad day found late, on paper money; dev is rebuilt freely.
    eventArchive: { retentionDays: 7 },
    // No operators: any person of the account may act (roles count as one person whatever the session name).
  },
  staging: {
    ...base,
    name: 'staging',
    deployment: { strategy: 'canary-10-percent-5-minutes' },
    logLevel: 'INFO',
    broker: { kind: 'alpaca', venue: 'paper' },
    retainData: true,
    // A month: a release cycle, and room to rehearse a restore (recovery reaches 35 days back) followed by a replay.
    eventArchive: { retentionDays: 30 },
    // operators: listed per deployment (-c operators=<file.json>); synthesis refuses staging without them.
  },
  prod: {
    ...base,
    name: 'prod',
    riskLimits: {
      ...DEFAULT_LIMITS,
      quantity: { min: '1', max: '10000', lotSize: '1' },
      maxOrderNotional: '100000',
      priceCollar: { maxDeviationBps: 300, markMaxAgeMs: 3000 },
      position: { maxLongQuantity: '20000', maxShortQuantity: '20000', maxLongNotional: '500000', maxShortNotional: '500000' },
      maxOpenOrders: 50,
      orderRate: { maxOrders: 10, windowMs: 1000, perSymbol: { maxOrders: 5, windowMs: 1000 } },
      duplicative: { windowMs: 2000 },
    },
    // One warm environment each for the two functions a stop goes through; a second concurrent stop cold-starts.
    deployment: { strategy: 'canary-10-percent-5-minutes', provisionedConcurrency: { 'kill-switch': 1, breaker: 1 } },
    logLevel: 'INFO',
    // The only environment that trades real money.
    broker: { kind: 'alpaca', venue: 'live' },
    retainData: true,
    // A year: what the bus carried stays evidence for investigations long after the table's 35-day recovery window.
    eventArchive: { retentionDays: 365 },
    // operators: listed per deployment (-c operators=<file.json>); synthesis refuses prod without them.
  },
};

export const loadEnvironmentConfig = (name: string): EnvironmentConfig => {
  const parsed = EnvironmentNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new Error(`unknown environment "${name}": must be one of ${ENVIRONMENT_NAMES.join(', ')}`);
  }
  return EnvironmentConfigSchema.parse(ENVIRONMENTS[parsed.data]);
};
