// An in-process fake of Alpaca's Trading API v2 for adapter tests: REST on node:http and the trade_updates
// WebSocket on `ws` (fake-alpaca-stream.ts), one port. It keeps an in-memory book (orders, fills, positions,
// account) in Alpaca's documented JSON shapes (fake-alpaca-wire.ts), checks the APCA headers, counts requests
// against a per-minute quota and reports it on every answer (X-RateLimit-Limit, -Remaining, -Reset), moves
// orders the way the service does (accepted, then new; pending_cancel, then canceled; each step pushed on the
// stream), and takes per-route faults so tests can make any call slow, failing, rate limited or cut off.
// Timestamps come from the injected `now`, written with microseconds as Alpaca writes them. The same port
// serves the Market Data API's historical daily bars (fake-alpaca-bars.ts) and the market calendar
// (fake-alpaca-calendar.ts), under the same key and quota.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { dec, toDecimalString } from '../../shared/money/decimal';
import { FakeAlpacaBars } from './fake-alpaca-bars';
import { FakeAlpacaCalendar } from './fake-alpaca-calendar';
import { FakeAlpacaStream } from './fake-alpaca-stream';
import {
  alpacaError,
  DECIMAL,
  defaultAccount,
  OPEN_STATUSES,
  toMicros,
  wireOrder,
  wirePosition,
  type WireAccount,
  type WireFillActivity,
  type WireOrder,
} from './fake-alpaca-wire';

export type { WireAccount, WireFillActivity, WireOrder } from './fake-alpaca-wire';
export { FakeAlpacaStream } from './fake-alpaca-stream';
export { dailyBar, FakeAlpacaBars, type WireBar } from './fake-alpaca-bars';
export { calendarDay, FakeAlpacaCalendar, type WireCalendarDay } from './fake-alpaca-calendar';

export type FakeRoute =
  | 'POST /v2/orders'
  | 'GET /v2/orders:by_client_order_id'
  | 'GET /v2/orders'
  | 'GET /v2/orders/:id'
  | 'DELETE /v2/orders'
  | 'DELETE /v2/orders/:id'
  | 'GET /v2/account/activities/FILL'
  | 'GET /v2/positions'
  | 'DELETE /v2/positions'
  | 'GET /v2/account'
  | 'GET /v2/stocks/bars'
  | 'GET /v2/calendar';

/**
 * One injected response. `status`: answer with this status (and Alpaca error body) instead; a 429 reports
 * the quota as spent, resetting at `reset` (epoch seconds) or at the end of the current window. `destroy`:
 * cut the connection without answering. With `afterEffect` the request is processed first (an order is
 * created, a cancel applied) and only the answer is lost — the ambiguous case. `delay`: the request is
 * processed at once and answered `ms` later (set it above the client's timeout).
 */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; reset?: number; body?: unknown; afterEffect?: boolean }
  | { kind: 'destroy'; afterEffect?: boolean }
  | { kind: 'delay'; ms: number };

export interface RecordedRequest {
  method: string;
  path: string;
  route: FakeRoute | undefined;
  query: Record<string, string>;
  body: unknown;
  /** The injected clock when the request arrived. */
  at: number;
}

export interface FakeAlpacaOptions {
  keyId?: string;
  secretKey?: string;
  now?: () => number;
  /** Alpaca answers on /stream in binary frames; 'text' tests the other branch of the client. */
  streamFrames?: 'binary' | 'text';
  /** Requests per minute before Alpaca answers 429; default 200, Alpaca's limit per key. */
  rateLimit?: number;
}

const WINDOW_MS = 60_000;

export class FakeAlpaca {
  readonly requests: RecordedRequest[] = [];
  readonly stream: FakeAlpacaStream;
  /** The data API's daily bars: `bars.set(symbol, [...])`. */
  readonly bars = new FakeAlpacaBars();
  /** The market calendar: `calendar.set([...])`; the built-in XNYS sessions until a test sets days. */
  readonly calendar = new FakeAlpacaCalendar();
  /** Leave submitted orders `accepted` (not yet routed) until route() moves them on. */
  holdOrders = false;
  /** Leave canceled orders `pending_cancel` until completeCancel() finishes them. */
  holdCancels = false;
  private readonly ordersById = new Map<string, WireOrder>();
  private readonly orderMicros = new Map<string, number>();
  private readonly activities: { activity: WireFillActivity; micros: number }[] = [];
  private readonly positions = new Map<string, { qty: string; avgEntryPrice: string }>();
  private readonly faults = new Map<FakeRoute, Fault[]>();
  private readonly closeFailures = new Map<string, { status: number; message: string }>();
  private readonly cancelFailures = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly rateLimit: number;
  private quota = { windowStart: Number.NEGATIVE_INFINITY, used: 0 };
  private account: WireAccount = defaultAccount();
  private sequence = 0;
  private readonly now: () => number;
  private port = 0;
  keyId: string;
  secretKey: string;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    options: FakeAlpacaOptions,
  ) {
    this.keyId = options.keyId ?? 'PKFAKEKEYID0000000001';
    this.secretKey = options.secretKey ?? 'fake-secret-key-0123456789abcdefghijklmnop';
    this.now = options.now ?? Date.now;
    this.rateLimit = options.rateLimit ?? 200;
    this.stream = new FakeAlpacaStream(() => ({ keyId: this.keyId, secretKey: this.secretKey }), options.streamFrames ?? 'binary');
  }

  static async start(options: FakeAlpacaOptions = {}): Promise<FakeAlpaca> {
    const server = createServer();
    // The stream answers pings itself, so a test can stop it.
    const wss = new WebSocketServer({ noServer: true, autoPong: false });
    const fake = new FakeAlpaca(server, wss, options);
    server.on('request', (req, res) => void fake.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://fake').pathname !== '/stream') {
        socket.destroy();
        return;
      }
      const login = fake.stream.headerLogin(req.headers);
      if (login === 'invalid') {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => fake.stream.accept(ws, login === 'valid'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get streamUrl(): string {
    return `ws://127.0.0.1:${this.port}/stream`;
  }

  get credentials(): { keyId: string; secretKey: string } {
    return { keyId: this.keyId, secretKey: this.secretKey };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const client of this.stream.clients) client.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Queues faults for the next requests to `route`, one per request, in order. */
  inject(route: FakeRoute, ...faults: Fault[]): void {
    this.faults.set(route, [...(this.faults.get(route) ?? []), ...faults]);
  }

  requestsTo(route: FakeRoute): RecordedRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  // ---------------------------------------------------------------------------------------------------------
  // The book

  order(id: string): WireOrder | undefined {
    const order = this.ordersById.get(id);
    return order && structuredClone(order);
  }

  orders(): WireOrder[] {
    return [...this.ordersById.values()].map((order) => structuredClone(order));
  }

  /** Puts an order straight into the book (as if placed elsewhere), stamped now unless overridden. */
  addOrder(over: Partial<WireOrder> = {}): WireOrder {
    const order = wireOrder(this.stamp(), over);
    this.ordersById.set(order.id, order);
    this.orderMicros.set(order.id, toMicros(order.submitted_at));
    return structuredClone(order);
  }

  /** Changes an order's status and (unless `push` is false) sends the matching trade update. */
  setOrderStatus(id: string, status: string, options: { push?: boolean } = {}): WireOrder {
    const order = this.mustGet(id);
    const at = this.stamp();
    order.status = status;
    order.updated_at = at;
    if (status === 'canceled') order.canceled_at = at;
    if (status === 'expired') order.expired_at = at;
    if (status === 'rejected') order.failed_at = at;
    if (options.push !== false) this.stream.push({ event: status, order: structuredClone(order), timestamp: at });
    return structuredClone(order);
  }

  /** Routes an accepted order to the market, as Alpaca does on its own: `new`, pushed on the stream. */
  route(id: string): WireOrder {
    return this.setOrderStatus(id, 'new');
  }

  /** Finishes a pending cancel: `canceled`, pushed on the stream. */
  completeCancel(id: string): WireOrder {
    return this.setOrderStatus(id, 'canceled');
  }

  /**
   * Executes `qty` of an order at `price`: the order's filled quantity and average price, the position, a
   * FILL activity and (unless `push` is false) a fill/partial_fill trade update.
   */
  fill(id: string, execution: { qty: string; price: string; push?: boolean }): { order: WireOrder; activity: WireFillActivity; executionId: string } {
    const order = this.mustGet(id);
    const at = this.stamp();
    const before = dec(order.filled_qty);
    const filled = before.plus(execution.qty);
    const total = dec(order.qty ?? '0');
    const oldCost = order.filled_avg_price === null ? dec(0) : dec(order.filled_avg_price).times(before);
    order.filled_qty = toDecimalString(filled);
    order.filled_avg_price = toDecimalString(oldCost.plus(dec(execution.price).times(execution.qty)).div(filled).toDecimalPlaces(6));
    const complete = filled.gte(total);
    order.status = complete ? 'filled' : 'partially_filled';
    order.updated_at = at;
    if (complete) order.filled_at = at;

    const signed = order.side === 'buy' ? dec(execution.qty) : dec(execution.qty).neg();
    const position = this.positions.get(order.symbol);
    const newQty = (position ? dec(position.qty) : dec(0)).plus(signed);
    if (newQty.isZero()) this.positions.delete(order.symbol);
    else this.positions.set(order.symbol, { qty: toDecimalString(newQty), avgEntryPrice: position?.avgEntryPrice ?? execution.price });

    const activity: WireFillActivity = {
      activity_type: 'FILL',
      id: `${at.replace(/\D/g, '').slice(0, 17)}${String(this.sequence).padStart(6, '0')}::${randomUUID()}`,
      cum_qty: order.filled_qty,
      leaves_qty: toDecimalString(total.minus(filled)),
      price: execution.price,
      qty: execution.qty,
      side: order.side,
      symbol: order.symbol,
      transaction_time: at,
      order_id: order.id,
      type: complete ? 'fill' : 'partial_fill',
      order_status: order.status,
    };
    this.activities.push({ activity, micros: toMicros(at) });
    const executionId = randomUUID();
    if (execution.push !== false) {
      this.stream.push({
        event: complete ? 'fill' : 'partial_fill',
        execution_id: executionId,
        order: structuredClone(order),
        position_qty: toDecimalString(newQty),
        price: execution.price,
        qty: execution.qty,
        timestamp: at,
      });
    }
    return { order: structuredClone(order), activity: structuredClone(activity), executionId };
  }

  setPosition(symbol: string, qty: string, avgEntryPrice = '100'): void {
    if (dec(qty).isZero()) this.positions.delete(symbol);
    else this.positions.set(symbol, { qty, avgEntryPrice });
  }

  setAccount(over: WireAccount): void {
    this.account = { ...this.account, ...over };
  }

  /** DELETE /v2/positions will answer this status for the symbol instead of closing it. */
  failCloseOf(symbol: string, status = 403, message = 'insufficient qty available for order'): void {
    this.closeFailures.set(symbol, { status, message });
  }

  /** DELETE /v2/orders will report a 500 for this order instead of canceling it. */
  failCancelOf(orderId: string): void {
    this.cancelFailures.add(orderId);
  }

  // ---------------------------------------------------------------------------------------------------------
  // HTTP

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const route = routeOf(method, url.pathname);
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    this.requests.push({ method, path: url.pathname, route, query: Object.fromEntries(url.searchParams), body, at: this.now() });
    const quota = this.countRequest();

    const fault = route ? this.faults.get(route)?.shift() : undefined;
    if (fault && fault.kind !== 'delay' && !fault.afterEffect) {
      this.applyFault(fault, req, res, quota);
      return;
    }
    if (!fault && quota.exceeded) {
      this.respond(res, { status: 429, body: alpacaError(42910000, 'rate limit exceeded') }, quota.headers);
      return;
    }
    const answer = this.answer(req, method, route, url, body);
    if (!fault) return this.respond(res, answer, quota.headers);
    if (fault.kind === 'delay') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!res.destroyed) this.respond(res, answer, quota.headers);
      }, fault.ms);
      this.timers.add(timer);
      return;
    }
    this.applyFault(fault, req, res, quota);
  }

  /**
   * Counts a request against the quota: a fixed window of one minute from its first request, and the
   * headers every answer carries. Past the limit the request is not served (429).
   */
  private countRequest(): { headers: Record<string, string>; exceeded: boolean; reset: number } {
    const now = this.now();
    if (now >= this.quota.windowStart + WINDOW_MS) this.quota = { windowStart: now, used: 0 };
    this.quota.used++;
    const reset = Math.ceil((this.quota.windowStart + WINDOW_MS) / 1000);
    return {
      headers: {
        'x-ratelimit-limit': String(this.rateLimit),
        'x-ratelimit-remaining': String(Math.max(0, this.rateLimit - this.quota.used)),
        'x-ratelimit-reset': String(reset),
      },
      exceeded: this.quota.used > this.rateLimit,
      reset,
    };
  }

  private applyFault(
    fault: Exclude<Fault, { kind: 'delay' }>,
    req: IncomingMessage,
    res: ServerResponse,
    quota: { headers: Record<string, string>; reset: number },
  ): void {
    if (fault.kind === 'destroy') {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { ...quota.headers };
    if (fault.status === 429) Object.assign(headers, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(fault.reset ?? quota.reset) });
    if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
    const body =
      fault.body ??
      (fault.status === 429 ? alpacaError(42910000, 'rate limit exceeded') : fault.status >= 500 ? alpacaError(50010000, 'internal server error') : alpacaError(40010000, 'request refused'));
    this.respond(res, { status: fault.status, body }, headers);
  }

  private respond(res: ServerResponse, answer: Answer, quotaHeaders: Record<string, string>): void {
    if (answer.body === undefined) {
      res.writeHead(answer.status, quotaHeaders);
      res.end();
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8', ...quotaHeaders });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  }

  private answer(req: IncomingMessage, method: string, route: FakeRoute | undefined, url: URL, body: unknown): Answer {
    const keyId = req.headers['apca-api-key-id'];
    const secret = req.headers['apca-api-secret-key'];
    if (keyId === undefined || secret === undefined) return { status: 401, body: alpacaError(40110000, 'request is not authorized') };
    if (keyId !== this.keyId || secret !== this.secretKey) return { status: 403, body: alpacaError(40310000, 'forbidden') };
    const query = url.searchParams;
    const orderId = decodeURIComponent(url.pathname.slice('/v2/orders/'.length));
    switch (route) {
      case 'POST /v2/orders':
        return this.createOrder(body);
      case 'GET /v2/orders:by_client_order_id':
        return found([...this.ordersById.values()].find((o) => o.client_order_id === query.get('client_order_id')));
      case 'GET /v2/orders':
        return { status: 200, body: this.listOrders(query) };
      case 'GET /v2/orders/:id':
        return found(this.ordersById.get(orderId));
      case 'DELETE /v2/orders/:id':
        return this.cancel(orderId);
      case 'DELETE /v2/orders':
        return { status: 207, body: this.cancelAll() };
      case 'GET /v2/account/activities/FILL':
        return this.listActivities(query);
      case 'GET /v2/positions':
        return { status: 200, body: [...this.positions.entries()].map(([symbol, p]) => wirePosition(symbol, p.qty, p.avgEntryPrice)) };
      case 'DELETE /v2/positions':
        return { status: 207, body: this.closeAll(query.get('cancel_orders') === 'true') };
      case 'GET /v2/account':
        return { status: 200, body: this.account };
      case 'GET /v2/stocks/bars':
        return this.bars.answer(query, this.now());
      case 'GET /v2/calendar':
        return this.calendar.answer(query);
      default:
        return { status: 404, body: alpacaError(40410000, `endpoint not found: ${method} ${url.pathname}`) };
    }
  }

  /** Creates the order `accepted` (received, not yet routed), answers with it, then routes it unless held. */
  private createOrder(body: unknown): Answer {
    const b = (body ?? {}) as Record<string, unknown>;
    const invalid = (message: string): Answer => ({ status: 422, body: alpacaError(40010001, message) });
    if (typeof b.symbol !== 'string' || b.symbol === '') return invalid('symbol is required');
    if (typeof b.qty !== 'string' || !DECIMAL.test(b.qty) || !dec(b.qty).gt(0)) return invalid('qty must be > 0');
    if (b.side !== 'buy' && b.side !== 'sell') return invalid('invalid side');
    if (!['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'].includes(String(b.type))) return invalid('invalid order type');
    if (!['day', 'gtc', 'opg', 'cls', 'ioc', 'fok'].includes(String(b.time_in_force))) return invalid('invalid time_in_force');
    if (b.type === 'limit' && (typeof b.limit_price !== 'string' || !DECIMAL.test(b.limit_price))) return invalid('limit_price is required for limit orders');
    if (b.type === 'market' && b.limit_price !== undefined) return invalid('limit_price must not be set for market orders');
    const clientOrderId = typeof b.client_order_id === 'string' ? b.client_order_id : randomUUID();
    if (clientOrderId.length > 48) return invalid('client_order_id must be no more than 48 characters');
    if ([...this.ordersById.values()].some((o) => o.client_order_id === clientOrderId)) return invalid('client_order_id must be unique');
    const order = this.addOrder({
      client_order_id: clientOrderId,
      symbol: b.symbol,
      qty: b.qty,
      side: b.side,
      type: String(b.type),
      order_type: String(b.type),
      position_intent: b.side === 'buy' ? 'buy_to_open' : 'sell_to_close',
      time_in_force: String(b.time_in_force),
      limit_price: typeof b.limit_price === 'string' ? b.limit_price : null,
      status: 'accepted',
    });
    if (!this.holdOrders) this.route(order.id);
    return { status: 200, body: order };
  }

  private listOrders(query: URLSearchParams): WireOrder[] {
    const status = query.get('status') ?? 'open';
    const limit = Math.min(Number(query.get('limit') ?? '50'), 500);
    const after = query.get('after');
    const afterMicros = after ? toMicros(after) : Number.NEGATIVE_INFINITY;
    const direction = query.get('direction') ?? 'desc';
    const micros = (o: WireOrder) => this.orderMicros.get(o.id) ?? 0;
    const selected = [...this.ordersById.values()]
      .filter((o) => status === 'all' || (status === 'open') === OPEN_STATUSES.has(o.status))
      .filter((o) => micros(o) > afterMicros)
      .sort((a, b) => (direction === 'asc' ? micros(a) - micros(b) : micros(b) - micros(a)));
    return selected.slice(0, limit);
  }

  /** Alpaca takes the request (pending_cancel) and cancels a moment later, unless held. */
  private requestCancel(id: string): WireOrder {
    const pending = this.setOrderStatus(id, 'pending_cancel');
    return this.holdCancels ? pending : this.completeCancel(id);
  }

  private cancel(id: string): Answer {
    const order = this.ordersById.get(id);
    if (!order) return { status: 404, body: alpacaError(40410000, 'order not found') };
    if (!OPEN_STATUSES.has(order.status) || order.status === 'pending_cancel') return { status: 422, body: alpacaError(42210000, 'order is not cancelable') };
    this.requestCancel(id);
    return { status: 204 };
  }

  private cancelAll(): { id: string; status: number; body: unknown }[] {
    return [...this.ordersById.values()]
      .filter((o) => OPEN_STATUSES.has(o.status))
      .map((o) => {
        if (this.cancelFailures.has(o.id)) return { id: o.id, status: 500, body: alpacaError(50010000, 'internal server error') };
        return { id: o.id, status: 200, body: this.requestCancel(o.id) };
      });
  }

  private listActivities(query: URLSearchParams): Answer {
    const pageSize = Math.min(Number(query.get('page_size') ?? '100'), 100);
    const after = query.get('after');
    const afterMicros = after ? toMicros(after) : Number.NEGATIVE_INFINITY;
    if (Number.isNaN(afterMicros)) return { status: 422, body: alpacaError(40010001, 'invalid after') };
    const direction = query.get('direction') ?? 'desc';
    let list = this.activities
      .filter((a) => a.micros > afterMicros)
      .sort((a, b) => (direction === 'asc' ? a.micros - b.micros : b.micros - a.micros) || a.activity.id.localeCompare(b.activity.id))
      .map((a) => a.activity);
    const token = query.get('page_token');
    if (token) {
      const index = list.findIndex((a) => a.id === token);
      list = index < 0 ? [] : list.slice(index + 1);
    }
    return { status: 200, body: list.slice(0, pageSize) };
  }

  private closeAll(cancelOrders: boolean): { symbol: string; status: number; body: unknown }[] {
    if (cancelOrders) for (const o of this.ordersById.values()) if (OPEN_STATUSES.has(o.status) && o.status !== 'pending_cancel') this.requestCancel(o.id);
    return [...this.positions.entries()].map(([symbol, position]) => {
      const failure = this.closeFailures.get(symbol);
      if (failure) return { symbol, status: failure.status, body: alpacaError(40310000, failure.message) };
      const quantity = dec(position.qty);
      const order = this.addOrder({ symbol, qty: toDecimalString(quantity.abs()), side: quantity.isNegative() ? 'buy' : 'sell', status: 'accepted' });
      const { order: filled } = this.fill(order.id, { qty: toDecimalString(quantity.abs()), price: position.avgEntryPrice });
      return { symbol, status: 200, body: filled };
    });
  }

  private mustGet(id: string): WireOrder {
    const order = this.ordersById.get(id);
    if (!order) throw new Error(`fake Alpaca has no order ${id}`);
    return order;
  }

  /** The injected clock as Alpaca writes times: microseconds, kept increasing within one millisecond. */
  private stamp(): string {
    const iso = new Date(this.now()).toISOString();
    this.sequence++;
    return `${iso.slice(0, 23)}${String(this.sequence % 1000).padStart(3, '0')}Z`;
  }
}

interface Answer {
  status: number;
  body?: unknown;
}

const found = (order: WireOrder | undefined): Answer => (order ? { status: 200, body: order } : { status: 404, body: alpacaError(40410000, 'order not found') });

const routeOf = (method: string, path: string): FakeRoute | undefined => {
  if (path === '/v2/orders') return method === 'POST' ? 'POST /v2/orders' : method === 'GET' ? 'GET /v2/orders' : method === 'DELETE' ? 'DELETE /v2/orders' : undefined;
  if (path === '/v2/orders:by_client_order_id' && method === 'GET') return 'GET /v2/orders:by_client_order_id';
  if (/^\/v2\/orders\/[^/]+$/.test(path)) return method === 'GET' ? 'GET /v2/orders/:id' : method === 'DELETE' ? 'DELETE /v2/orders/:id' : undefined;
  if (path === '/v2/account/activities/FILL' && method === 'GET') return 'GET /v2/account/activities/FILL';
  if (path === '/v2/positions') return method === 'GET' ? 'GET /v2/positions' : method === 'DELETE' ? 'DELETE /v2/positions' : undefined;
  if (path === '/v2/account' && method === 'GET') return 'GET /v2/account';
  if (path === '/v2/stocks/bars' && method === 'GET') return 'GET /v2/stocks/bars';
  if (path === '/v2/calendar' && method === 'GET') return 'GET /v2/calendar';
  return undefined;
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
