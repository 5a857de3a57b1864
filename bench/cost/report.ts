// The estimate as the command shows it: a table per service on the terminal, and the JSON document (the cost,
// its lines and formulas, the measured run, the assumptions, the prices used and the deployment counted).
import { calendarDaysPerMonthExact, type Assumptions } from './assumptions';
import type { CostLine, ModelInput } from './cost-line';
import type { CostEstimate } from './model';
import { unitPrice } from './prices';
import { SESSION_SECONDS } from './scaling';
import { Decimal } from '../../shared/money/decimal';

export interface Alternatives {
  /** The same day with the open orders read from an index of their own. */
  /** The same day in the twelfth month of operation (the order history and the stores a year older). */
  month12: CostEstimate;
}

const usd = (value: Decimal, places = 2): number => value.toDecimalPlaces(places, Decimal.ROUND_HALF_UP).toNumber();
const money = (value: Decimal): string => `$${value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2)}`;

/** The small VM of the comparison, all month long. */
const smallVm = (input: ModelInput) => {
  const days = calendarDaysPerMonthExact(input.assumptions);
  const perMonth = unitPrice(input.prices, 'ec2.t4gSmallHour').mul(24).mul(days);
  return { perDayUsd: usd(perMonth.div(days)), perMonthUsd: usd(perMonth), perTradingDayUsd: usd(perMonth.div(input.assumptions.tradingDaysPerMonth)) };
};

/** What the design publishes per tick, against the one-event-per-tick design the issue prices. */
const ticksNote = (input: ModelInput): string => {
  const { measured } = input;
  const perTick = new Decimal(50_000).mul(SESSION_SECONDS).mul(unitPrice(input.prices, 'eventbridge.customEvent'));
  return (
    `Ticks never become events: the measured feed took in ${measured.ticksReceived.toLocaleString('en-US')} ticks and published ` +
    `${measured.feedIntentsPublished.toLocaleString('en-US')} events (its strategies' intents); ticks are conflated into one marks item written ` +
    `at most once per symbol per second (shared/feed/feed.ts). One event per tick at 50,000 quotes a second would cost ${money(perTick)} a session in events alone.`
  );
};

const lineOut = (input: ModelInput, line: CostLine) => ({
  item: line.item,
  basis: line.basis,
  quantity: Number(line.quantity.toPrecision(6)),
  unit: line.unit,
  price: line.price,
  unitPriceUsd: unitPrice(input.prices, line.price).toString(),
  formula: line.formula,
  perMonthUsd: usd(line.usdPerMonth, 4),
});

export const costReport = (estimate: CostEstimate, alternatives: Alternatives, input: ModelInput, notes: Record<keyof Assumptions, string>) => {
  const used = new Set(estimate.lines.map((l) => l.price));
  return {
    cost: {
      env: input.request.env,
      symbols: input.request.symbols,
      orders: input.request.orders,
      month: input.request.month,
      perTradingDayUsd: usd(estimate.perTradingDayUsd),
      perMonthUsd: usd(estimate.perMonthUsd),
      perSessionUsd: usd(estimate.perSessionUsd),
      perMonthByBasisUsd: Object.fromEntries(Object.entries(estimate.perMonthByBasisUsd).map(([k, v]) => [k, usd(v)])),
      byService: Object.fromEntries(
        Object.entries(estimate.byService).map(([service, s]) => [service, { perTradingDayUsd: usd(s.perTradingDayUsd, 4), perMonthUsd: usd(s.perMonthUsd, 4), lines: s.lines.map((l) => lineOut(input, l)) }]),
      ),
      target: {
        perTradingDayUsd: usd(estimate.target.perTradingDayUsd),
        met: estimate.target.met,
        blockers: estimate.target.blockers.map((b) => ({ id: b.id, service: b.service, perTradingDayUsd: usd(b.perTradingDayUsd, 4), remedy: b.remedy })),
      },
      alternatives: {
        month12: { perTradingDayUsd: usd(alternatives.month12.perTradingDayUsd), perMonthUsd: usd(alternatives.month12.perMonthUsd), what: 'the same day in the twelfth month of operation, as built' },
      },
      comparison: { smallVm: { ...smallVm(input), what: 't4g.small on-demand running a self-hosted bot all month' } },
      definitions: {
        perTradingDayUsd: `the month's bill divided by its ${input.assumptions.tradingDaysPerMonth} trading days`,
        perMonthUsd: `${input.assumptions.tradingDaysPerMonth} sessions + ${calendarDaysPerMonthExact(input.assumptions).toFixed(2)} calendar days of what runs around the clock + the fixed monthly charges`,
        perSessionUsd: 'what one more trading session adds (the per-session lines)',
      },
    },
    notes: [ticksNote(input), 'Prices are list prices without any free tier; see prices.provenance for how far they were checked.'],
    measured: input.measured,
    assumptions: { values: input.assumptions, why: notes, schedulesEveryMinutes: input.schedules },
    prices: { region: input.prices.region, date: input.prices.date, provenance: input.prices.provenance, used: Object.fromEntries([...used].sort().map((id) => [id, input.prices.prices[id]])) },
    deployment: input.deployment,
  };
};

export const printEstimate = (estimate: CostEstimate, alternatives: Alternatives, input: ModelInput): void => {
  const { request } = input;
  console.log(`\n${request.env}: ${request.symbols} symbols, ${request.orders.toLocaleString('en-US')} intents a trading day, month ${request.month} (prices ${input.prices.region}, ${input.prices.date})\n`);
  console.table(
    Object.fromEntries([
      ...Object.entries(estimate.byService).map(([service, s]) => [service, { 'per trading day': money(s.perTradingDayUsd), 'per month': money(s.perMonthUsd) }]),
      ['total', { 'per trading day': money(estimate.perTradingDayUsd), 'per month': money(estimate.perMonthUsd) }],
    ]),
  );
  console.log(`one more session adds ${money(estimate.perSessionUsd)}; a small VM (t4g.small) costs ${money(new Decimal(smallVm(input).perMonthUsd))} a month`);
  console.log(`month 12: ${money(alternatives.month12.perTradingDayUsd)} a trading day`);
  if (estimate.target.met) console.log(`within the target of ${money(estimate.target.perTradingDayUsd)} a trading day`);
  else {
    console.log(`above the target of ${money(estimate.target.perTradingDayUsd)} a trading day; what keeps it there, largest first:`);
    for (const b of estimate.target.blockers) console.log(`  ${b.service} ${b.id}: ${money(b.perTradingDayUsd)} a trading day. ${b.remedy}`);
  }
  console.log(`\n${ticksNote(input)}`);
};
