// Properties of the failover over random histories of statuses, deliveries and time, checked against health
// recomputed from the whole history (not from the failover's own state): the active source has never failed,
// every switch lands on a healthy source, the primary returns only after the hold, and a healthy source is
// never left unused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceFailover, type SourceSwitch } from '../../../shared/feed/source-failover';
import type { SourceStatusKind } from '../../../shared/ports/market-data-source';

const T0 = Date.parse('2026-12-03T15:00:00.000Z');
const SILENCE = 3_000;
const HOLD = 10_000;
const PRIMARY = 'primary';
const SOURCES = [PRIMARY, 'backup', 'third'];

type Input =
  | { kind: 'status'; source: string; status: SourceStatusKind; dt: number }
  | { kind: 'accepted'; source: string; dt: number }
  | { kind: 'tick'; dt: number };

/**
 * Histories in phases: at a phase's start one source may change status; then, every step (200 ms to 1.5 s
 * apart), each source of the phase's subset delivers accepted data, and time is sometimes ticked on its own.
 */
const phase = fc.record({
  status: fc.option(fc.record({ source: fc.constantFrom(...SOURCES), status: fc.constantFrom<SourceStatusKind>('live', 'live', 'disconnected', 'refused', 'closed') }), { nil: undefined }),
  delivering: fc.subarray(SOURCES),
  steps: fc.integer({ min: 1, max: 25 }),
  stepMs: fc.integer({ min: 200, max: 1_500 }),
  tickEvery: fc.integer({ min: 1, max: 5 }),
});
const phasedHistory = fc.array(phase, { minLength: 1, maxLength: 12 }).map((phases): Input[] => [
  ...SOURCES.map((source): Input => ({ kind: 'status', source, status: 'live', dt: 0 })),
  ...phases.flatMap((p): Input[] => [
    ...(p.status ? [{ kind: 'status' as const, ...p.status, dt: 0 }] : []),
    ...Array.from({ length: p.steps }, (_, i): Input[] => [
      ...p.delivering.map((source, j): Input => ({ kind: 'accepted', source, dt: j === 0 ? p.stepMs : 0 })),
      ...(p.delivering.length === 0 || i % p.tickEvery === 0 ? [{ kind: 'tick' as const, dt: p.delivering.length === 0 ? p.stepMs : 0 }] : []),
    ]).flat(),
  ]),
]);

/** What happened to one source, in input order (`n` numbers the inputs: equal times keep their order). */
interface History {
  statuses: { atMs: number; n: number; live: boolean }[];
  accepted: { atMs: number; n: number }[];
}

const liveAt = (h: History): boolean => h.statuses.at(-1)?.live ?? false;
/** The status that began the current live (or not-live) spell; the start when it never changed. */
const spellStart = (h: History): { atMs: number; n: number } => {
  let start = { atMs: T0, n: -1 };
  h.statuses.forEach((s, i) => {
    if (i === 0 ? s.live : s.live !== h.statuses[i - 1]?.live) start = s;
  });
  return start;
};

/** Start of the source's unbroken run of live delivery at t (data since it went live, no gap of the silence), if healthy. */
const healthyRunStart = (h: History, t: number): number | undefined => {
  if (!liveAt(h)) return undefined;
  const wentLive = spellStart(h).n;
  const since = h.accepted.filter((a) => a.n > wentLive).map((a) => a.atMs);
  const last = since.at(-1);
  if (last === undefined || t - last >= SILENCE) return undefined;
  let start = last;
  for (let i = since.length - 2; i >= 0 && start - (since[i] ?? 0) < SILENCE; i--) start = since[i] ?? start;
  return start;
};

/** Whether the active source must have been left by t. */
const failed = (h: History, t: number): boolean =>
  (!liveAt(h) && t - spellStart(h).atMs >= SILENCE) || t - (h.accepted.at(-1)?.atMs ?? T0) >= SILENCE;

/** Runs the inputs; after each, checks the properties against the histories. */
const check = (inputs: readonly Input[]): SourceSwitch[] => {
  const switches: SourceSwitch[] = [];
  const failover = new SourceFailover({ sources: SOURCES, silenceMs: SILENCE, holdMs: HOLD, nowMs: T0 });
  const histories = new Map(SOURCES.map((s) => [s, { statuses: [], accepted: [] } as History]));
  const history = (s: string) => histories.get(s) as History;
  let t = T0;
  let active: string | undefined = PRIMARY;
  for (const [n, step] of inputs.entries()) {
    t += step.dt;
    let switched: SourceSwitch | undefined;
    if (step.kind === 'status') {
      const h = history(step.source);
      if (liveAt(h) !== (step.status === 'live')) h.statuses.push({ atMs: t, n, live: step.status === 'live' });
      switched = failover.statusChanged(step.source, { kind: step.status, atMs: t });
    } else if (step.kind === 'accepted') {
      history(step.source).accepted.push({ atMs: t, n });
      switched = failover.accepted(step.source, t);
    } else {
      switched = failover.tick(t);
    }
    if (switched) {
      switches.push(switched);
      expect(switched.from).toBe(active);
      expect(switched.atMs).toBe(t);
      if (switched.to !== undefined) expect(healthyRunStart(history(switched.to), t)).toBeDefined();
      if (switched.to === PRIMARY && switched.from !== undefined) {
        if (switched.reason === 'PRIMARY_RESTORED') expect(t - (healthyRunStart(history(PRIMARY), t) ?? t)).toBeGreaterThanOrEqual(HOLD);
        else expect(failed(history(switched.from), t)).toBe(true);
      }
      if (switched.reason === 'SOURCE_SILENT' || switched.reason === 'SOURCE_DOWN') expect(failed(history(switched.from ?? ''), t)).toBe(true);
    }
    active = failover.active;
    expect(active).toBe(switched ? switched.to : active);
    if (active !== undefined) expect(failed(history(active), t)).toBe(false);
    else expect(SOURCES.filter((s) => healthyRunStart(history(s), t) !== undefined)).toEqual([]);
  }
  return switches;
};

describe('source failover properties', () => {
  it('never keeps a failed source active, switches only to healthy sources, returns to the primary only after the hold, and leaves no healthy source unused', () => {
    fc.assert(fc.property(phasedHistory, (inputs) => void check(inputs)), { numRuns: 500 });
  });

  it('switches back to the primary in a history where it recovers (the property above is not vacuous)', () => {
    const recovery: Input[] = [
      { kind: 'status', source: 'primary', status: 'live', dt: 0 },
      { kind: 'status', source: 'backup', status: 'live', dt: 0 },
      // Every second for 30 s: the backup from the third second on, the primary except from the fourth to the eighth.
      ...Array.from({ length: 30 }, (_, i): Input[] => [
        { kind: 'tick', dt: 1_000 },
        ...(i >= 2 ? [{ kind: 'accepted' as const, source: 'backup', dt: 0 }] : []),
        ...(i < 3 || i > 7 ? [{ kind: 'accepted' as const, source: 'primary', dt: 0 }] : []),
      ]).flat(),
    ];
    expect(check(recovery)).toEqual([
      { from: 'primary', to: 'backup', reason: 'SOURCE_SILENT', atMs: T0 + 6_000 },
      { from: 'backup', to: 'primary', reason: 'PRIMARY_RESTORED', atMs: T0 + 19_000 },
    ]);
  });
});
