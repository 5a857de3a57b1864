// The on-call paging port: the breaker and the kill switch page a person through it (SNS in AWS, a
// recording pager locally). A page that cannot be sent is an error for the caller to handle (the breaker's
// Catch keeps trading halted), never silently dropped.
export interface Page {
  severity: 'critical' | 'warning';
  account: string;
  /** One line, e.g. "trading HALTED on acct-1: drawdown 520 bps >= 500". */
  subject: string;
  message: string;
  /** The breach id, kill-switch request id or execution name the page is about. */
  correlationId: string;
}

export interface Pager {
  page(page: Page): Promise<void>;
}
