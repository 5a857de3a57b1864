// A control plane that records stops and resumes (the AWS one is tested with aws-sdk-client-mock); `failing`
// makes the next stop or resume throw, as a failed API call would.
import type { ControlPlane, IntakeStatus } from '../../shared/ports/control-plane';

export class RecordingControlPlane implements ControlPlane {
  readonly calls: string[] = [];
  status: IntakeStatus = 'running';
  failing = false;
  async stopOrderIntake(reason: string): Promise<void> {
    if (this.failing) throw new Error('UpdateEventSourceMapping throttled');
    this.calls.push(`stop:${reason}`);
    this.status = 'stopped';
  }
  async resumeOrderIntake(): Promise<void> {
    if (this.failing) throw new Error('UpdateEventSourceMapping throttled');
    this.calls.push('resume');
    this.status = 'running';
  }
  async intakeStatus(): Promise<IntakeStatus> {
    return this.status;
  }
}
