// The clock of the running process (Lambda or local): wall time, for everything outside tests and replays.
import type { Clock } from '../../shared/ports/clock';

export const systemClock: Clock = { now: () => Date.now() };
