// How a broker call fails: `ambiguous` when the request may have taken effect (timeout, connection reset,
// 5xx, 429 after sending), `refused` when the broker answered definitely that it did not.
import { InfrastructureError } from '../errors/errors';

export type BrokerCallOutcome = 'ambiguous' | 'refused';

/**
 * A broker call that did not return a result. `ambiguous`: it may have taken effect, so the caller must
 * query before deciding anything (an order stays in flight). `refused`: the broker answered definitely
 * (4xx other than 429), so nothing happened.
 */
export class BrokerCallError extends InfrastructureError {
  override readonly name = 'BrokerCallError';
  constructor(
    message: string,
    readonly outcome: BrokerCallOutcome,
    readonly detail: { status?: number; code?: string; retryAfterMs?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, 'broker', options);
  }
}
