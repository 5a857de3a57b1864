// Tracing of the AWS SDK clients the Lambda wiring builds. Identity until a function installs its tracer's capture,
// so the feed task and the local run, which share this wiring, never load the X-Ray SDK.
type Capture = <C>(client: C) => C;

const identity: Capture = (client) => client;
let capture: Capture = identity;

/** Called once per container by the function's handler wrapper (functions/support/invocation.ts). */
export const installClientCapture = (next: Capture): void => {
  capture = next;
};

/** The client as the function traces it: X-Ray subsegments per call when a capture is installed. */
export const captured = <C>(client: C): C => capture(client);
