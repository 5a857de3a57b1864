// Runs one strategy module in a worker thread of its own, so an error, a stuck loop or a crash in it costs the
// feed at most one tick budget a batch. A batch over budget is abandoned (the host counts a timeout); a worker
// still busy with it a grace later (one more budget) is taken to be stuck, terminated and replaced, as is a
// worker that died. A replacement loads the module afresh: the strategy's in-memory state (prices seen, orders
// it believes it sent) is lost, and it carries on as after a restart of the feed.
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MarketTick, StrategyContext, StrategyRunner, TickOutcome } from '../../shared/ports/strategy-runner';
import { faultOf, faultOutcome, STOPPED_OUTCOME } from '../../shared/strategy/strategy-call';
import type { StrategyOptions } from '../../shared/strategy/strategy';
import { StrategyLoadError } from './strategy-module';
import type { StrategyWorkerData, StrategyWorkerMessage, TickBatchMessage } from './worker-protocol';

export interface WorkerStrategyRunnerOptions {
  /** The strategy module, resolved against the working directory. */
  modulePath: string;
  /** What the module's factory is called with. */
  strategyOptions: StrategyOptions;
  /** How long a worker may take to load the module (default 30 s: a cold TypeScript transform is slow). */
  loadTimeoutMs?: number;
  /** The worker's heap (default 256 MB): a strategy that allocates without end exhausts its worker, not the feed. */
  maxHeapMb?: number;
  /** How long past its budget an abandoned batch may still run before its worker counts as stuck (default: one more budget). */
  stuckGraceMs?: number;
  /** The worker's entry (default: strategy-worker beside this module, with its extension). */
  workerEntry?: URL;
}

const DEFAULT_LOAD_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_HEAP_MB = 256;

/** The worker entry beside this module, with this module's extension: .ts from source, .js or .mjs when bundled. */
const defaultEntry = (): URL => new URL(`./strategy-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url);

/** From TypeScript source (tsx, vitest) the worker needs the same loader: tsx, unless the process imports it already. */
const execArgvFor = (entry: URL): string[] => {
  if (!entry.pathname.endsWith('.ts')) return process.execArgv;
  const loader = import.meta.resolve('tsx');
  return process.execArgv.includes(loader) ? process.execArgv : [...process.execArgv, '--import', loader];
};

/** One worker thread and the batches sent to it. */
class StrategyWorker {
  readonly ready: Promise<string>;
  /** Batches whose caller waits for the answer (until it comes or their budget runs out), by id. */
  private readonly waiting = new Map<number, (outcome: TickOutcome) => void>();
  /** Batches sent and not answered yet, abandoned ones included: what keeps the worker busy. */
  private readonly unanswered = new Set<number>();
  private ended = false;
  private loaded = false;
  private crash: Error | undefined;

  constructor(
    private readonly worker: Worker,
    modulePath: string,
    loadTimeoutMs: number,
    /** Called when the worker ended by itself after it had loaded (a crash, process.exit, out of memory). */
    onCrash: (worker: StrategyWorker) => void,
  ) {
    let resolveReady: (name: string) => void = () => undefined;
    let refuse: (error: StrategyLoadError) => void = () => undefined;
    this.ready = new Promise<string>((resolve, reject) => {
      resolveReady = resolve;
      refuse = reject;
    });
    // A replacement nobody waits for yet must not become an unhandled rejection.
    this.ready.catch(() => undefined);
    const loadTimer = setTimeout(() => {
      refuse(new StrategyLoadError(modulePath, `it did not load within ${loadTimeoutMs} ms`));
      void this.terminate({ kind: 'timeout' });
    }, loadTimeoutMs);
    worker.on('message', (message: StrategyWorkerMessage) => {
      if (message.type === 'outcome') {
        this.unanswered.delete(message.id);
        this.settle(message.id, message.outcome);
        return;
      }
      clearTimeout(loadTimer);
      if (message.type === 'ready') {
        this.loaded = true;
        resolveReady(message.name);
      } else {
        refuse(new StrategyLoadError(modulePath, message.why, { cause: message.fault }));
      }
    });
    worker.on('error', (error) => (this.crash = error));
    worker.on('exit', (code) => {
      clearTimeout(loadTimer);
      const why = this.crash ? `${this.crash.name}: ${this.crash.message}` : `exit code ${code}`;
      refuse(new StrategyLoadError(modulePath, `its worker ended while loading (${why})`, { cause: this.crash }));
      const outcome = this.crash ? { kind: 'error' as const, fault: faultOf(this.crash) } : faultOutcome('StrategyWorkerExited', `the strategy's worker exited (${why})`);
      for (const id of [...this.waiting.keys()]) this.settle(id, outcome);
      const byItself = !this.ended;
      this.ended = true;
      if (byItself && this.loaded) onCrash(this);
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Sends the batch once the module has loaded; resolves with its outcome (a load failure is an error outcome). */
  send(batch: TickBatchMessage): Promise<TickOutcome> {
    return new Promise<TickOutcome>((resolve) => {
      this.waiting.set(batch.id, resolve);
      this.ready.then(
        () => {
          if (!this.waiting.has(batch.id) || this.ended) return;
          this.unanswered.add(batch.id);
          this.worker.postMessage(batch);
        },
        (error: StrategyLoadError) => this.settle(batch.id, faultOutcome(error.name, error.message)),
      );
    });
  }

  /** Stops waiting for a batch (its caller gets a timeout); true when the worker is still busy with it. */
  abandon(id: number): boolean {
    this.settle(id, { kind: 'timeout' });
    return this.busyWith(id);
  }

  busyWith(id: number): boolean {
    return !this.ended && this.unanswered.has(id);
  }

  /** Ends the worker; every batch still waited for gets `outcome`. */
  async terminate(outcome: TickOutcome): Promise<void> {
    this.ended = true;
    for (const id of [...this.waiting.keys()]) this.settle(id, outcome);
    await this.worker.terminate();
  }

  private settle(id: number, outcome: TickOutcome): void {
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.(outcome);
  }
}

export class WorkerStrategyRunner implements StrategyRunner {
  /** Workers started to replace one that was stuck or ended (each replacement lost the strategy's state). */
  restarts = 0;
  private worker: StrategyWorker | undefined;
  private starting: Promise<string> | undefined;
  private lastId = 0;
  private stopped = false;

  constructor(private readonly options: WorkerStrategyRunnerOptions) {}

  start(): Promise<string> {
    if (this.stopped) return Promise.reject(new StrategyLoadError(this.options.modulePath, 'its runner was stopped'));
    this.starting ??= this.current().ready;
    return this.starting;
  }

  async runTicks(ticks: readonly MarketTick[], context: StrategyContext, budgetMs: number): Promise<TickOutcome> {
    if (this.stopped) return STOPPED_OUTCOME;
    const worker = this.current();
    const id = ++this.lastId;
    const answer = worker.send({ id, ticks, context });
    if (!Number.isFinite(budgetMs)) return answer;
    const budget = setTimeout(() => this.overBudget(worker, id, budgetMs), budgetMs);
    const outcome = await answer;
    clearTimeout(budget);
    return outcome;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.worker?.alive) await this.worker.terminate(STOPPED_OUTCOME);
  }

  /** The live worker, or a new one in place of one that ended. */
  private current(): StrategyWorker {
    if (this.worker?.alive) return this.worker;
    if (this.worker) this.restarts++;
    const { modulePath, strategyOptions, loadTimeoutMs, maxHeapMb, workerEntry } = this.options;
    const entry = workerEntry ?? defaultEntry();
    const data: StrategyWorkerData = { modulePath, options: strategyOptions };
    const thread = new Worker(entry, {
      workerData: data,
      execArgv: execArgvFor(entry),
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb ?? DEFAULT_MAX_HEAP_MB },
      name: `strategy ${modulePath}`,
    });
    // A worker that crashed after loading is replaced at once, so the next batch need not wait for the load.
    this.worker = new StrategyWorker(thread, modulePath, loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS, (ended) => this.replace(ended));
    return this.worker;
  }

  /** Abandons the batch; if the worker is still busy with it after the grace, it is stuck and replaced. */
  private overBudget(worker: StrategyWorker, id: number, budgetMs: number): void {
    if (!worker.abandon(id)) return;
    const check = setTimeout(() => {
      if (!worker.busyWith(id)) return;
      void worker.terminate({ kind: 'timeout' });
      this.replace(worker);
    }, this.options.stuckGraceMs ?? budgetMs);
    check.unref();
  }

  private replace(ended: StrategyWorker): void {
    if (ended === this.worker && !this.stopped) this.current();
  }
}
