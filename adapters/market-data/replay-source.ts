// A market-data source that plays a recording: a file of JSON lines, one quote or trade each, at the recorded
// pace or scaled, for deterministic scenarios and for rehearsing a day. By default the recording is moved in
// time so its first message is "now": ages, sessions and the validator's time checks hold as they did live.
// Lines that are not a message are skipped and counted, never repaired; only subscribed symbols are delivered.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import * as z from 'zod';
import type { MarketMessage } from '../../shared/market/market-message';
import type { Clock } from '../../shared/ports/clock';
import type { MarketDataHandlers, MarketDataSource, SourceStatus } from '../../shared/ports/market-data-source';
import { isoToEpochMs } from '../../shared/time/iso-time';

/** A number in the recording becomes its shortest decimal text, as a live source would pass it on. */
const Text = z.union([z.string(), z.number()]).transform(String);

const RecordedQuoteSchema = z.object({
  kind: z.literal('quote'),
  symbol: z.string(),
  bidPrice: Text,
  bidSize: Text,
  askPrice: Text,
  askSize: Text,
  at: z.string(),
  sequence: z.number().int().optional(),
});
const RecordedTradeSchema = z.object({
  kind: z.literal('trade'),
  symbol: z.string(),
  price: Text,
  size: Text,
  at: z.string(),
  sequence: z.number().int().optional(),
  tradeId: z.string().optional(),
});
export const RecordedMessageSchema = z.discriminatedUnion('kind', [RecordedQuoteSchema, RecordedTradeSchema]);
export type RecordedMessage = z.infer<typeof RecordedMessageSchema>;

export interface ReplaySourceOptions {
  path: string;
  /** The source's name in messages and reports (default 'replay'). */
  name?: string;
  /** 1 plays at the recorded pace, 10 ten times faster, 0 as fast as possible (default 1). */
  speed?: number;
  /** Move the recording so its first message is delivered and stamped now (default true). */
  rebase?: boolean;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
}

export interface ReplayStats {
  delivered: number;
  /** Lines that were not a recorded message (bad JSON, a missing field, an unreadable time). */
  skippedLines: number;
  /** Messages of symbols nobody subscribed to. */
  unsubscribed: number;
  finished: boolean;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets the rest of the process run between messages when playing as fast as possible. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ReplaySource implements MarketDataSource {
  readonly name: string;
  private closed = false;
  private playing: Promise<void> | undefined;
  private readonly counts: ReplayStats = { delivered: 0, skippedLines: 0, unsubscribed: 0, finished: false };

  constructor(private readonly options: ReplaySourceOptions) {
    if (options.speed !== undefined && !(options.speed >= 0 && Number.isFinite(options.speed))) throw new RangeError('speed must be a finite number >= 0');
    this.name = options.name ?? 'replay';
  }

  stats(): ReplayStats {
    return { ...this.counts };
  }

  async start(symbols: readonly string[], handlers: MarketDataHandlers): Promise<void> {
    if (this.playing) throw new Error(`${this.name} is already playing`);
    const lines = createInterface({ input: createReadStream(this.options.path), crlfDelay: Infinity });
    const iterator = lines[Symbol.asyncIterator]();
    // The file must open before the source counts as started: a wrong path is a start-up error.
    const first = await iterator.next();
    this.status(handlers, 'live');
    this.playing = this.play(first, iterator, new Set(symbols), handlers).finally(() => lines.close());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.playing;
  }

  private async play(first: IteratorResult<string>, rest: AsyncIterator<string>, symbols: ReadonlySet<string>, handlers: MarketDataHandlers): Promise<void> {
    const { clock } = this.options;
    const speed = this.options.speed ?? 1;
    const sleep = this.options.sleep ?? defaultSleep;
    const startMs = clock.now();
    let recordedStartMs: number | undefined;
    for (let next = first; !next.done && !this.closed; next = await rest.next()) {
      const message = this.read(next.value);
      if (!message) continue;
      if (!symbols.has(message.symbol)) {
        this.counts.unsubscribed++;
        continue;
      }
      const recordedMs = isoToEpochMs(message.at);
      recordedStartMs ??= recordedMs;
      const offsetMs = speed === 0 ? 0 : (recordedMs - recordedStartMs) / speed;
      const dueMs = startMs + offsetMs;
      if (speed === 0) await yieldToLoop();
      else if (dueMs > clock.now()) await sleep(dueMs - clock.now());
      if (this.closed) break;
      const at = this.options.rebase === false ? message.at : new Date(Math.round(dueMs)).toISOString();
      this.deliver(handlers, { ...message, at, source: this.name, receivedAtMs: clock.now() });
    }
    this.counts.finished = !this.closed;
    this.status(handlers, this.closed ? 'closed' : 'disconnected', this.closed ? undefined : 'end of recording');
  }

  /** One line as a recorded message, or undefined (counted) when it is not one. */
  private read(line: string): RecordedMessage | undefined {
    if (line.trim() === '') return undefined;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.counts.skippedLines++;
      return undefined;
    }
    const parsed = RecordedMessageSchema.safeParse(json);
    if (!parsed.success || Number.isNaN(isoToEpochMs(parsed.data.at))) {
      this.counts.skippedLines++;
      return undefined;
    }
    return parsed.data;
  }

  private deliver(handlers: MarketDataHandlers, message: MarketMessage): void {
    this.counts.delivered++;
    try {
      handlers.onMessages([message]);
    } catch {
      // A handler's failure is the handler's to report; the recording plays on.
    }
  }

  private status(handlers: MarketDataHandlers, kind: SourceStatus['kind'], detail?: string): void {
    handlers.onStatus?.({ kind, atMs: this.options.clock.now(), ...(detail ? { detail } : {}) });
  }
}
