import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALPACA_ORDER_STATUS_MAP,
  MAX_CLIENT_ORDER_ID_LENGTH,
  alpacaTimeToEpochMs,
  orderRequestIssues,
  parseAccount,
  parseFillActivities,
  parseOrder,
  parsePositions,
  parseStreamMessage,
  parseWire,
  readOrder,
  readOrders,
  AlpacaTradeUpdateSchema,
  toBrokerUpdate,
  toOrderBody,
} from '../../../../adapters/broker/alpaca/alpaca-wire';
import { InvalidInputError } from '../../../../shared/errors/errors';
import { marketRequest } from '../../../support/broker-requests';
import { wireOrder as fakeWireOrder } from '../../../support/fake-alpaca-wire';
import { BROKER_ORDER_STATUSES, type BrokerOrderRequest } from '../../../../shared/broker/broker-order';

// An order as Alpaca's docs show it (GET /v2/orders/{id}), limit variant.
const wireOrder = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...fakeWireOrder('2026-11-23T15:00:00.123456Z', {
    id: '61e69015-8549-4bfd-b9c3-01e75843f47d',
    client_order_id: 'intent-0001',
    updated_at: '2026-11-23T15:00:01.987654Z',
    submitted_at: '2026-11-23T15:00:00.120001Z',
    qty: '10.500',
    order_type: 'limit',
    type: 'limit',
    limit_price: '190.05',
  }),
  ...over,
});

const issuesOf = (fn: () => unknown): { path: string; rule: string }[] => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return [...(error as InvalidInputError).issues];
  }
  throw new Error('expected InvalidInputError');
};

describe('alpaca wire: orders', () => {
  it('maps a documented Alpaca order to the port order, keeping decimal strings as written', () => {
    expect(parseOrder(wireOrder())).toEqual({
      brokerOrderId: '61e69015-8549-4bfd-b9c3-01e75843f47d',
      clientOrderId: 'intent-0001',
      symbol: 'AAPL',
      side: 'buy',
      quantity: '10.500',
      orderType: 'limit',
      limitPrice: '190.05',
      timeInForce: 'day',
      status: 'accepted',
      filledQuantity: '0',
      submittedAt: '2026-11-23T15:00:00.120Z',
      updatedAt: '2026-11-23T15:00:01.987Z',
    });
  });

  it('carries the average fill price once something filled and omits the limit price of a market order', () => {
    const order = parseOrder(wireOrder({ type: 'market', order_type: 'market', limit_price: null, status: 'partially_filled', filled_qty: '4', filled_avg_price: '190.0125' }));
    expect(order).toMatchObject({ orderType: 'market', status: 'partially_filled', filledQuantity: '4', filledAvgPrice: '190.0125' });
    expect(order).not.toHaveProperty('limitPrice');
  });

  const table = Object.entries({
    new: 'accepted',
    pending_new: 'accepted',
    accepted: 'accepted',
    accepted_for_bidding: 'accepted',
    calculated: 'accepted',
    done_for_day: 'accepted',
    stopped: 'accepted',
    pending_replace: 'accepted',
    held: 'accepted',
    partially_filled: 'partially_filled',
    filled: 'filled',
    pending_cancel: 'pending_cancel',
    canceled: 'canceled',
    replaced: 'canceled',
    expired: 'expired',
    rejected: 'rejected',
    suspended: 'rejected',
  });

  it.each(table)('normalises Alpaca status %s to %s', (alpaca, port) => {
    expect(parseOrder(wireOrder({ status: alpaca })).status).toBe(port);
  });

  it('has exactly the documented statuses in its table and reaches every port status', () => {
    expect(Object.keys(ALPACA_ORDER_STATUS_MAP).sort()).toEqual(table.map(([alpaca]) => alpaca).sort());
    expect(new Set(Object.values(ALPACA_ORDER_STATUS_MAP))).toEqual(new Set(BROKER_ORDER_STATUSES));
  });

  it('fails on an unknown status, naming the field and the value, instead of guessing', () => {
    expect(issuesOf(() => parseOrder(wireOrder({ status: 'held_for_review' })))).toEqual([
      { path: 'order.status', rule: 'unknown Alpaca order status "held_for_review"' },
    ]);
  });

  it.each([
    ['qty', 'ten'],
    ['qty', '1e3'],
    ['filled_qty', '.5'],
    ['limit_price', '190,05'],
    ['filled_avg_price', ' 1'],
  ])('rejects non-decimal text in %s with an error naming the field', (field, value) => {
    const issues = issuesOf(() => parseOrder(wireOrder({ [field]: value })));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(`order.${field}`);
    expect(issues[0]?.rule).toContain('must be a decimal string');
    expect(issues[0]?.rule).toContain(JSON.stringify(value));
  });

  it('rejects a quantity sent as a JSON number (a binary approximation)', () => {
    expect(issuesOf(() => parseOrder(wireOrder({ qty: 10.5 })))[0]).toMatchObject({ path: 'order.qty', rule: 'must be a decimal string' });
  });

  it('passes every decimal quantity through unchanged', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.integer({ min: 0, max: 9 }), (units, scale) => {
        const digits = units.toString().padStart(scale + 1, '0');
        const qty = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
        expect(parseOrder(wireOrder({ qty, filled_qty: qty })).quantity).toBe(qty);
      }),
    );
  });

  it.each([
    [{ qty: null, notional: '500' }, 'order.qty'],
    [{ type: 'stop', order_type: 'stop', stop_price: '180' }, 'order.type'],
    [{ time_in_force: 'fok' }, 'order.time_in_force'],
    [{ limit_price: null }, 'order.limit_price'],
  ])('refuses an order shape the port cannot represent (%j)', (over, path) => {
    expect(issuesOf(() => parseOrder(wireOrder(over)))[0]?.path).toBe(path);
  });

  it.each(['bracket', 'oco', 'oto', 'mleg', 'trailing'])('refuses an order of class %s (a leg read alone loses its condition)', (orderClass) => {
    expect(issuesOf(() => parseOrder(wireOrder({ order_class: orderClass })))).toEqual([
      { path: 'order.order_class', rule: `unsupported order class "${orderClass}" (order 61e69015-8549-4bfd-b9c3-01e75843f47d); only simple orders are supported` },
    ]);
  });

  it.each(['', 'simple', null])('takes a plain order whose class is %j', (orderClass) => {
    expect(parseOrder(wireOrder({ order_class: orderClass })).brokerOrderId).toBe('61e69015-8549-4bfd-b9c3-01e75843f47d');
  });

  it('refuses an order that carries legs, and takes an empty or null legs list', () => {
    expect(issuesOf(() => parseOrder(wireOrder({ legs: [wireOrder({ id: 'leg-1' })] })))[0]?.path).toBe('order.legs');
    expect(parseOrder(wireOrder({ legs: [] })).status).toBe('accepted');
    expect(parseOrder(wireOrder({ legs: null })).status).toBe('accepted');
  });

  it('falls back to created_at when Alpaca has not stamped submitted_at or updated_at', () => {
    const order = parseOrder(wireOrder({ submitted_at: null, updated_at: null }));
    expect(order.submittedAt).toBe('2026-11-23T15:00:00.123Z');
    expect(order.updatedAt).toBe('2026-11-23T15:00:00.123Z');
  });
});

describe('alpaca wire: reading orders one by one', () => {
  it('reads an order the port represents as the port order', () => {
    expect(readOrder(wireOrder())).toEqual({ ok: true, order: parseOrder(wireOrder()) });
  });

  it('names an order the port cannot represent by its ids, with the reason and its submission time', () => {
    const reading = readOrder(wireOrder({ type: 'stop', order_type: 'stop', stop_price: '180', limit_price: null, client_order_id: 'by-hand-1' }));
    expect(reading).toEqual({
      ok: false,
      unrepresentable: {
        brokerOrderId: '61e69015-8549-4bfd-b9c3-01e75843f47d',
        clientOrderId: 'by-hand-1',
        symbol: 'AAPL',
        reason: expect.stringContaining('order.type'),
      },
      submittedAt: '2026-11-23T15:00:00.120Z',
    });
  });

  it('still names an order whose other fields are unreadable, leaving out the ids it cannot read', () => {
    const reading = readOrder({ id: 'odd-1', client_order_id: 42, symbol: '', status: 'teleported', created_at: 'yesterday' });
    expect(reading).toMatchObject({ ok: false, unrepresentable: { brokerOrderId: 'odd-1' }, submittedAt: undefined });
    if (reading.ok) throw new Error('expected an unrepresentable order');
    expect(reading.unrepresentable).not.toHaveProperty('clientOrderId');
    expect(reading.unrepresentable).not.toHaveProperty('symbol');
  });

  it('throws on an order without an id: it could not even be reported', () => {
    expect(issuesOf(() => readOrders([wireOrder(), { ...wireOrder(), id: undefined }]))[0]?.path).toBe('orders.1.id');
    expect(issuesOf(() => readOrders({ orders: [] }))[0]?.path).toBe('orders');
  });

  it('reads a page order by order, so one unrepresentable order leaves the others readable', () => {
    const readings = readOrders([wireOrder({ id: 'a' }), wireOrder({ id: 'b', order_class: 'oco' }), wireOrder({ id: 'c' })]);
    expect(readings.map((r) => (r.ok ? `ok ${r.order.brokerOrderId}` : `unrepresentable ${r.unrepresentable.brokerOrderId}`))).toEqual([
      'ok a',
      'unrepresentable b',
      'ok c',
    ]);
  });
});

describe('alpaca wire: timestamps', () => {
  it.each([
    ['2026-11-23T15:00:00Z', '2026-11-23T15:00:00.000Z'],
    ['2026-11-23T15:00:00.1Z', '2026-11-23T15:00:00.100Z'],
    ['2026-11-23T15:00:00.123456789Z', '2026-11-23T15:00:00.123Z'],
    ['2026-11-23T10:00:00.5-05:00', '2026-11-23T15:00:00.500Z'],
  ])('normalises %s to %s', (text, iso) => {
    expect(new Date(alpacaTimeToEpochMs(text)).toISOString()).toBe(iso);
  });

  it.each(['2026-02-30T00:00:00Z', '2026-11-23 15:00:00Z', 'yesterday', '2026-11-23T15:00:00'])('rejects %s', (text) => {
    expect(alpacaTimeToEpochMs(text)).toBeNaN();
    expect(issuesOf(() => parseOrder(wireOrder({ created_at: text })))[0]?.path).toBe('order.created_at');
  });
});

describe('alpaca wire: positions, account, fills', () => {
  it('keeps a short position negative and the entry price as written', () => {
    const positions = parsePositions([
      { symbol: 'AAPL', qty: '5', side: 'long', avg_entry_price: '100.25', market_value: '600.0' },
      { symbol: 'TSLA', qty: '-3', side: 'short', avg_entry_price: '250' },
      { symbol: 'MSFT', qty: '2', side: 'short', avg_entry_price: null },
    ]);
    expect(positions).toEqual([
      { symbol: 'AAPL', quantity: '5', avgEntryPrice: '100.25' },
      { symbol: 'TSLA', quantity: '-3', avgEntryPrice: '250' },
      { symbol: 'MSFT', quantity: '-2' },
    ]);
  });

  it('refuses a long position with a negative quantity', () => {
    expect(issuesOf(() => parsePositions([{ symbol: 'AAPL', qty: '-5', side: 'long' }]))[0]?.path).toBe('position.qty');
  });

  it.each([
    [{}, false],
    [{ trading_blocked: true }, true],
    [{ account_blocked: true }, true],
    [{ trade_suspended_by_user: true }, true],
  ])('maps the account with %j to tradingBlocked %s', (over, blocked) => {
    const account = parseAccount({
      status: 'ACTIVE',
      cash: '-23140.2',
      equity: '103820.56',
      buying_power: '262113.632',
      trading_blocked: false,
      account_blocked: false,
      trade_suspended_by_user: false,
      ...over,
    });
    expect(account).toEqual({ cash: '-23140.2', equity: '103820.56', buyingPower: '262113.632', tradingBlocked: blocked });
  });

  it('maps a FILL activity, treating a short sale as a sell', () => {
    const fills = parseFillActivities([
      {
        activity_type: 'FILL',
        cum_qty: '1',
        id: '20190524113406977::8efc7b9a-8b2b-4000-9955-d36e7db0df74',
        leaves_qty: '0',
        price: '1.63',
        qty: '1',
        side: 'sell_short',
        symbol: 'LPCN',
        transaction_time: '2019-05-24T15:34:06.977Z',
        order_id: '904837e3-3b76-47ec-b432-046db621571b',
        type: 'fill',
      },
    ]);
    expect(fills).toEqual([
      {
        executionId: '20190524113406977::8efc7b9a-8b2b-4000-9955-d36e7db0df74',
        brokerOrderId: '904837e3-3b76-47ec-b432-046db621571b',
        symbol: 'LPCN',
        side: 'sell',
        quantity: '1',
        price: '1.63',
        cumulativeQuantity: '1',
        at: '2019-05-24T15:34:06.977Z',
      },
    ]);
  });

  it('names the entry and field of a bad activity', () => {
    const good = { activity_type: 'FILL', id: 'a', order_id: 'o', symbol: 'X', side: 'buy', qty: '1', price: '1', cum_qty: '1', transaction_time: '2026-11-23T15:00:00Z' };
    expect(issuesOf(() => parseFillActivities([good, { ...good, price: 'NaN' }]))[0]?.path).toBe('activities.1.price');
  });
});

describe('alpaca wire: trade updates', () => {
  const update = (over: Record<string, unknown> = {}) => parseWire(AlpacaTradeUpdateSchema, { event: 'new', order: wireOrder(), timestamp: '2026-11-23T15:00:02.000001Z', ...over }, 'trade_update');

  it('maps a fill event to an update carrying the execution, cumulative quantity from the order', () => {
    const mapped = toBrokerUpdate(
      update({
        event: 'partial_fill',
        execution_id: 'exec-1',
        qty: '4',
        price: '190.01',
        position_qty: '4',
        order: wireOrder({ status: 'partially_filled', filled_qty: '4', filled_avg_price: '190.01' }),
      }),
    );
    expect(mapped.event).toBe('partial_fill');
    expect(mapped.at).toBe('2026-11-23T15:00:02.000Z');
    expect(mapped.order.status).toBe('partially_filled');
    expect(mapped.fill).toEqual({
      executionId: 'exec-1',
      brokerOrderId: '61e69015-8549-4bfd-b9c3-01e75843f47d',
      symbol: 'AAPL',
      side: 'buy',
      quantity: '4',
      price: '190.01',
      cumulativeQuantity: '4',
      at: '2026-11-23T15:00:02.000Z',
    });
  });

  it('has no fill on other events and takes the order update time when the event has no timestamp', () => {
    const mapped = toBrokerUpdate(update({ event: 'canceled', timestamp: undefined, order: wireOrder({ status: 'canceled' }) }));
    expect(mapped).toMatchObject({ event: 'canceled', at: '2026-11-23T15:00:01.987Z' });
    expect(mapped).not.toHaveProperty('fill');
  });

  it('refuses a fill event without its quantity or price', () => {
    expect(issuesOf(() => toBrokerUpdate(update({ event: 'fill', execution_id: 'e' })))).toEqual([
      { path: 'trade_update.qty', rule: 'is required on a fill event' },
      { path: 'trade_update.price', rule: 'is required on a fill event' },
    ]);
  });

  it('tells authorization, listening and trade_updates messages apart and rejects other streams', () => {
    expect(parseStreamMessage({ stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } }).stream).toBe('authorization');
    expect(parseStreamMessage({ stream: 'listening', data: { streams: ['trade_updates'] } }).stream).toBe('listening');
    expect(parseStreamMessage({ stream: 'trade_updates', data: { event: 'new', order: wireOrder() } }).stream).toBe('trade_updates');
    expect(issuesOf(() => parseStreamMessage({ stream: 'quotes', data: {} }))[0]?.rule).toContain('"quotes"');
  });

  it('reads an authorization answer with the server text and without an action', () => {
    expect(parseStreamMessage({ stream: 'authorization', data: { status: 'unauthorized', action: 'authenticate', message: 'access key verification failed' } })).toEqual({
      stream: 'authorization',
      data: { status: 'unauthorized', action: 'authenticate', message: 'access key verification failed' },
    });
    expect(parseStreamMessage({ stream: 'authorization', data: { status: 'authorized' } }).stream).toBe('authorization');
  });

  it.each([
    [{ action: 'error', data: { error_message: 'connection limit exceeded' } }, 'connection limit exceeded'],
    [{ action: 'error', data: { error_message: 'auth timeout', code: 404 } }, 'auth timeout (code 404)'],
    [{ action: 'error', data: { message: 'internal error' } }, 'internal error'],
    [{ stream: 'error', data: { error: 'invalid syntax' } }, 'invalid syntax'],
    [{ action: 'error', data: 'slow client' }, 'slow client'],
    [{ action: 'error', data: [1, 2] }, 'no message'],
    [{ action: 'error' }, 'no message'],
  ])('reads the error frame %j as the broker error %j, not as a malformed message', (frame, message) => {
    expect(parseStreamMessage(frame)).toEqual({ stream: 'error', data: { message } });
  });
});

describe('alpaca wire: order requests', () => {
  const request = (over: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest => marketRequest('intent-1', over);

  it('builds the POST /v2/orders body, with limit_price only on a limit order', () => {
    expect(toOrderBody(request())).toEqual({ symbol: 'AAPL', qty: '10', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'intent-1' });
    expect(toOrderBody(request({ orderType: 'limit', limitPrice: '190.05', timeInForce: 'gtc' }))).toMatchObject({ type: 'limit', limit_price: '190.05', time_in_force: 'gtc' });
  });

  it('accepts a client order id of exactly 48 characters and refuses 49', () => {
    expect(orderRequestIssues(request({ clientOrderId: 'x'.repeat(MAX_CLIENT_ORDER_ID_LENGTH) }))).toEqual([]);
    expect(orderRequestIssues(request({ clientOrderId: 'x'.repeat(49) }))).toEqual([
      { path: 'clientOrderId', rule: 'must be at most 48 characters (got 49)' },
    ]);
  });

  it.each([
    [{ quantity: '0' }, 'quantity'],
    [{ quantity: '-1' }, 'quantity'],
    [{ quantity: '1e2' }, 'quantity'],
    [{ orderType: 'limit' as const }, 'limitPrice'],
    [{ limitPrice: '10' }, 'limitPrice'],
    [{ clientOrderId: '' }, 'clientOrderId'],
  ])('finds the problem in %j', (over, path) => {
    expect(orderRequestIssues(request(over)).map((issue) => issue.path)).toEqual([path]);
  });
});
