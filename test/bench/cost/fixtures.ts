// A measured run and a deployment in round numbers, so each scaling rule's effect on the estimate can be read off.
import type { DynamoTally } from '../../../local/usage-meter';
import { DEFAULT_ASSUMPTIONS } from '../../../bench/cost/assumptions';
import type { ModelInput } from '../../../bench/cost/cost-line';
import type { Deployment } from '../../../bench/cost/deployment';
import type { MeasuredRun } from '../../../bench/cost/measure';
import { loadPriceTable } from '../../../bench/cost/prices';

const tally = (over: Partial<DynamoTally> = {}): DynamoTally => ({
  requests: {},
  readUnits: 0,
  writeUnits: 0,
  byClass: {},
  accesses: {},
  conditionFailures: 0,
  cancelledTransactionItems: 0,
  flooredRequests: 0,
  ...over,
});

/** 100 intents decided over 10 s of feed on 5 symbols. */
export const measuredRun = (): MeasuredRun => ({
  scenario: 'normal',
  seed: 1,
  measureSeconds: 10,
  symbols: 5,
  intents: 100,
  approved: 90,
  fills: 90,
  ticksReceived: 1000,
  feedIntentsPublished: 100,
  breakerExecutions: 0,
  usage: {
    invocations: {
      'risk/queue': { count: 50, totalMs: 5000, maxMs: 200 },
      'order/queue': { count: 100, totalMs: 10_000, maxMs: 300 },
      'reconciliation/schedule': { count: 2, totalMs: 400, maxMs: 250 },
      'dead-man-switch/schedule': { count: 10, totalMs: 1000, maxMs: 150 },
      'risk/schedule': { count: 2, totalMs: 100, maxMs: 60 },
    },
    dynamodb: {
      'risk/queue': tally({ readUnits: 200, writeUnits: 1000, accesses: { 'marks:read:1': 50, 'book:write:2': 50 }, conditionFailures: 10 }),
      'order/queue': tally({ readUnits: 300, writeUnits: 800 }),
      'reconciliation/schedule': tally({ readUnits: 16, writeUnits: 4, byClass: { orders: { requests: 6, readUnits: 6, writeUnits: 0 } }, accesses: { 'orders:read:1': 6 } }),
      'dead-man-switch/schedule': tally({ readUnits: 40, byClass: { orders: { requests: 10, readUnits: 10, writeUnits: 0 } }, accesses: { 'orders:read:1': 10, 'marks:read:1': 10 } }),
      'risk/schedule': tally({ readUnits: 2 }),
      feed: tally({
        readUnits: 10,
        writeUnits: 20,
        byClass: { marks: { requests: 10, readUnits: 0, writeUnits: 10 }, heartbeat: { requests: 10, readUnits: 0, writeUnits: 10 } },
        accesses: { 'marks:write:1': 10, 'heartbeat:write:1': 10 },
      }),
      local: tally({ readUnits: 1000, writeUnits: 1000 }),
    },
    sqs: {
      intents: { ReceiveMessage: { requests: 60, messages: 100, empty: 10, chunks: 60 }, DeleteMessageBatch: { requests: 50, messages: 100, empty: 0, chunks: 50 } },
      orders: {
        SendMessageBatch: { requests: 200, messages: 250, empty: 0, chunks: 200 },
        ReceiveMessage: { requests: 400, messages: 250, empty: 300, chunks: 400 },
        DeleteMessageBatch: { requests: 100, messages: 250, empty: 0, chunks: 100 },
      },
    },
    emf: { 'risk/queue': { lines: 400, bytes: 100_000 }, 'order/queue': { lines: 500, bytes: 120_000 }, 'reconciliation/schedule': { lines: 2, bytes: 500 } },
    metrics: [
      { service: 'risk', name: 'RiskDecision', dimensions: 'outcome=approved,reason=NONE', scheduled: false },
      { service: 'risk', name: 'RiskDecision', dimensions: 'outcome=denied,reason=DUPLICATIVE_ORDER', scheduled: false },
      { service: 'reconciliation', name: 'ReconciliationBreaks', dimensions: 'account=paper-1', scheduled: true },
    ],
    logs: { 'risk/queue': { lines: 100, payloadBytes: 50_000 } },
    stateTransitions: 0,
    feedSeconds: 10,
  },
  events: {
    'trading.feed': { count: 100, entryBytes: 50_000, chunks: 100, archiveBytes: 100_000 },
    'trading.risk': { count: 100, entryBytes: 50_000, chunks: 100, archiveBytes: 100_000 },
    'trading.reconciliation': { count: 2, entryBytes: 1000, chunks: 2, archiveBytes: 2000 },
  },
  items: {
    marks: { bytes: 400, symbols: 5, baseBytes: 50, perSymbolBytes: 70 },
    reference: { bytes: 300, symbols: 5, baseBytes: 50, perSymbolBytes: 50 },
    book: { bytes: 500, symbols: 5, baseBytes: 100, perSymbolBytes: 80 },
  },
  table: { durableItems: 500, durableBytes: 300_000, expiringItems: 10, indexBytes: 100_000, orderItems: 100, orderItemBytes: 500 },
});

export const deployment = (): Deployment => ({
  functions: (['risk', 'order', 'reconciliation', 'breaker', 'dead-man-switch', 'kill-switch'] as const).map((name) => ({
    name,
    memoryMb: 512,
    arm: true,
    traced: true,
    readsSecret: name !== 'risk',
    provisionedConcurrency: name === 'kill-switch' ? 1 : 0,
  })),
  alarms: [
    { id: 'Errors', metrics: 1, highResolution: false, searches: [] },
    { id: 'Rejections', metrics: 0, highResolution: false, searches: ['RiskDecision', 'RiskDecision'] },
    { id: 'Coverage', metrics: 1, highResolution: false, searches: [], customMetric: { name: 'CalendarCoverageDays', dimensions: 'market=XNYS' } },
  ],
  compositeAlarms: 0,
  dashboards: 1,
  secrets: 1,
  customerKeys: 0,
  logRetentionDays: 365,
  archiveRetentionDays: 365,
  stateMachines: { standard: 1, express: 0, loggingAll: true },
  restApis: 1,
  tasks: [{ vcpu: 0.25, memoryGb: 0.5, arm: true, count: 1, publicIp: true }],
  queuePollers: { fifo: 1, standard: 1 },
  table: { pointInTimeRecovery: true, onDemand: true, indexes: 1 },
});

export const modelInput = (over: Partial<ModelInput['request']> = {}): ModelInput => ({
  measured: measuredRun(),
  deployment: deployment(),
  prices: loadPriceTable(),
  request: { env: 'prod', symbols: 5, orders: 1000, month: 1, ...over },
  assumptions: DEFAULT_ASSUMPTIONS,
  schedules: { 'reconciliation/schedule': 1, 'risk/schedule': 1, 'dead-man-switch/schedule': 1 },
});
