// The data lines: DynamoDB request units (the order path per intent, the schedules per run, the feed per second,
// the order history read by the schedules) and storage; SQS requests; EventBridge events and the archive.
import type { Caller, DynamoTally } from '../../local/usage-meter';
import type { ItemClass } from '../../local/usage-meter-sdk';
import { calendarDaysPerMonth } from './assumptions';
import { dynamoOf, everyMinutesOf, f, isPerIntent, isScheduled, lineOf, runsOf, type Basis, type CostLine, type ModelInput } from './cost-line';
import type { ContainerName } from './measure';
import {
  accessUnits,
  containerBytesAt,
  containerUnitsDelta,
  GB,
  orderHistoryQueryUnits,
  ordersHeldInMonth,
  perIntent,
  perSecond,
  pollerRequestsPerDay,
  scheduledRunsPerDay,
  SECONDS_PER_DAY,
  SESSION_SECONDS,
  storageHeldGb,
} from './scaling';

const CONTAINERS: readonly ContainerName[] = ['marks', 'reference', 'book'];

/** The tally's accesses of one class, parsed from their `class:access:factor` keys. */
const accessesOf = (tally: DynamoTally, itemClass: ItemClass) =>
  Object.entries(tally.accesses).flatMap(([key, count]) => {
    const [cls, access, factor] = key.split(':');
    return cls === itemClass ? [{ access: access as 'read' | 'write', factor: Number(factor), count }] : [];
  });

/**
 * A caller's measured read and write units as they would be at the requested symbols: the container items it
 * touched re-sized, failed conditional writes and cancelled transactions billed, its order-history Queries taken
 * out (they are priced on their own, by the history's size).
 */
const unitsAtSymbols = (input: ModelInput, tally: DynamoTally): { read: number; write: number; historyQueries: number; historyFactor: number } => {
  let read = tally.readUnits - (tally.byClass.orders?.readUnits ?? 0);
  // A failed conditional write bills at least one unit; a cancelled transaction two per item (transactional).
  let write = tally.writeUnits + tally.conditionFailures + 2 * tally.cancelledTransactionItems;
  for (const name of CONTAINERS) {
    const accesses = accessesOf(tally, name);
    read += containerUnitsDelta(accesses.filter((a) => a.access === 'read'), input.measured.items[name], input.request.symbols);
    write += containerUnitsDelta(accesses.filter((a) => a.access === 'write'), input.measured.items[name], input.request.symbols);
  }
  const history = accessesOf(tally, 'orders');
  const historyQueries = history.reduce((sum, a) => sum + a.count, 0);
  const historyFactor = historyQueries > 0 ? history.reduce((sum, a) => sum + a.factor * a.count, 0) / historyQueries : 1;
  return { read, write, historyQueries, historyFactor };
};

/**
 * Read units of one order-history Query in the requested month. No deployed caller makes one (open orders are
 * read through their markers); a caller that did would be priced by the history it reads.
 */
const historyQueryUnits = (input: ModelInput, factor: number): { units: number; formula: string } => {
  const { request, assumptions, measured } = input;
  const held = ordersHeldInMonth(request.orders, assumptions.tradingDaysPerMonth, request.month);
  const bytes = measured.table.orderItemBytes;
  return {
    units: orderHistoryQueryUnits(held, bytes, factor),
    formula: `${f(held)} orders held on average in month ${request.month} (${f(request.orders)} a day, kept) × ${f(bytes)} B each ÷ 4 KB`,
  };
};

const callerLines = (input: ModelInput, caller: Caller, tally: DynamoTally): CostLine[] => {
  const { measured, request } = input;
  const units = unitsAtSymbols(input, tally);
  const perIntentCaller = isPerIntent(caller);
  const scale = perIntentCaller
    ? { basis: 'session' as Basis, by: (n: number) => perIntent(n, measured.intents, request.orders), how: `for ${f(measured.intents)} intents × ${f(request.orders)} intents` }
    : { basis: 'calendar-day' as Basis, by: (n: number) => (n / runsOf(input, caller)) * scheduledRunsPerDay(everyMinutesOf(input, caller)), how: `in ${f(runsOf(input, caller))} runs × ${f(scheduledRunsPerDay(everyMinutesOf(input, caller)))} runs a day` };
  const at = `at ${f(request.symbols)} symbols`;
  const lines = [
    lineOf(input, { id: 'dynamodb.reads', service: 'DynamoDB', item: `${caller} reads`, basis: scale.basis, quantity: scale.by(units.read), price: 'dynamodb.readRequestUnit', formula: `${f(units.read)} read units ${at} ${scale.how}` }),
    lineOf(input, { id: 'dynamodb.writes', service: 'DynamoDB', item: `${caller} writes`, basis: scale.basis, quantity: scale.by(units.write), price: 'dynamodb.writeRequestUnit', formula: `${f(units.write)} write units ${at} (failed conditions included) ${scale.how}` }),
  ];
  if (units.historyQueries > 0) {
    const query = historyQueryUnits(input, units.historyFactor);
    lines.push(
      lineOf(input, {
        id: 'dynamodb.orderHistoryReads',
        service: 'DynamoDB',
        item: `${caller} order-history queries`,
        basis: scale.basis,
        quantity: scale.by(units.historyQueries) * query.units,
        price: 'dynamodb.readRequestUnit',
        formula: `${f(units.historyQueries)} queries ${scale.how}, each ${f(query.units)} read units: ${query.formula}`,
      }),
    );
  }
  return lines;
};

const feedLines = (input: ModelInput, tally: DynamoTally): CostLine[] => {
  const { measured, request, assumptions } = input;
  const seconds = measured.usage.feedSeconds;
  const marks = tally.byClass.marks ?? { requests: 0, readUnits: 0, writeUnits: 0 };
  const heartbeat = tally.byClass.heartbeat ?? { requests: 0, readUnits: 0, writeUnits: 0 };
  const markBytes = containerBytesAt(measured.items.marks, request.symbols);
  const perWrite = accessUnits('write', markBytes, 1);
  const otherRead = tally.readUnits - marks.readUnits - heartbeat.readUnits;
  const otherWrite = tally.writeUnits - marks.writeUnits - heartbeat.writeUnits;
  return [
    lineOf(input, {
      id: 'dynamodb.marksWrites',
      service: 'DynamoDB',
      item: 'feed marks writes',
      basis: 'session',
      quantity: perSecond(marks.requests, seconds, SESSION_SECONDS) * perWrite,
      price: 'dynamodb.writeRequestUnit',
      formula: `${f(marks.requests)} marks writes in ${f(seconds)} s (symbols due together are written together) × ${f(SESSION_SECONDS)} s × ${f(perWrite)} units (the item: ${f(markBytes)} B at ${f(request.symbols)} symbols)`,
    }),
    lineOf(input, {
      id: 'dynamodb.feedHeartbeat',
      service: 'DynamoDB',
      item: 'feed heartbeat and lease',
      basis: 'calendar-day',
      quantity: perSecond(heartbeat.writeUnits + heartbeat.requests * assumptions.leaseRenewalsPerHeartbeat, seconds, SECONDS_PER_DAY),
      price: 'dynamodb.writeRequestUnit',
      formula: `${f(heartbeat.writeUnits)} heartbeat write units + ${f(heartbeat.requests)} lease renewals (one per heartbeat, 1 unit) in ${f(seconds)} s × 86,400 s (the feed beats when the market is closed too)`,
    }),
    lineOf(input, {
      id: 'dynamodb.feedOther',
      service: 'DynamoDB',
      item: 'feed strategy-switch reads and other',
      basis: 'calendar-day',
      quantity: perSecond(otherRead, seconds, SECONDS_PER_DAY),
      price: 'dynamodb.readRequestUnit',
      formula: `${f(otherRead)} read units in ${f(seconds)} s × 86,400 s`,
    }),
    lineOf(input, { id: 'dynamodb.feedOther', service: 'DynamoDB', item: 'feed other writes', basis: 'calendar-day', quantity: perSecond(otherWrite, seconds, SECONDS_PER_DAY), price: 'dynamodb.writeRequestUnit', formula: `${f(otherWrite)} write units in ${f(seconds)} s × 86,400 s` }),
  ];
};

const storageLines = (input: ModelInput): CostLine[] => {
  const { measured, request, assumptions, deployment } = input;
  const gbPerMonth = (bytes: number) => (perIntent(bytes, measured.intents, request.orders) * assumptions.tradingDaysPerMonth) / GB;
  const tableGb = storageHeldGb(gbPerMonth(measured.table.durableBytes), request.month, 0, calendarDaysPerMonth(assumptions));
  const indexGb = storageHeldGb(gbPerMonth(measured.table.indexBytes), request.month, 0, calendarDaysPerMonth(assumptions));
  const held = `kept items (orders, fills, positions, audit) ${f(measured.table.durableBytes / measured.intents)} B per intent × ${f(request.orders)} intents × ${f(assumptions.tradingDaysPerMonth)} days, held ${f(request.month - 0.5)} months on average in month ${request.month}`;
  return [
    lineOf(input, { id: 'dynamodb.storage', service: 'DynamoDB', item: 'table and index storage', basis: 'month', quantity: tableGb + indexGb, price: 'dynamodb.storage', formula: `${held}; the byCorrelation index holds the audit items again` }),
    ...(deployment.table.pointInTimeRecovery ? [lineOf(input, { id: 'dynamodb.pitr', service: 'DynamoDB', item: 'point-in-time recovery', basis: 'month', quantity: tableGb, price: 'dynamodb.pitr', formula: `the table's size: ${held}` })] : []),
  ];
};

const dynamoLines = (input: ModelInput): CostLine[] => [
  ...dynamoOf(input).flatMap(([caller, tally]) => (caller === 'feed' ? feedLines(input, tally) : isPerIntent(caller) || isScheduled(caller) ? callerLines(input, caller, tally) : [])),
  ...storageLines(input),
];

const sqsLines = (input: ModelInput): CostLine[] => {
  const { measured, request, deployment, assumptions } = input;
  const on = (queue: string, action: string) => measured.usage.sqs[queue]?.[action] ?? { requests: 0, messages: 0, empty: 0, chunks: 0 };
  const scaled = (n: number) => perIntent(n, measured.intents, request.orders);
  const how = `for ${f(measured.intents)} intents × ${f(request.orders)} intents`;
  const orderSends = on('orders', 'SendMessageBatch').chunks + on('orders', 'SendMessage').chunks;
  const received = (queue: string) => on(queue, 'ReceiveMessage').requests - on(queue, 'ReceiveMessage').empty;
  const line = (item: string, quantity: number, price: string, formula: string, basis: Basis = 'session') => lineOf(input, { id: 'sqs.requests', service: 'SQS', item, basis, quantity, price, formula });
  const idle = (mappings: number) => pollerRequestsPerDay(mappings, assumptions.sqsPollersPerMapping, assumptions.sqsPollWaitSeconds);
  return [
    line('intent queue: sends (EventBridge delivers each event with a SendMessage)', request.orders, 'sqs.standardRequest', `one per intent × ${f(request.orders)} intents`),
    line('intent queue: receives and deletes', scaled(received('intents') + on('intents', 'DeleteMessageBatch').requests), 'sqs.standardRequest', `${f(received('intents'))} receives with messages + ${f(on('intents', 'DeleteMessageBatch').requests)} batch deletes ${how}`),
    line('order queue: sends', scaled(orderSends), 'sqs.fifoRequest', `${f(orderSends)} requests (approvals from risk, broker updates from the relay) ${how}`),
    line('order queue: receives and deletes', scaled(received('orders') + on('orders', 'DeleteMessageBatch').requests), 'sqs.fifoRequest', `${f(received('orders'))} receives with messages + ${f(on('orders', 'DeleteMessageBatch').requests)} batch deletes ${how}`),
    line('Lambda pollers on idle standard queues', idle(deployment.queuePollers.standard), 'sqs.standardRequest', `${f(deployment.queuePollers.standard)} mappings × ${f(assumptions.sqsPollersPerMapping)} pollers × 86,400 s ÷ ${f(assumptions.sqsPollWaitSeconds)} s waits`, 'calendar-day'),
    line('Lambda pollers on idle FIFO queues', idle(deployment.queuePollers.fifo), 'sqs.fifoRequest', `${f(deployment.queuePollers.fifo)} mappings × ${f(assumptions.sqsPollersPerMapping)} pollers × 86,400 s ÷ ${f(assumptions.sqsPollWaitSeconds)} s waits`, 'calendar-day'),
  ];
};

/** Event sources published by a schedule (per run) rather than per intent. */
const SCHEDULED_SOURCES: Partial<Record<string, Caller>> = { 'trading.reconciliation': 'reconciliation/schedule', 'trading.dead-man-switch': 'dead-man-switch/schedule' };

const eventLines = (input: ModelInput): CostLine[] => {
  const { measured, request, deployment, assumptions } = input;
  const rows = Object.entries(measured.events).map(([source, tally]) => {
    const caller = SCHEDULED_SOURCES[source];
    if (!caller) return { source, basis: 'session' as Basis, scale: (n: number) => perIntent(n, measured.intents, request.orders), how: `for ${f(measured.intents)} intents × ${f(request.orders)} intents`, tally };
    const runsPerDay = scheduledRunsPerDay(everyMinutesOf(input, caller));
    return { source, basis: 'calendar-day' as Basis, scale: (n: number) => (n / runsOf(input, caller)) * runsPerDay, how: `in ${f(runsOf(input, caller))} runs × ${f(runsPerDay)} runs a day`, tally };
  });
  const lines = rows.map((row) =>
    lineOf(input, { id: 'eventbridge.events', service: 'EventBridge', item: `${row.source} events`, basis: row.basis, quantity: row.scale(row.tally.chunks), price: 'eventbridge.customEvent', formula: `${f(row.tally.chunks)} entries (64 KB chunks) ${row.how}` }),
  );
  if (deployment.archiveRetentionDays === 0) return lines;
  for (const basis of ['session', 'calendar-day'] as const) {
    const gb = rows.filter((r) => r.basis === basis).reduce((sum, r) => sum + r.scale(r.tally.archiveBytes), 0) / GB;
    lines.push(lineOf(input, { id: 'eventbridge.archive', service: 'EventBridge', item: `archive: events processed (${basis})`, basis, quantity: gb, price: 'eventbridge.archiveProcessed', formula: 'every event the bus carries, as archived' }));
  }
  const gbPerMonth = rows.reduce((sum, r) => sum + r.scale(r.tally.archiveBytes) * (r.basis === 'session' ? assumptions.tradingDaysPerMonth : calendarDaysPerMonth(assumptions)), 0) / GB;
  const retention = deployment.archiveRetentionDays;
  lines.push(
    lineOf(input, {
      id: 'eventbridge.archive',
      service: 'EventBridge',
      item: 'archive: storage',
      basis: 'month',
      quantity: storageHeldGb(gbPerMonth, request.month, retention, calendarDaysPerMonth(assumptions)),
      price: 'eventbridge.archiveStorage',
      formula: `${f(gbPerMonth)} GB archived a month, kept ${retention < 0 ? 'forever' : `${f(retention)} days`}, held on average in month ${request.month}`,
    }),
  );
  return lines;
};

export const dataLines = (input: ModelInput): CostLine[] => [...dynamoLines(input), ...sqsLines(input), ...eventLines(input)];
