// A strategy's failures (errors and timeouts): each is counted and logged, the first error with its stack in
// full (later ones by name and message, so a strategy failing on every tick cannot flood the log). After
// maxConsecutiveFailures in a row the strategy is disabled for good and on-call is paged; a tick that runs
// resets the count. A page that cannot be sent is retried on every later call until it goes out.
import type { Log } from '../ports/log';
import type { Page, Pager } from '../ports/pager';
import type { StrategyFault } from '../ports/strategy-runner';
import type { Telemetry } from '../ports/telemetry';
import { STRATEGY_METRICS } from './strategy-metrics';

export interface StrategyLimits {
  /** A tick batch taking longer is abandoned and counted as a timeout. */
  tickBudgetMs: number;
  /** Consecutive errors or timeouts after which the strategy is disabled (and on-call paged). */
  maxConsecutiveFailures: number;
}

export type StrategyFailure = { kind: 'error'; fault: StrategyFault } | { kind: 'timeout' };

export interface StrategyFailuresOptions {
  strategy: string;
  account: string;
  runId: string;
  telemetry: Telemetry;
  /** Absent: never disabled. */
  maxConsecutiveFailures?: number;
  /** Absent: failures are counted, not logged. */
  log?: Log;
  /** Absent: nobody is paged when the strategy is disabled. */
  pager?: Pager;
}

export class StrategyFailures {
  errors = 0;
  timeouts = 0;
  consecutive = 0;
  disabled = false;
  private stackLogged = false;
  private unsentPage: Page | undefined;

  constructor(private readonly options: StrategyFailuresOptions) {}

  succeeded(): void {
    this.consecutive = 0;
  }

  /** Counts and logs one failure; true when it is the one that disables the strategy. */
  failed(failure: StrategyFailure, budgetMs: number): boolean {
    const { strategy, telemetry, log } = this.options;
    this.consecutive++;
    if (failure.kind === 'timeout') {
      this.timeouts++;
      telemetry.count(STRATEGY_METRICS.timedOut, { strategy });
      log?.error(`strategy ${strategy} timed out: no answer within ${budgetMs} ms`, { strategy, budgetMs, consecutive: this.consecutive });
    } else {
      this.errors++;
      telemetry.count(STRATEGY_METRICS.failed, { strategy });
      const { name, message, stack } = failure.fault;
      const withStack = !this.stackLogged && stack !== undefined;
      this.stackLogged ||= withStack;
      log?.error(`strategy ${strategy} failed: ${name}: ${message}`, { strategy, error: name, consecutive: this.consecutive, ...(withStack ? { stack } : {}) });
    }
    return this.disableAfterTooMany(failure);
  }

  /** Sends the page about the disabling if it has not gone out yet; a failure is counted, logged and kept for the next call. */
  async sendPage(): Promise<void> {
    const page = this.unsentPage;
    if (!page || !this.options.pager) return;
    try {
      await this.options.pager.page(page);
      this.unsentPage = undefined;
    } catch (error) {
      this.options.telemetry.count(STRATEGY_METRICS.disabledPageFailed, { strategy: this.options.strategy });
      this.options.log?.error(`the page about disabled strategy ${this.options.strategy} could not be sent`, { strategy: this.options.strategy, error: String(error) });
    }
  }

  private disableAfterTooMany(last: StrategyFailure): boolean {
    const { strategy, account, runId, telemetry, log, maxConsecutiveFailures } = this.options;
    if (this.disabled || maxConsecutiveFailures === undefined || this.consecutive < maxConsecutiveFailures) return false;
    this.disabled = true;
    telemetry.count(STRATEGY_METRICS.disabled, { strategy });
    const lastFailure = last.kind === 'timeout' ? 'a timeout' : `${last.fault.name}: ${last.fault.message}`;
    const subject = `strategy ${strategy} disabled on ${account}: ${this.consecutive} consecutive failures`;
    log?.error(subject, { strategy, errors: this.errors, timeouts: this.timeouts });
    this.unsentPage = {
      severity: 'warning',
      account,
      subject,
      message:
        `The feed stopped running strategy ${strategy} (run ${runId}) after ${this.consecutive} consecutive errors or timeouts ` +
        `(${this.errors} errors and ${this.timeouts} timeouts in all; the last: ${lastFailure}). It proposes nothing until the feed ` +
        'is restarted; the other strategies and the pre-trade controls carry on. Positions it opened are no longer managed by it.',
      correlationId: `strategy-disabled:${runId}:${strategy}`,
    };
    return true;
  }
}
