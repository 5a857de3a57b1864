// A bare WebSocket client for the local market servers' own tests: connects, sends JSON, and collects
// every frame it receives (parsed) and how its connection ended. Tests wait for frames, never for time.
import { expect, vi } from 'vitest';
import WebSocket from 'ws';

export const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 5 });

export class MarketTestClient {
  readonly frames: unknown[] = [];
  readonly raw: string[] = [];
  closeCode: number | undefined;
  pongs = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = String(data);
      this.raw.push(text);
      try {
        this.frames.push(JSON.parse(text));
      } catch {
        this.frames.push(text);
      }
    });
    socket.on('pong', () => this.pongs++);
    socket.on('close', (code) => (this.closeCode = code));
  }

  /** Connects; rejects with the HTTP status when the server refuses the upgrade. */
  static connect(url: string): Promise<MarketTestClient> {
    const socket = new WebSocket(url);
    const client = new MarketTestClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits until `count` frames have arrived and returns them all. */
  async received(count: number): Promise<unknown[]> {
    await eventually(() => expect(this.frames.length).toBeGreaterThanOrEqual(count));
    return this.frames;
  }

  close(): void {
    this.socket.terminate();
  }
}
