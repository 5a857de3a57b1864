// The log port: structured lines the core writes for whoever reads an incident (the Powertools logger in AWS,
// the session's logger locally). Logging never decides anything: what matters is also counted or returned.
export interface Log {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}
