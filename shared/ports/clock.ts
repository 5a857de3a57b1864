// The clock port: every timestamp in the core comes from here, so tests and replays control time.
export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  now(): number;
}
