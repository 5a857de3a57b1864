// The worker side of WorkerStrategyRunner: loads one strategy module, then runs its tick batches one at a time
// in the order they come and answers each with its outcome. Budgets are the runner's: this side only runs.
import { parentPort, workerData } from 'node:worker_threads';
import { callStrategy, faultOf, faultOutcome } from '../../shared/strategy/strategy-call';
import type { Strategy } from '../../shared/strategy/strategy';
import { importStrategy, StrategyLoadError } from './strategy-module';
import type { StrategyWorkerData, StrategyWorkerMessage, TickBatchMessage } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('strategy-worker.ts runs only as a worker thread');

const reply = (message: StrategyWorkerMessage): void => port.postMessage(message);

const serve = (strategy: Strategy): void => {
  // Batches queue behind each other: a strategy never sees two at once, even an async one.
  let previous = Promise.resolve();
  port.on('message', ({ id, ticks, context }: TickBatchMessage) => {
    previous = previous.then(async () => {
      const outcome = await callStrategy(strategy, ticks, context);
      try {
        reply({ type: 'outcome', id, outcome });
      } catch (error) {
        // Proposals holding functions or other things that cannot be cloned never leave the worker.
        reply({ type: 'outcome', id, outcome: faultOutcome('StrategyAnswerInvalid', `its answer cannot leave the worker: ${faultOf(error).message}`) });
      }
    });
  });
};

const { modulePath, options } = workerData as StrategyWorkerData;
try {
  const strategy = await importStrategy(modulePath, options);
  reply({ type: 'ready', name: strategy.name });
  serve(strategy);
} catch (error) {
  reply({ type: 'load-failed', why: error instanceof StrategyLoadError ? error.why : faultOf(error).message, fault: faultOf(error) });
}
