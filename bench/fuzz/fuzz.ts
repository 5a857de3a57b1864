// The fuzz run as a function: every entry point's target built against one DynamoDB Local (started here unless
// an endpoint is given), run side by side, and the per-entry-point reports with the run's failures.
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { brokerStreamTarget } from './broker-stream';
import { killSwitchTarget } from './kill-switch-event';
import { marketDataTarget } from './market-data';
import { orderTarget } from './order-message';
import { riskBatchTarget } from './risk-batch';
import { riskTarget } from './risk-event';
import { failuresOf, fuzzTarget, type EntryReport, type FuzzTarget } from './runner';

export const ENTRY_POINTS = ['risk', 'risk-batch', 'order', 'kill-switch', 'broker-stream', 'market-data'] as const;
export type EntryPoint = (typeof ENTRY_POINTS)[number];

const builders: Record<EntryPoint, (dynamoEndpoint: string) => Promise<FuzzTarget<unknown>>> = {
  risk: riskTarget,
  'risk-batch': riskBatchTarget,
  'kill-switch': killSwitchTarget as (endpoint: string) => Promise<FuzzTarget<unknown>>,
  'broker-stream': brokerStreamTarget as () => Promise<FuzzTarget<unknown>>,
  'market-data': marketDataTarget as () => Promise<FuzzTarget<unknown>>,
  order: orderTarget as (endpoint: string) => Promise<FuzzTarget<unknown>>,
};

/** Entry points that write no table (their partial writes are the state they keep in memory). */
const WITHOUT_TABLE = new Set<EntryPoint>(['broker-stream', 'market-data']);

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** An already running DynamoDB Local (the test suite's); otherwise one is started and stopped here. */
  dynamoEndpoint?: string;
  only?: readonly EntryPoint[];
  onProgress?: (entryPoint: EntryPoint, done: number) => void;
}

export interface FuzzReport {
  seed: number;
  runs: number;
  durationMs: number;
  entryPoints: Partial<Record<EntryPoint, EntryReport>>;
  failures: string[];
}

export const runFuzz = async (options: FuzzOptions): Promise<FuzzReport> => {
  const started = performance.now();
  const names = options.only ?? ENTRY_POINTS;
  const needsTable = names.some((name) => !WITHOUT_TABLE.has(name));
  const dynamo = options.dynamoEndpoint === undefined && needsTable ? await startDynamoDbLocal() : undefined;
  const endpoint = options.dynamoEndpoint ?? dynamo?.endpoint ?? '';
  try {
    const reports = await Promise.all(
      names.map(async (name) =>
        [name, await fuzzTarget(await builders[name](endpoint), { runs: options.runs, seed: options.seed, onProgress: (done) => options.onProgress?.(name, done) })] as const,
      ),
    );
    const entryPoints = Object.fromEntries(reports) as Partial<Record<EntryPoint, EntryReport>>;
    return { seed: options.seed, runs: options.runs, durationMs: Math.round(performance.now() - started), entryPoints, failures: failuresOf(entryPoints, options.runs) };
  } finally {
    await dynamo?.stop();
  }
};
