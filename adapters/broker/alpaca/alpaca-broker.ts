// The broker port over Alpaca's Trading API v2 (REST). Invariants: no more than `requestsPerMinute` requests
// start in any 60-second window; every failure is a BrokerCallError whose outcome errs towards `ambiguous`
// (a submit is only `refused` when no attempt of it could have taken effect); credentials go into request
// headers and nowhere else — never into a message, a cause, or a redirect to another host.
import * as z from 'zod';
import type {
  BrokerAccount,
  BrokerFill,
  BrokerOrder,
  BrokerOrderRequest,
  BrokerPosition,
  OpenBrokerOrders,
  UnrepresentableBrokerOrder,
} from '../../../shared/broker/broker-order';
import { BrokerCallError } from '../../../shared/broker/broker-call-error';
import { InvalidInputError } from '../../../shared/errors/errors';
import type { Broker } from '../../../shared/ports/broker';
import {
  AlpacaCancelResultSchema,
  AlpacaCloseResultSchema,
  AlpacaErrorSchema,
  AlpacaFillActivitySchema,
  alpacaTimeToEpochMs,
  orderRequestIssues,
  parseAccount,
  parseOrder,
  parsePositions,
  parseWire,
  readOrder,
  readOrders,
  toBrokerFill,
  toOrderBody,
  type OrderReading,
} from './alpaca-wire';
import { quotaSignal, RequestRateLimiter } from './alpaca-rate-limit';
import { AlpacaTransport, type AlpacaTransportOptions } from './alpaca-transport';
import { causeWithoutCredentials, redactCredentials } from './credentials';

export const ALPACA_PAPER_URL = 'https://paper-api.alpaca.markets';
export const ALPACA_LIVE_URL = 'https://api.alpaca.markets';

/** The transport settings (alpaca-transport.ts; the timeout defaults to 5000 ms here) and the pace. */
export interface AlpacaBrokerOptions extends AlpacaTransportOptions {
  /** ALPACA_PAPER_URL or ALPACA_LIVE_URL (plain http is accepted for localhost only). */
  baseUrl: string;
  /**
   * Per adapter instance; default 180, below Alpaca's 200 per minute per key. Alpaca's own count (the
   * X-RateLimit headers, which every process on the key spends) also holds requests back when it reaches 0.
   */
  requestsPerMinute?: number;
}

/** Alpaca's answer to a request it refused or failed: the HTTP status and its `{code, message}` body. */
export class AlpacaApiError extends Error {
  override readonly name = 'AlpacaApiError';
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly alpacaMessage: string,
  ) {
    super(`HTTP ${status}${code ? ` code ${code}` : ''}: ${alpacaMessage}`);
  }
}

type Method = 'GET' | 'POST' | 'DELETE';

interface Call {
  method: Method;
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Non-2xx statuses the caller interprets itself instead of getting a refusal. */
  expect?: readonly number[];
}

interface Reply {
  status: number;
  json: unknown;
}

type Attempt = { ok: true; reply: Reply } | { ok: false; error: BrokerCallError; retryable: boolean };

const OPEN_ORDERS_PAGE = 500;
const FILLS_PAGE = 100;

// Alpaca answers a reused client order id with 422 and code 40010001, but that code covers many 422s, so
// the message decides.
const isDuplicateClientOrderId = (error: AlpacaApiError): boolean =>
  error.status === 422 && /client[_ ]?order[_ ]?id/i.test(error.alpacaMessage) && /unique|duplicate|already/i.test(error.alpacaMessage);

export class AlpacaBroker implements Broker {
  private readonly http: AlpacaTransport;
  private readonly limiter: RequestRateLimiter;

  constructor(options: AlpacaBrokerOptions) {
    this.http = new AlpacaTransport(options, 5000, 'Alpaca baseUrl');
    const requestsPerMinute = options.requestsPerMinute ?? 180;
    if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1) throw new RangeError('requestsPerMinute must be a positive integer');
    this.limiter = new RequestRateLimiter(requestsPerMinute, this.http.maxRetryDelayMs, this.http.now, this.http.sleep);
  }

  async submitOrder(request: BrokerOrderRequest): Promise<BrokerOrder> {
    const issues = orderRequestIssues(request);
    if (issues.length > 0) {
      const invalid = new InvalidInputError(issues);
      throw new BrokerCallError(`order not sent to Alpaca: ${invalid.message}`, 'refused', {}, { cause: invalid });
    }
    const call: Call = { method: 'POST', path: '/v2/orders', body: toOrderBody(request) };
    const failures: BrokerCallError[] = [];
    try {
      const reply = await this.send(call, failures);
      return this.parse(call, reply, parseOrder);
    } catch (error) {
      if (!(error instanceof BrokerCallError) || error.outcome !== 'refused') throw error;
      const api = error.cause instanceof AlpacaApiError ? error.cause : undefined;
      const duplicate = api !== undefined && isDuplicateClientOrderId(api);
      // After an ambiguous attempt, a refusal may be about the order that attempt created (buying power
      // now in use, say), so it proves nothing: look the order up before answering either way.
      if (!duplicate && !failures.some((f) => f.outcome === 'ambiguous')) throw error;
      return this.existingOrder(request.clientOrderId, error, duplicate);
    }
  }

  /** The order a refused submit collided with (duplicate) or may have created (after an ambiguous attempt). */
  private async existingOrder(clientOrderId: string, refusal: BrokerCallError, duplicate: boolean): Promise<BrokerOrder> {
    let existing: BrokerOrder | undefined;
    try {
      existing = await this.getOrderByClientOrderId(clientOrderId);
    } catch (lookupError) {
      throw new BrokerCallError(
        `Alpaca refused a submit of client order id ${clientOrderId} (${refusal.message}) and looking the order up failed; treat it as in flight`,
        'ambiguous',
        refusal.detail,
        { cause: lookupError },
      );
    }
    if (existing) return existing;
    throw new BrokerCallError(
      duplicate
        ? `Alpaca reports client order id ${clientOrderId} as already used but has no order with it; treat it as in flight`
        : `Alpaca refused a retried submit of client order id ${clientOrderId} after an ambiguous attempt and has no order with it yet; treat it as in flight`,
      'ambiguous',
      refusal.detail,
      { cause: refusal },
    );
  }

  async getOrderByClientOrderId(clientOrderId: string): Promise<BrokerOrder | undefined> {
    const call: Call = { method: 'GET', path: '/v2/orders:by_client_order_id', query: { client_order_id: clientOrderId }, expect: [404] };
    const reply = await this.send(call);
    if (reply.status === 404) return undefined;
    return this.parse(call, reply, parseOrder);
  }

  /**
   * The order with this broker id as Alpaca holds it (GET /v2/orders/{id}): in the port's terms, or named
   * with why the port cannot represent it; undefined when Alpaca has no such order (404).
   */
  async getOrderById(brokerOrderId: string): Promise<OrderReading | undefined> {
    const call: Call = { method: 'GET', path: `/v2/orders/${encodeURIComponent(brokerOrderId)}`, expect: [404] };
    const reply = await this.send(call);
    if (reply.status === 404) return undefined;
    return this.parse(call, reply, (json) => readOrder(json));
  }

  /**
   * Pages ascending by submission time. `after` is exclusive and Alpaca keeps microseconds while the port's
   * timestamps keep milliseconds, so each page restarts at the last order's millisecond and duplicates are
   * dropped by id: nothing submitted within that millisecond is skipped. An order the port cannot represent
   * is listed by id in `unrepresentable`; one without even an id fails the listing (it could not be reported).
   */
  async listOpenOrders(): Promise<OpenBrokerOrders> {
    const orders = new Map<string, BrokerOrder>();
    const unrepresentable = new Map<string, UnrepresentableBrokerOrder>();
    let after: string | undefined;
    for (;;) {
      const call: Call = {
        method: 'GET',
        path: '/v2/orders',
        query: { status: 'open', limit: String(OPEN_ORDERS_PAGE), direction: 'asc', after },
      };
      const page = this.parse(call, await this.send(call), readOrders);
      let added = 0;
      for (const reading of page) {
        const id = reading.ok ? reading.order.brokerOrderId : reading.unrepresentable.brokerOrderId;
        if (orders.has(id) || unrepresentable.has(id)) continue;
        if (reading.ok) orders.set(id, reading.order);
        else unrepresentable.set(id, reading.unrepresentable);
        added++;
      }
      const last = page.at(-1);
      if (page.length < OPEN_ORDERS_PAGE || last === undefined) break;
      const lastSubmittedAt = last.ok ? last.order.submittedAt : last.submittedAt;
      if (added === 0 || lastSubmittedAt === undefined) {
        const why = added === 0 ? 'a full page of orders already seen' : 'a full page whose last order has no submission time';
        throw new BrokerCallError(`Alpaca ${this.label(call)} returned ${why}; cannot page further`, 'ambiguous');
      }
      after = lastSubmittedAt;
    }
    return { orders: [...orders.values()], unrepresentable: [...unrepresentable.values()] };
  }

  async cancelOrder(brokerOrderId: string): Promise<'requested' | 'not-cancelable'> {
    const call: Call = { method: 'DELETE', path: `/v2/orders/${encodeURIComponent(brokerOrderId)}`, expect: [404, 422] };
    const reply = await this.send(call);
    return reply.status === 404 || reply.status === 422 ? 'not-cancelable' : 'requested';
  }

  async cancelAllOrders(): Promise<string[]> {
    const call: Call = { method: 'DELETE', path: '/v2/orders' };
    const results = this.parse(call, await this.send(call), (json) => parseWire(z.array(AlpacaCancelResultSchema), json ?? [], 'cancel_results'));
    return results.filter((result) => result.status === 200).map((result) => result.id);
  }

  /**
   * Alpaca's `after` is exclusive and its times carry microseconds, so the query starts a millisecond early
   * and the port's inclusive bound is applied here, on the millisecond timestamps the port returns.
   */
  async listFills(query: { after: string; brokerOrderId?: string }): Promise<BrokerFill[]> {
    const afterMs = alpacaTimeToEpochMs(query.after);
    if (Number.isNaN(afterMs)) {
      throw new BrokerCallError(`listFills: after must be an ISO-8601 timestamp, got ${JSON.stringify(query.after)}`, 'refused');
    }
    const fills: BrokerFill[] = [];
    const seen = new Set<string>();
    let pageToken: string | undefined;
    for (;;) {
      const call: Call = {
        method: 'GET',
        path: '/v2/account/activities/FILL',
        query: { after: new Date(afterMs - 1).toISOString(), direction: 'asc', page_size: String(FILLS_PAGE), page_token: pageToken },
      };
      const activities = this.parse(call, await this.send(call), (json) => parseWire(z.array(AlpacaFillActivitySchema), json, 'activities'));
      let added = 0;
      for (const activity of activities) {
        if (seen.has(activity.id)) continue;
        seen.add(activity.id);
        added++;
        const fill = toBrokerFill(activity);
        if (alpacaTimeToEpochMs(fill.at) < afterMs) continue;
        if (query.brokerOrderId !== undefined && fill.brokerOrderId !== query.brokerOrderId) continue;
        fills.push(fill);
      }
      const last = activities.at(-1);
      if (activities.length < FILLS_PAGE || last === undefined) break;
      if (added === 0) {
        throw new BrokerCallError(`Alpaca ${this.label(call)} returned a full page of fills already seen; cannot page further`, 'ambiguous');
      }
      pageToken = last.id;
    }
    return fills;
  }

  async getPositions(): Promise<BrokerPosition[]> {
    const call: Call = { method: 'GET', path: '/v2/positions' };
    return this.parse(call, await this.send(call), parsePositions);
  }

  async getAccount(): Promise<BrokerAccount> {
    const call: Call = { method: 'GET', path: '/v2/account' };
    return this.parse(call, await this.send(call), parseAccount);
  }

  /** A symbol Alpaca could not close is an error: some orders were canceled and other positions closed meanwhile. */
  async closeAllPositions(): Promise<void> {
    const call: Call = { method: 'DELETE', path: '/v2/positions', query: { cancel_orders: 'true' } };
    const results = this.parse(call, await this.send(call), (json) => parseWire(z.array(AlpacaCloseResultSchema), json ?? [], 'close_results'));
    const failed = results.filter((result) => result.status !== 200);
    if (failed.length === 0) return;
    const why = failed.map((result) => `${result.symbol} (${result.status}${describeBody(result.body)})`).join(', ');
    throw new BrokerCallError(this.redact(`Alpaca ${this.label(call)} could not close ${failed.length} position(s): ${why}`), 'ambiguous', {
      status: 207,
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Transport

  /** One call with retries; every failed attempt is appended to `failures`. Throws the last error. */
  private async send(call: Call, failures: BrokerCallError[] = []): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt(call);
      if (result.ok) return result.reply;
      failures.push(result.error);
      const delay = result.retryable ? this.http.retryDelay(attempt, result.error.detail.retryAfterMs) : undefined;
      if (delay === undefined) throw result.error;
      await this.http.sleep(delay);
    }
  }

  private async attempt(call: Call): Promise<Attempt> {
    await this.limiter.take();
    const label = this.label(call);
    const signal = AbortSignal.timeout(this.http.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.http.fetch(this.url(call), {
        method: call.method,
        headers: {
          'APCA-API-KEY-ID': this.http.credentials.keyId,
          'APCA-API-SECRET-KEY': this.http.credentials.secretKey,
          accept: 'application/json',
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        signal,
        // A redirect would carry the APCA headers to wherever it points; Alpaca's API never redirects.
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      const timedOut = signal.aborted || (error instanceof Error && error.name === 'TimeoutError');
      const message = timedOut
        ? `Alpaca ${label} timed out after ${this.http.timeoutMs} ms; it may have taken effect`
        : `Alpaca ${label} failed without a response (${this.describe(error)}); it may have taken effect`;
      return { ok: false, retryable: true, error: new BrokerCallError(this.redact(message), 'ambiguous', {}, { cause: this.safeCause(error) }) };
    }

    const status = response.status;
    const quota = quotaSignal(response.headers, status, this.http.now());
    if (quota.exhaustedUntil !== undefined) this.limiter.holdUntil(quota.exhaustedUntil);
    if ((status >= 200 && status < 300) || call.expect?.includes(status)) {
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch (error) {
        if (status >= 200 && status < 300) {
          const message = `Alpaca ${label} answered ${status} with a body that is not JSON; it may have taken effect`;
          return { ok: false, retryable: false, error: new BrokerCallError(this.redact(message), 'ambiguous', { status }, { cause: this.safeCause(error, text) }) };
        }
      }
      return { ok: true, reply: { status, json } };
    }

    const api = this.apiError(status, text);
    const detail = { status, ...(api.code !== undefined ? { code: api.code } : {}) };
    if (status === 429 || status >= 500) {
      const { retryAfterMs } = quota;
      const what = status === 429 ? 'was rate limited' : 'failed on the server';
      const message = `Alpaca ${label} ${what} (${api.message}); it may have taken effect`;
      return {
        ok: false,
        retryable: true,
        error: new BrokerCallError(message, 'ambiguous', { ...detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, { cause: api }),
      };
    }
    const message = status >= 300 && status < 400 ? `Alpaca ${label} answered with a redirect (${api.message}), not followed` : `Alpaca ${label} refused (${api.message})`;
    return { ok: false, retryable: false, error: new BrokerCallError(message, 'refused', detail, { cause: api }) };
  }

  /** Parses a 2xx body; a body that does not match is ambiguous (the call may have done what it asked). */
  private parse<T>(call: Call, reply: Reply, parse: (json: unknown) => T): T {
    try {
      return parse(reply.json);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new BrokerCallError(this.redact(`Alpaca ${this.label(call)} answered ${reply.status} with an unexpected body: ${why}`), 'ambiguous', {
        status: reply.status,
      }, { cause: this.safeCause(error) });
    }
  }

  private apiError(status: number, text: string): AlpacaApiError {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = AlpacaErrorSchema.safeParse(json);
    if (parsed.success) {
      const code = parsed.data.code === undefined ? undefined : String(parsed.data.code);
      return new AlpacaApiError(status, code, this.redact(parsed.data.message));
    }
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    return new AlpacaApiError(status, undefined, this.redact(snippet === '' ? 'no body' : snippet));
  }

  private url(call: Call): string {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined) query.set(key, value);
    const search = query.toString();
    return `${this.http.baseUrl}${call.path}${search ? `?${search}` : ''}`;
  }

  private label(call: Call): string {
    return `${call.method} ${this.url(call).slice(this.http.baseUrl.length)}`;
  }

  private describe(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
    const inner = cause && typeof cause === 'object' ? (typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : '') : '';
    return inner ? `${error.message}: ${inner}` : error.message;
  }

  private redact(text: string): string {
    return redactCredentials(text, this.http.credentials);
  }

  /** The error itself unless it, or the text it was read from, would show a credential; then a stand-in. */
  private safeCause(error: unknown, source?: string): unknown {
    return causeWithoutCredentials(error, this.http.credentials, source);
  }

}

const describeBody = (body: unknown): string => {
  const parsed = AlpacaErrorSchema.safeParse(body);
  return parsed.success ? `: ${parsed.data.message}` : '';
};
