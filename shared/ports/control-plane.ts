// The control-plane port: the kill switch's hard stop, enforced outside the process that runs the strategy
// (AWS: the order function's queue consumer and the intent rule are switched off; locally: the router's
// intent route and the queue consumer). Every method is idempotent: stopping a stopped intake is a no-op.
// A failure throws (never a silent "ok"), so the kill switch can report the stop as failed.
export type IntakeStatus = 'running' | 'stopped' | 'unknown';

export interface ControlPlane {
  /** Stops new intents reaching risk and approved orders reaching the order function. */
  stopOrderIntake(reason: string): Promise<void>;
  resumeOrderIntake(): Promise<void>;
  /** 'unknown' when the parts disagree or cannot be read: the caller must not assume either. */
  intakeStatus(): Promise<IntakeStatus>;
}
