// `npm run cost -- --json cost.json --symbols 100 --orders 10000 [--env prod] [--measure-seconds 20] [--month 1]
// [--measured earlier.json]`: measures a short local session with the usage meter on (or reuses the measured run
// of an earlier output), scales it to a trading day of the requested symbols and intents, prices it for the
// environment's synthesized stack, prints a table per service and writes the estimate as JSON (docs/cost.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Caller } from '../../local/usage-meter';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { SCHEDULE_ROUTES } from '../../shared/routing/routes';
import { ASSUMPTION_NOTES, DEFAULT_ASSUMPTIONS } from './assumptions';
import type { ModelInput } from './cost-line';
import { deploymentOf } from './deployment';
import { measureRun, type MeasuredRun } from './measure';
import { estimateCost } from './model';
import { loadPriceTable } from './prices';
import { costReport, printEstimate } from './report';
import { synthesizeTemplate } from './synth';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    symbols: { type: 'string', default: '100' },
    orders: { type: 'string', default: '10000' },
    env: { type: 'string', default: 'prod' },
    'measure-seconds': { type: 'string', default: '20' },
    month: { type: 'string', default: '1' },
    seed: { type: 'string', default: '42' },
    measured: { type: 'string' },
  },
});
const symbols = Number(values.symbols);
const orders = Number(values.orders);
const month = Number(values.month);
const measureSeconds = Number(values['measure-seconds']);
const positive = (n: number) => Number.isInteger(n) && n > 0;
if (![symbols, orders, month, measureSeconds, Number(values.seed) + 1].every(positive) || !['dev', 'staging', 'prod'].includes(values.env)) {
  console.error('usage: npm run cost -- [--json cost.json] [--symbols N] [--orders N] [--env dev|staging|prod] [--measure-seconds S] [--month M] [--seed N] [--measured earlier.json]');
  process.exit(64);
}

const config = loadEnvironmentConfig(values.env);
const everyMinutes = (id: string) => SCHEDULE_ROUTES.find((r) => r.id === id)?.everyMinutes ?? config.reconciliation.scheduleMinutes;
const schedules: Partial<Record<Caller, number>> = {
  'reconciliation/schedule': everyMinutes('ReconciliationSchedule'),
  'risk/schedule': everyMinutes('ParkedIntentSweep'),
  'dead-man-switch/schedule': everyMinutes('DeadManSwitchSchedule'),
};

console.error(`synthesizing the ${values.env} stack…`);
const deployment = deploymentOf(synthesizeTemplate(values.env));
const measured: MeasuredRun = values.measured
  ? (JSON.parse(readFileSync(values.measured, 'utf8')) as { measured: MeasuredRun }).measured
  : await (async () => {
      console.error(`measuring a ${measureSeconds} s local session (normal scenario, metering on)…`);
      return measureRun({ measureSeconds, seed: Number(values.seed) });
    })();

const input: ModelInput = { measured, deployment, prices: loadPriceTable(), request: { env: values.env, symbols, orders, month }, assumptions: DEFAULT_ASSUMPTIONS, schedules };
const estimate = estimateCost(input);
const alternatives = {
  month12: estimateCost({ ...input, request: { ...input.request, month: 12 } }),
};
printEstimate(estimate, alternatives, input);
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify(costReport(estimate, alternatives, input, ASSUMPTION_NOTES), null, 2)}\n`);
  console.error(`wrote ${values.json}`);
}
