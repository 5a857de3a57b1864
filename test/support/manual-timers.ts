// Timers and a clock that move only when a test says so: advance(ms) runs every timer that falls due, in
// order of due time (then of creation), including timers those callbacks start. No wall-clock waiting.
import type { Timers } from '../../adapters/websocket/socket-timing';
import type { Clock } from '../../shared/ports/clock';

interface Due {
  atMs: number;
  callback: () => void;
}

export class ManualTimers implements Timers, Clock {
  private nextId = 0;
  private readonly due = new Map<number, Due>();

  constructor(private nowMs = Date.parse('2026-11-23T15:00:00.000Z')) {}

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.nextId;
    this.due.set(id, { atMs: this.nowMs + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Timers started and not yet run or cleared. */
  get pending(): number {
    return this.due.size;
  }

  advance(ms: number): void {
    const targetMs = this.nowMs + ms;
    for (;;) {
      let nextId: number | undefined;
      let next: Due | undefined;
      for (const [id, entry] of this.due) {
        if (entry.atMs <= targetMs && (!next || entry.atMs < next.atMs)) [nextId, next] = [id, entry];
      }
      if (nextId === undefined || !next) break;
      this.due.delete(nextId);
      this.nowMs = next.atMs;
      next.callback();
    }
    this.nowMs = targetMs;
  }
}
