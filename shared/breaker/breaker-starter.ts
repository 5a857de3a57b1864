// Starting the circuit breaker: one execution per breach, named after the breach id, so however many
// decisions, alarms or retries report the same breach, it runs once (Step Functions refuses a second
// execution of the same name with ExecutionAlreadyExists; the local adapter refuses it the same way).
import type { BreakerTrip } from './breaker-tasks';

export interface BreakerStarter {
  /** 'duplicate' when an execution for this breach id exists already (running or finished). */
  start(trip: BreakerTrip): Promise<'started' | 'duplicate'>;
}
