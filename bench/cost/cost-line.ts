// One line of the estimate (a quantity of one priced unit, with the formula that produced it) and what every line
// is computed from: the measured run, the deployment, the price table, the request and the assumptions.
import type { Caller, DynamoTally, InvocationTally } from '../../local/usage-meter';
import { Decimal } from '../../shared/money/decimal';
import { calendarDaysPerMonthExact, type Assumptions } from './assumptions';
import type { Deployment } from './deployment';
import type { MeasuredRun } from './measure';
import { unitPrice, type PriceTable } from './prices';

/**
 * How often a line's quantity is paid: every trading session (what one more trading day adds), every calendar day
 * (what runs around the clock), or once a month (what exists whether or not anything happens).
 */
export type Basis = 'session' | 'calendar-day' | 'month';

export interface CostLine {
  /** Stable id of the kind of line (what lowers it is keyed on it). */
  id: string;
  service: string;
  item: string;
  basis: Basis;
  /** Units per basis period: per session, per calendar day, or per month. */
  quantity: number;
  unit: string;
  /** The price table's id of the unit price. */
  price: string;
  /** How the quantity was made, in words and numbers. */
  formula: string;
  usdPerMonth: Decimal;
}

export interface CostRequest {
  env: string;
  /** Symbols the feed marks and the account may hold. */
  symbols: number;
  /** Intents decided in a trading day. */
  orders: number;
  /** Which month of operation (1 = the first): the order history and every store grow month by month. */
  month: number;
}

export interface ModelInput {
  measured: MeasuredRun;
  deployment: Deployment;
  prices: PriceTable;
  request: CostRequest;
  assumptions: Assumptions;
  /** Minutes between runs of each scheduled caller (reconciliation/schedule, risk/schedule, dead-man-switch/schedule). */
  schedules: Partial<Record<Caller, number>>;
}

const fixed = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 3 }));
/** A number as the formulas print it. */
export const f = fixed;

/** Periods a month of each basis (exact: money is multiplied by it). */
export const periodsPerMonth = (input: ModelInput, basis: Basis): Decimal =>
  basis === 'session' ? new Decimal(input.assumptions.tradingDaysPerMonth) : basis === 'calendar-day' ? calendarDaysPerMonthExact(input.assumptions) : new Decimal(1);

export const lineOf = (input: ModelInput, spec: Omit<CostLine, 'usdPerMonth' | 'unit'>): CostLine => {
  const price = input.prices.prices[spec.price];
  if (!price) throw new Error(`no price "${spec.price}" in the price table`);
  const usdPerMonth = new Decimal(spec.quantity).mul(unitPrice(input.prices, spec.price)).mul(periodsPerMonth(input, spec.basis));
  return { ...spec, unit: price.unit, usdPerMonth };
};

/** The callers whose work is per decided intent (the order path, the feed's relay of broker updates), and those that run on a schedule. */
const PER_INTENT = /\/(queue|event|state-machine)$/;
export const isPerIntent = (caller: string): boolean => PER_INTENT.test(caller) || caller === 'feed-relay';
export const isScheduled = (caller: string): boolean => caller.endsWith('/schedule');

export const invocationsOf = (input: ModelInput): [Caller, InvocationTally][] => Object.entries(input.measured.usage.invocations) as [Caller, InvocationTally][];
export const dynamoOf = (input: ModelInput): [Caller, DynamoTally][] => Object.entries(input.measured.usage.dynamodb) as [Caller, DynamoTally][];

/** Measured runs of a scheduled caller (at least one: a caller with a tally ran). */
export const runsOf = (input: ModelInput, caller: Caller): number => Math.max(1, input.measured.usage.invocations[caller]?.count ?? 0);

/** Minutes between a scheduled caller's runs in the deployed environment. */
export const everyMinutesOf = (input: ModelInput, caller: Caller): number => {
  const minutes = input.schedules[caller];
  if (minutes === undefined) throw new Error(`no schedule known for ${caller}`);
  return minutes;
};
