// Until when an operator action may keep cancelling before it must answer: API Gateway gives up on a request
// after 29 s (the caller then sees a 504 and not what happened), and the Lambda's own remaining time may be
// shorter. Pure. Invariant: the deadline leaves a margin for the answer and for a cold start, which counts
// against API Gateway's limit but not against the function's.
export const API_GATEWAY_LIMIT_MS = 29_000;
export const ANSWER_MARGIN_MS = 4_000;

/** Epoch ms (by the caller's clock) at which no new cancel may start. */
export const answerDeadlineMs = (nowMs: number, lambdaRemainingMs?: number): number =>
  nowMs + Math.max(0, Math.min(API_GATEWAY_LIMIT_MS, lambdaRemainingMs ?? Number.POSITIVE_INFINITY) - ANSWER_MARGIN_MS);
