// The local control plane: the local session hands in how to stop (and restart) its router's intent route
// and its queue consumer. Both stops are always attempted; a failure throws, like the AWS adapter.
import { InfrastructureError } from '../shared/errors/errors';
import type { ControlPlane, IntakeStatus } from '../shared/ports/control-plane';

export interface LocalIntakeSwitch {
  /** Stops (true) or restarts (false) the router's OrderIntended route. */
  setRouteStopped(stopped: boolean): Promise<void> | void;
  /** Stops (true) or restarts (false) the order queue consumer (the local SqsEventSource). */
  setConsumerStopped(stopped: boolean): Promise<void> | void;
}

export class LocalControlPlane implements ControlPlane {
  private route: IntakeStatus = 'running';
  private consumer: IntakeStatus = 'running';

  constructor(private readonly intake: LocalIntakeSwitch) {}

  async stopOrderIntake(_reason: string): Promise<void> {
    await this.apply(true);
  }

  async resumeOrderIntake(): Promise<void> {
    await this.apply(false);
  }

  async intakeStatus(): Promise<IntakeStatus> {
    return this.route === this.consumer ? this.route : 'unknown';
  }

  private async apply(stopped: boolean): Promise<void> {
    const target: IntakeStatus = stopped ? 'stopped' : 'running';
    const [route, consumer] = await Promise.allSettled([
      Promise.resolve().then(() => this.intake.setRouteStopped(stopped)),
      Promise.resolve().then(() => this.intake.setConsumerStopped(stopped)),
    ]);
    // A part that failed is in an unknown state: status must not claim it switched.
    this.route = route.status === 'fulfilled' ? target : 'unknown';
    this.consumer = consumer.status === 'fulfilled' ? target : 'unknown';
    const failed = [route, consumer].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failed.length > 0) {
      throw new InfrastructureError(`local ${stopped ? 'stop' : 'resume'} of order intake failed`, 'control-plane', {
        cause: failed.length === 1 ? failed[0] : new AggregateError(failed),
      });
    }
  }
}
