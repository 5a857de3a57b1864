// A replay of recorded events into a drained local session, as an EventBridge replay sends archived events to the
// bus again: the consumers are started, the events redelivered through the routes, and once everything they caused
// has settled the consumers are stopped as the drain left them. Invariant: it only delivers; what the consumers
// do with a replayed event is theirs (docs/disaster-recovery.md, "Replaying events").
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalEvent, ReplayOptions } from './event-router';
import type { SessionWiring } from './session-wiring';

/** Long enough for the order queue to empty after a replay; a replay that leaves work past it is reported. */
const SETTLE_DEADLINE_MS = 30_000;

export interface ReplayOutcome {
  /** Events sent again, by detail type. */
  replayed: Record<string, number>;
  /** Deliveries of the replayed events, by route id. */
  delivered: Record<string, number>;
  /** Events the consumers published while handling the replay, by detail type. */
  published: Record<string, number>;
  /** Dead letters the replay left. */
  deadLetters: number;
  /** False when the order queue had not gone idle by the deadline. */
  settled: boolean;
}

const countBy = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

/** The events EventBridge replays for a window: those whose time is at or after its start and before its end. */
export const eventsInWindow = (events: readonly LocalEvent[], window: { start: Date; end: Date }): LocalEvent[] =>
  events.filter((event) => {
    const at = Date.parse(event.time);
    return at >= window.start.getTime() && at < window.end.getTime();
  });

export const replayIntoSession = async (w: SessionWiring, events: readonly LocalEvent[], options: ReplayOptions): Promise<ReplayOutcome> => {
  const delivered: string[] = [];
  const stopWatching = w.router.onDelivered(({ route, event }) => {
    if ((event as { 'replay-name'?: string })['replay-name'] === options.replayName) delivered.push(route);
  });
  const seenBefore = w.router.seen.length;
  const deadBefore = w.router.deadLetters.length;
  w.intentIntake.start();
  w.eventSource.start();
  let settled = false;
  try {
    w.router.redeliver(events, options);
    await w.router.drain();
    // What a decider left parked is decided as the schedule would.
    while ((await w.sweepParked()) > 0) await w.router.drain();
    // Whatever the replay queued for the order function has been enqueued by now: wait for an empty receive after it.
    const queuedBy = Date.now();
    for (const deadline = queuedBy + SETTLE_DEADLINE_MS; Date.now() < deadline; ) {
      w.broker.advance();
      if (w.eventSource.idleAfter(queuedBy)) {
        settled = true;
        break;
      }
      await sleep(100);
    }
  } finally {
    await w.eventSource.stop();
    await w.router.drain();
    await w.intentIntake.stop();
    stopWatching();
  }
  return {
    replayed: countBy(events, (e) => e['detail-type']),
    delivered: countBy(delivered, (route) => route),
    published: countBy(w.router.seen.slice(seenBefore), (e) => e['detail-type']),
    deadLetters: w.router.deadLetters.length - deadBefore,
    settled,
  };
};
