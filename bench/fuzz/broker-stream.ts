// Entry point 4: a raw message of Alpaca's trade_updates stream, handed to the stream adapter's own frame handler
// (its protocol, without a socket: the socket only carries text to it) with the feed's relay as the handler of
// its updates, as BrokerUpdateRelay.start wires it, onto a queue that keeps what it is given. Accepted: a
// control message acted on (the session's replies recorded) or an update relayed. Rejected: the adapter skipped
// the frame naming why (malformed JSON, or an InvalidInputError naming the field and rule), or the relay refused
// the update by its schema. Anything else (a throw out of the frame handler, a failed delivery) is a crash.
// partialWrites: a message queued for a frame that was rejected (this entry point writes no table).
import fc from 'fast-check';
import * as z from 'zod';
import type { AlpacaStreamError} from '../../adapters/broker/alpaca/alpaca-update-stream';
import { AlpacaUpdateStream } from '../../adapters/broker/alpaca/alpaca-update-stream';
import { alpacaCredentials } from '../../adapters/broker/alpaca/credentials';
import type { SocketProtocol, SocketSession } from '../../adapters/websocket/reconnecting-socket';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import { InvalidInputError } from '../../shared/errors/errors';
import { issuesOf } from '../../shared/errors/zod-issues';
import { OrderQueueMessageSchema, type OrderQueueMessage } from '../../shared/events/order-queue-messages';
import { BrokerUpdateRelay } from '../../shared/feed/broker-update-relay';
import type { BrokerUpdateStream } from '../../shared/ports/broker';
import { ACCOUNT, ManualClock } from '../../test/support/fixtures';
import { wireOrder } from '../../test/support/fake-alpaca-wire';
import { garbageText, oneFieldWrong, type Json } from './mutate';
import { clearIssues, crashOf, mixOf, type FuzzTarget, type Verdict } from './runner';
import { CountingQueue } from './world';

const CREDENTIALS = alpacaCredentials('PKFUZZ00000000000001', 'fuzz-secret-0000000000000000000000000000');
const AT = '2026-11-23T15:00:00.123456Z';
const EVENTS = ['new', 'fill', 'partial_fill', 'canceled', 'expired', 'rejected', 'pending_new', 'replaced', 'done_for_day'] as const;
const STATUS_OF: Record<(typeof EVENTS)[number], string> = {
  new: 'new',
  fill: 'filled',
  partial_fill: 'partially_filled',
  canceled: 'canceled',
  expired: 'expired',
  rejected: 'rejected',
  pending_new: 'pending_new',
  replaced: 'replaced',
  done_for_day: 'done_for_day',
};

/** A trade update as Alpaca sends it (the fake Alpaca's order shape), or now and then a control message. */
export const validStreamMessage: fc.Arbitrary<Json> = fc
  .record({
    n: fc.nat({ max: 100_000 }),
    event: fc.constantFrom(...EVENTS),
    symbol: fc.constantFrom('AAPL', 'MSFT', 'BRK.B'),
    qty: fc.integer({ min: 1, max: 500 }),
    limit: fc.option(fc.integer({ min: 8000, max: 12000 }).map((c) => (c / 100).toFixed(2)), { nil: undefined }),
    side: fc.constantFrom('buy', 'sell'),
    control: fc.nat({ max: 19 }),
  })
  .map(({ n, event, symbol, qty, limit, side, control }): Json => {
    if (control === 0) return { stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } };
    if (control === 1) return { stream: 'listening', data: { streams: ['trade_updates'] } };
    if (control === 2) return { action: 'error', data: { error_message: 'stream throttled', code: 40_610_000 } };
    const filled = event === 'fill' ? qty : event === 'partial_fill' ? Math.ceil(qty / 2) : 0;
    const order = wireOrder(AT, {
      id: `0b1c0f3e-0000-4000-8000-${String(n).padStart(12, '0')}`,
      client_order_id: `fz-${n}`,
      symbol,
      qty: String(qty),
      side,
      type: limit === undefined ? 'market' : 'limit',
      order_type: limit === undefined ? 'market' : 'limit',
      limit_price: limit ?? null,
      status: STATUS_OF[event],
      filled_qty: String(filled),
      filled_avg_price: filled > 0 ? '100.25' : null,
    });
    const fill = filled > 0 ? { execution_id: `e-${n}-${filled}`, price: '100.25', qty: String(event === 'fill' ? qty - Math.ceil(qty / 2) || qty : filled), position_qty: String(filled) } : {};
    return { stream: 'trade_updates', data: { event, order, timestamp: AT, ...fill } as Json };
  });

/** Frames as text: the JSON of a message, or garbage. */
type Frame = Json | { raw: string };

const frameText = (frame: Frame): string =>
  frame !== null && typeof frame === 'object' && !Array.isArray(frame) && typeof frame.raw === 'string' && Object.keys(frame).length === 1 ? frame.raw : JSON.stringify(frame);

interface Session extends SocketSession {
  replies: number;
}

const fakeSession = (): Session => {
  const session: Session = {
    replies: 0,
    send: () => void session.replies++,
    live: () => void session.replies++,
    end: () => void session.replies++,
    after: () => undefined,
    isLive: true,
  };
  return session;
};

/** A skip the adapter reported: clear when its cause is malformed JSON or names a field and a rule. */
const skipVerdict = (error: AlpacaStreamError): Verdict => {
  const cause = error.cause;
  if (error.message.startsWith('skipped a') && cause instanceof SyntaxError) return { kind: 'rejected', error: `${error.message.slice(0, 80)}: not JSON (${cause.message})` };
  if (error.message.startsWith('skipped a') && cause instanceof InvalidInputError) {
    const clear = clearIssues(cause.issues);
    if (clear !== undefined) return { kind: 'rejected', error: clear };
  }
  return crashOf(cause instanceof Error ? Object.assign(cause, { message: `${error.message}: ${cause.message}` }) : error);
};

export const brokerStreamTarget = async (): Promise<FuzzTarget<Frame>> => {
  const reports: AlpacaStreamError[] = [];
  const stream = new AlpacaUpdateStream({ url: 'ws://127.0.0.1:9/stream', credentials: CREDENTIALS, onError: (e) => void reports.push(e) });
  const relayed: OrderQueueMessage[] = [];
  const queue = new CountingQueue({ enqueue: async (messages) => void relayed.push(...messages) });
  const telemetry = new InMemoryTelemetry();
  const relayOutcomes: string[] = [];
  let relayError: unknown;
  const relay = new BrokerUpdateRelay({ account: ACCOUNT, stream: stream as BrokerUpdateStream, queue, clock: new ManualClock(), telemetry, onError: (error) => (relayError = error) });
  // What BrokerUpdateRelay.start hands the stream, installed without opening the socket.
  const internals = stream as unknown as { handlers: Parameters<BrokerUpdateStream['start']>[0]; socket: { options: { protocol: SocketProtocol } } };
  internals.handlers = { onUpdate: async (update) => void relayOutcomes.push(await relay.relay(update)) };
  const protocol = internals.socket.options.protocol;
  return {
    name: 'broker-stream',
    arbitrary: mixOf(garbageText.map((raw): Frame => ({ raw })), validStreamMessage, oneFieldWrong(validStreamMessage)),
    epochSize: Number.MAX_SAFE_INTEGER,
    startEpoch: async () => undefined,
    send: async (frame): Promise<Verdict> => {
      reports.length = 0;
      relayOutcomes.length = 0;
      relayed.length = 0;
      relayError = undefined;
      const session = fakeSession();
      try {
        protocol.onFrame(frameText(frame), session, Date.now());
        await stream.idle();
      } catch (error) {
        return crashOf(error);
      }
      const [report, ...more] = reports;
      if (report) return more.length > 0 ? crashOf(new Error(`${reports.length} reports for one frame: ${reports.map((r) => r.message).join(' | ')}`)) : skipVerdict(report);
      const outcome = relayOutcomes[0];
      if (outcome === 'invalid') {
        const clear = relayError instanceof z.ZodError ? clearIssues(issuesOf(relayError, 'update')) : undefined;
        return clear !== undefined ? { kind: 'rejected', error: `the relay refused the update: ${clear}` } : crashOf(relayError);
      }
      if (outcome === 'not-queued') return crashOf(new Error('the relay could not queue an update'));
      // What the relay queued must be a message the order function's schema takes.
      for (const message of relayed) {
        const parsed = OrderQueueMessageSchema.safeParse(message);
        if (!parsed.success) return crashOf(new Error(`relayed a message the order queue refuses: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`));
      }
      if (outcome === 'relayed') return { kind: 'accepted', outcome: 'relayed' };
      return session.replies > 0 ? { kind: 'accepted', outcome: 'control' } : crashOf(new Error('the frame was neither acted on nor reported'));
    },
    watch: queue,
    notes: ['partialWrites: a broker update queued for a frame the adapter or the relay rejected (this entry point writes no table).'],
    close: () => stream.close(),
  };
};
