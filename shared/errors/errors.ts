// Error classes for failures of infrastructure and input. Domain decisions (denials) are values, not
// errors; these are for what went wrong around them. Every class keeps its `cause`.

/** Input that does not match its schema: never retried into success, always counted. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly issues: readonly { path: string; rule: string }[],
    options?: { cause?: unknown },
  ) {
    super(`invalid input: ${issues.map((i) => `${i.path}: ${i.rule}`).join('; ')}`, options);
  }
}

/** A store, queue, bus or broker call failed; the caller must treat the outcome as unknown. */
export class InfrastructureError extends Error {
  override readonly name: string = 'InfrastructureError';
  constructor(
    message: string,
    readonly component: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another worker holds the order right now; the message must be retried later, not dropped. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

/** A conditional write lost a race; the caller reloads and decides again. */
export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
