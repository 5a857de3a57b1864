// The AWS BreakerStarter: StartExecution of the circuit-breaker state machine, named after the breach id
// with the trip as input. Invariant: Step Functions refuses a second execution of the same name
// (ExecutionAlreadyExists, also for a finished one within its retention), which is how one breach runs once;
// that refusal is 'duplicate', any other failure an InfrastructureError with its cause (so the invocation
// fails, and EventBridge retries it, then dead-letters it: a breach is never silently dropped).
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { BreakerStarter, BreakerTrip } from '../../shared/ports/breaker-starter';
import { InfrastructureError } from '../../shared/errors/errors';

export class SfnBreakerStarter implements BreakerStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(trip: BreakerTrip): Promise<'started' | 'duplicate'> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: trip.breachId, input: JSON.stringify(trip) }));
      return 'started';
    } catch (error) {
      // Matched by name too: a client bundled twice would not share the class.
      if (error instanceof ExecutionAlreadyExists || (error as { name?: string } | null)?.name === 'ExecutionAlreadyExists') return 'duplicate';
      throw new InfrastructureError(`could not start the circuit breaker for ${trip.breachId}`, 'sfn', { cause: error });
    }
  }
}
