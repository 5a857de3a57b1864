// A market-data source that passes another source's messages on unchanged and writes each one as a JSON line
// the replay source plays back: every quote and trade as delivered, bad ones included, so a replay meets the
// validator as the live run did. Invariants: lines are written in arrival order; a failed write is counted and
// reported, never thrown into the feed; a file that cannot be opened fails the start, before anything connects.
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { MarketMessage } from '../../shared/market/market-message';
import type { MarketDataHandlers, MarketDataSource } from '../../shared/ports/market-data-source';
import type { RecordedMessage } from './replay-source';

export interface RecordingSourceOptions {
  /** The file to write (replaced if it exists). */
  path: string;
  /** Told of a write that failed (the recording is then incomplete; the feed goes on). */
  onError?: (error: unknown) => void;
}

export interface RecordingStats {
  recorded: number;
  writeErrors: number;
}

export class RecordingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecordingError';
  }
}

/** The message as a recording holds it: what the exchange said, without who delivered it or when. */
export const recordedMessage = (message: MarketMessage): RecordedMessage => {
  const { source: _source, receivedAtMs: _receivedAtMs, ...recorded } = message;
  return recorded;
};

export class RecordingSource implements MarketDataSource {
  readonly name: string;
  private out: WriteStream | undefined;
  private readonly counts: RecordingStats = { recorded: 0, writeErrors: 0 };

  constructor(
    private readonly inner: MarketDataSource,
    private readonly options: RecordingSourceOptions,
  ) {
    this.name = inner.name;
  }

  stats(): RecordingStats {
    return { ...this.counts };
  }

  async start(symbols: readonly string[], handlers: MarketDataHandlers): Promise<void> {
    this.out = await openRecording(this.options.path);
    this.out.on('error', (error) => this.failed(error));
    const out = this.out;
    await this.inner.start(symbols, {
      onMessages: (messages) => {
        this.write(out, messages);
        handlers.onMessages(messages);
      },
      ...(handlers.onStatus ? { onStatus: handlers.onStatus } : {}),
    });
  }

  async close(): Promise<void> {
    await this.inner.close();
    const out = this.out;
    if (!out || out.closed) return;
    await new Promise<void>((resolve) => out.end(resolve));
  }

  private write(out: WriteStream, messages: readonly MarketMessage[]): void {
    if (out.destroyed || messages.length === 0) return;
    let text = '';
    for (const message of messages) text += `${JSON.stringify(recordedMessage(message))}\n`;
    out.write(text);
    this.counts.recorded += messages.length;
  }

  private failed(error: unknown): void {
    this.counts.writeErrors++;
    this.options.onError?.(new RecordingError(`recording to ${this.options.path} failed`, { cause: error }));
  }
}

const openRecording = async (path: string): Promise<WriteStream> => {
  const out = createWriteStream(path, { flags: 'w' });
  try {
    await once(out, 'open');
    return out;
  } catch (error) {
    throw new RecordingError(`cannot write the recording ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
};
