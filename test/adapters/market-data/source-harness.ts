// What a WebSocket market-data source test observes and controls: the messages, statuses and errors it
// reports, its manual clock and timers, and its sleeps between connections (recorded, and held on request so
// a refused source does not spin). Nothing here waits on the wall clock: tests wait for events.
import { expect, vi } from 'vitest';
import type { SocketMarketDataSource } from '../../../adapters/market-data/socket-market-data-source';
import type { SocketTuning } from '../../../adapters/websocket/socket-timing';
import type { InfrastructureError } from '../../../shared/errors/errors';
import type { MarketMessage } from '../../../shared/market/market-message';
import type { MarketDataHandlers, SourceStatus, SourceStatusKind } from '../../../shared/ports/market-data-source';
import type { WebSocketMarketServer } from '../../../local/websocket-market-server';
import { ManualTimers } from '../../support/manual-timers';

export const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 5 });

export class SourceHarness {
  readonly timers = new ManualTimers();
  readonly messages: MarketMessage[] = [];
  readonly statuses: SourceStatus[] = [];
  readonly errors: InfrastructureError[] = [];
  readonly sleeps: number[] = [];
  /** While true, a sleep between connections lasts until the source is closed. */
  holdSleeps = false;

  readonly handlers: MarketDataHandlers = {
    onMessages: (messages) => {
      this.messages.push(...messages);
    },
    onStatus: (status) => {
      this.statuses.push(status);
    },
  };

  readonly onError = (error: InfrastructureError): void => {
    this.errors.push(error);
  };

  /** Manual clock and timers, recorded sleeps, and randomness fixed at one half. */
  readonly socket: SocketTuning = {
    clock: this.timers,
    timers: this.timers,
    random: () => 0.5,
    sleep: (ms) => {
      this.sleeps.push(ms);
      return this.holdSleeps ? new Promise<void>(() => undefined) : Promise.resolve();
    },
  };

  /** Sources made for the test, closed by closeAll(). */
  readonly sources: SocketMarketDataSource[] = [];

  track<S extends SocketMarketDataSource>(source: S): S {
    this.sources.push(source);
    return source;
  }

  /** Starts the source on these handlers and waits until it is live. */
  async live<S extends SocketMarketDataSource>(source: S, symbols: readonly string[]): Promise<S> {
    await source.start(symbols, this.handlers);
    return source;
  }

  async closeAll(): Promise<void> {
    for (const source of this.sources) await source.close();
  }

  /**
   * The server leaves one ping (at 10 s) unanswered, then answers again: the source must drop the connection
   * when the pong is due (5 s later) and come back live.
   */
  async missOnePong(server: Pick<WebSocketMarketServer<unknown>, 'stopPongs' | 'waitFor' | 'pings'>): Promise<void> {
    server.stopPongs();
    this.timers.advance(10_000);
    await server.waitFor(() => server.pings === 1);
    server.stopPongs(false);
    this.timers.advance(5_000);
    await eventually(() => expect(this.lives()).toBe(2));
  }

  kinds(): SourceStatusKind[] {
    return this.statuses.map((status) => status.kind);
  }

  /** The number of times the source has gone live. */
  lives(): number {
    return this.kinds().filter((kind) => kind === 'live').length;
  }

  errorMessages(): string[] {
    return this.errors.map((error) => error.message);
  }
}
