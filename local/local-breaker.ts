// Local BreakerStarter: runs statemachines/circuit-breaker.asl.json with aws-local-stepfunctions, every Task
// state overridden to call the breaker tasks handler as Lambda would (the Payload in, { Payload } out).
// Invariants: one execution per breach id, a second start is refused (Step Functions' ExecutionAlreadyExists);
// the waitForTaskToken step is modelled: the handler runs (it pages), then the task waits for approve() or
// reject() (SendTaskSuccess / SendTaskFailure), or for sendTaskSuccess/sendTaskFailure by task token (what the
// approval API's local adapter calls), and the ASL's own TimeoutSecondsPath times it out.
// stop() aborts what still runs, so no wait or approval timer keeps the process alive after a session.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { BreakerStarter, BreakerTrip } from '../shared/ports/breaker-starter';
import type { ApprovalDelivery } from '../shared/ports/breaker-approvals';

/** What a Task override may return (JSON, as Lambda's Payload is). */
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const CIRCUIT_BREAKER_ASL_PATH = fileURLToPath(new URL('../statemachines/circuit-breaker.asl.json', import.meta.url));

/** The token Task state: the one that waits for a person. */
const APPROVAL_STATE = 'AwaitApproval';

export const loadCircuitBreakerDefinition = (): StateMachineDefinition =>
  JSON.parse(readFileSync(CIRCUIT_BREAKER_ASL_PATH, 'utf8')) as StateMachineDefinition;

/**
 * The one divergence of aws-local-stepfunctions 3.0 we adapt to: it resolves a Task's TimeoutSecondsPath
 * against the Parameters output, where Step Functions resolves it against the state input. Every breaker
 * Payload carries the state input as `input`, so the same value is at `$.Payload.input...` locally.
 */
const forLocalEngine = (definition: StateMachineDefinition): StateMachineDefinition => {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      const path = (state as { TimeoutSecondsPath?: string }).TimeoutSecondsPath;
      return [name, path?.startsWith('$.') ? { ...state, TimeoutSecondsPath: `$.Payload.input.${path.slice(2)}` } : state];
    }),
  );
  return { ...definition, States: states } as StateMachineDefinition;
};

export interface LocalBreakerOptions {
  /** The breaker tasks Lambda handler (createBreakerHandler(...)), called with each Task's Payload. */
  invoke: (payload: unknown) => Promise<unknown>;
  /** Every Wait state lasts this long instead (ms); absent: the ASL's waits. */
  waitMs?: number;
  /** Every Retry pauses this long instead (ms); absent: the ASL's intervals. */
  retryIntervalMs?: number;
  /** Told of every state transition Step Functions would bill (a state entered, a retry); absent: not read. */
  onTransition?: () => void;
}

export type BreakerExecutionOutcome =
  | { status: 'SUCCEEDED'; output: unknown }
  /** `error`: the Fail state's error name (e.g. Breaker.FailedClosed) or the uncaught error's name. */
  | { status: 'FAILED'; error: string };

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

// Promise.withResolvers, which the project's TypeScript lib setting does not declare yet.
const deferred = <T>(): Deferred<T> => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

export type BreakerExecutionStatus = 'RUNNING' | BreakerExecutionOutcome['status'];

interface Execution {
  outcome: Promise<BreakerExecutionOutcome>;
  status: BreakerExecutionStatus;
  abort: () => void;
  approval: Deferred<unknown>;
  approvalRequested: Deferred<void>;
  /** AwaitApproval has asked and nothing answered it, timed it out or ended the execution yet. */
  waiting: boolean;
}

/** The local task token of an execution's AwaitApproval (Step Functions makes one per attempt; one suffices here). */
const tokenOf = (breachId: string): string => `local-token:${breachId}`;

export class ApprovalRejectedError extends Error {
  override readonly name = 'Breaker.ApprovalRejected';
}

export class LocalBreaker implements BreakerStarter {
  private readonly machine: StateMachine;
  private readonly definition: StateMachineDefinition;
  private readonly executions = new Map<string, Execution>();

  constructor(private readonly options: LocalBreakerOptions) {
    this.definition = loadCircuitBreakerDefinition();
    this.machine = new StateMachine(forLocalEngine(this.definition));
  }

  async start(trip: BreakerTrip): Promise<'started' | 'duplicate'> {
    // Checked and claimed synchronously: two racing starts cannot both pass.
    if (this.executions.has(trip.breachId)) return 'duplicate';
    const approval = deferred<unknown>();
    const approvalRequested = deferred<void>();
    // A rejection sent before the execution reaches AwaitApproval is delivered when it gets there.
    approval.promise.catch(() => undefined);
    const states = Object.entries(this.definition.States);
    const tasks = states.filter(([, s]) => s.Type === 'Task').map(([name]) => name);
    const waits = states.filter(([, s]) => s.Type === 'Wait').map(([name]) => name);
    const started: Execution = { outcome: Promise.resolve({ status: 'FAILED', error: 'NotStarted' }), status: 'RUNNING', abort: () => undefined, approval, approvalRequested, waiting: false };
    const invokeLambda = async (input: unknown): Promise<JsonValue> => {
      // Any other Task running means the execution left AwaitApproval (answered or timed out): its token is dead.
      started.waiting = false;
      return { StatusCode: 200, Payload: (await this.options.invoke((input as { Payload: unknown }).Payload)) as JsonValue };
    };
    const run = this.machine.run(trip, {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(
          tasks.map((name) => [
            name,
            name === APPROVAL_STATE
              ? async (input: unknown): Promise<JsonValue> => {
                  await this.options.invoke((input as { Payload: unknown }).Payload);
                  started.waiting = true;
                  approvalRequested.resolve();
                  // With waitForTaskToken the task's output is what SendTaskSuccess sent, not the Lambda's result.
                  return (await approval.promise) as JsonValue;
                }
              : invokeLambda,
          ]),
        ),
        ...(this.options.waitMs === undefined ? {} : { waitTimeOverrides: Object.fromEntries(waits.map((name) => [name, this.options.waitMs as number])) }),
        ...(this.options.retryIntervalMs === undefined
          ? {}
          : { retryIntervalOverrides: Object.fromEntries(tasks.map((name) => [name, this.options.retryIntervalMs as number])) }),
      },
      context: { Execution: { Name: trip.breachId, Input: trip }, Task: { Token: tokenOf(trip.breachId) } } as never,
    });
    started.abort = run.abort;
    if (this.options.onTransition) void this.countTransitions(run.eventLogs, this.options.onTransition);
    started.outcome = run.result.then(
      (output): BreakerExecutionOutcome => ({ status: 'SUCCEEDED', output }),
      (error: unknown): BreakerExecutionOutcome => {
        const e = error as { name?: string; cause?: { name?: string } };
        return { status: 'FAILED', error: e.cause?.name ?? e.name ?? 'Error' };
      },
    );
    void started.outcome.then((o) => {
      started.status = o.status;
      started.waiting = false;
    });
    this.executions.set(trip.breachId, started);
    return 'started';
  }

  /** Resolves when the execution ends (never rejects). */
  outcome(breachId: string): Promise<BreakerExecutionOutcome> {
    return this.get(breachId).outcome;
  }

  /** Resolves once the execution has paged for approval and waits for the token. */
  approvalRequested(breachId: string): Promise<void> {
    return this.get(breachId).approvalRequested.promise;
  }

  /** SendTaskSuccess for the execution's approval token. */
  approve(breachId: string, approvedBy: string): void {
    const execution = this.get(breachId);
    execution.waiting = false;
    execution.approval.resolve({ approvedBy });
  }

  /** SendTaskFailure (Breaker.ApprovalRejected) for the execution's approval token. */
  reject(breachId: string, reason: string): void {
    const execution = this.get(breachId);
    execution.waiting = false;
    execution.approval.reject(new ApprovalRejectedError(reason));
  }

  /**
   * SendTaskSuccess by task token: 'expired' (as Step Functions' TaskTimedOut / InvalidToken) unless an
   * execution waits on that token right now; a token is answered once.
   */
  sendTaskSuccess(taskToken: string, output: unknown): ApprovalDelivery {
    const execution = this.waitingOn(taskToken);
    if (!execution) return 'expired';
    execution.waiting = false;
    execution.approval.resolve(output);
    return 'delivered';
  }

  /** SendTaskFailure by task token: the execution's AwaitApproval fails with `error` (its Catch decides). */
  sendTaskFailure(taskToken: string, error: string, cause: string): ApprovalDelivery {
    const execution = this.waitingOn(taskToken);
    if (!execution) return 'expired';
    execution.waiting = false;
    execution.approval.reject(Object.assign(new Error(cause), { name: error }));
    return 'delivered';
  }

  /** Every execution started, with its status now (RUNNING until it ends). */
  executionStatuses(): { name: string; status: BreakerExecutionStatus }[] {
    return [...this.executions].map(([name, e]) => ({ name, status: e.status }));
  }

  /**
   * Aborts every execution still running (StopExecution): its Wait and Retry sleeps end, and a pending
   * approval is failed so the approval task's timeout timer is cleared. Idempotent.
   */
  async stop(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const e of running) {
      e.abort();
      e.approval.reject(new ApprovalRejectedError('local session ended'));
    }
    await Promise.all(running.map((e) => e.outcome));
  }

  /** Breach ids of every execution started (running or finished). */
  executionNames(): string[] {
    return [...this.executions.keys()];
  }

  /** Reads the execution's event log to its end; a log that fails ends the count, never the execution. */
  private async countTransitions(events: AsyncGenerator<{ type: string }>, onTransition: () => void): Promise<void> {
    try {
      for await (const event of events) if (event.type === 'StateEntered' || event.type === 'StateRetried') onTransition();
    } catch {
      // the count is best effort: see above
    }
  }

  private waitingOn(taskToken: string): Execution | undefined {
    const execution = [...this.executions].find(([name]) => tokenOf(name) === taskToken)?.[1];
    return execution?.waiting && execution.status === 'RUNNING' ? execution : undefined;
  }

  private get(breachId: string): Execution {
    const execution = this.executions.get(breachId);
    if (!execution) throw new Error(`no breaker execution named ${breachId}`);
    return execution;
  }
}
