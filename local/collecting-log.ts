// The log port for local runs: errors are kept for the report instead of flooding the terminal, and
// information lines are dropped (the session prints its own progress).
import type { Log } from '../shared/ports/log';

export class CollectingLog implements Log {
  constructor(private readonly errors: unknown[]) {}

  info(): void {}

  error(message: string, ...rest: Record<string, unknown>[]): void {
    this.errors.push({ message, rest });
  }
}
