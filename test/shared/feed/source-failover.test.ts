import { describe, expect, it } from 'vitest';
import { SourceFailover, type SourceSwitch } from '../../../shared/feed/source-failover';
import type { SourceStatusKind } from '../../../shared/ports/market-data-source';

const T0 = Date.parse('2026-12-03T15:00:00.000Z');
const SILENCE = 5_000;
const HOLD = 30_000;

/** One input to the failover at a time; `play` runs them in time order (stable for equal times). */
type Step = { atMs: number; apply: (f: SourceFailover) => SourceSwitch | undefined };
const live = (source: string, atMs: number, kind: SourceStatusKind = 'live'): Step => ({ atMs, apply: (f) => f.statusChanged(source, { kind, atMs }) });
const tick = (atMs: number): Step => ({ atMs, apply: (f) => f.tick(atMs) });
/** `source` delivering accepted data every second from `fromMs` to `toMs`, both included. */
const delivers = (source: string, fromMs: number, toMs: number): Step[] =>
  Array.from({ length: Math.floor((toMs - fromMs) / 1_000) + 1 }, (_, i) => fromMs + i * 1_000).map((atMs) => ({ atMs, apply: (f) => f.accepted(source, atMs) }));

const play = (steps: readonly (Step | Step[])[], sources: readonly string[] = ['primary', 'backup']) => {
  const failover = new SourceFailover({ sources, silenceMs: SILENCE, holdMs: HOLD, nowMs: T0 });
  const switches: SourceSwitch[] = [];
  for (const step of steps.flat().sort((a, b) => a.atMs - b.atMs)) {
    const switched = step.apply(failover);
    if (switched) switches.push(switched);
  }
  return { failover, switches };
};

/** Both sources live from T0 and delivering every second until `untilMs`. */
const bothLive = (untilMs: number): Step[] => [live('primary', T0), live('backup', T0), ...delivers('primary', T0, untilMs), ...delivers('backup', T0, untilMs)];

describe('source failover', () => {
  it('starts on the primary and stays while it is live and delivering', () => {
    const { failover, switches } = play([bothLive(T0 + 60_000), tick(T0 + 60_000)]);
    expect(failover.active).toBe('primary');
    expect(switches).toEqual([]);
  });

  it('switches to the healthy backup exactly when the primary has been silent for the silence, not a millisecond before', () => {
    const before = play([bothLive(T0 + 10_000), delivers('backup', T0 + 11_000, T0 + 14_000), tick(T0 + 10_000 + SILENCE - 1)]);
    expect(before.switches).toEqual([]);
    const at = play([bothLive(T0 + 10_000), delivers('backup', T0 + 11_000, T0 + 14_000), tick(T0 + 10_000 + SILENCE)]);
    expect(at.switches).toEqual([{ from: 'primary', to: 'backup', reason: 'SOURCE_SILENT', atMs: T0 + 15_000 }]);
    expect(at.failover.active).toBe('backup');
  });

  it('switches when the primary has not been live for the silence, even while its data still trickles in', () => {
    const trickle = [live('primary', T0 + 10_000, 'disconnected'), delivers('primary', T0 + 11_000, T0 + 14_000), delivers('backup', T0 + 11_000, T0 + 14_000)];
    expect(play([bothLive(T0 + 10_000), ...trickle, tick(T0 + 14_999)]).switches).toEqual([]);
    expect(play([bothLive(T0 + 10_000), ...trickle, tick(T0 + 15_000)]).switches).toEqual([{ from: 'primary', to: 'backup', reason: 'SOURCE_DOWN', atMs: T0 + 15_000 }]);
  });

  it('gives the primary the silence from the start to become live and deliver, however early the backup does', () => {
    const early = play([live('backup', T0), delivers('backup', T0, T0 + 4_000), tick(T0 + SILENCE - 1)]);
    expect(early.failover.active).toBe('primary');
    const late = play([live('backup', T0), delivers('backup', T0, T0 + 4_000), tick(T0 + SILENCE)]);
    expect(late.switches).toEqual([{ from: 'primary', to: 'backup', reason: 'SOURCE_DOWN', atMs: T0 + SILENCE }]);
  });

  it('has no active source when none is healthy, and takes the first source that becomes healthy at once', () => {
    const { failover, switches } = play([bothLive(T0 + 10_000), live('backup', T0 + 10_000, 'refused'), tick(T0 + 15_000), live('backup', T0 + 20_000), tick(T0 + 20_000)]);
    expect(switches).toEqual([{ from: 'primary', to: undefined, reason: 'SOURCE_SILENT', atMs: T0 + 15_000 }]);
    expect(failover.active).toBeUndefined(); // live is not enough: it must deliver
    expect(failover.accepted('backup', T0 + 20_001)).toEqual({ from: undefined, to: 'backup', reason: 'SOURCE_RECOVERED', atMs: T0 + 20_001 });
  });

  it('counts neither a live but silent source nor a delivering but not live one as healthy', () => {
    const silent = play([bothLive(T0 + 10_000), delivers('primary', T0 + 11_000, T0 + 11_000), tick(T0 + 16_000)]);
    expect(silent.switches).toEqual([{ from: 'primary', to: undefined, reason: 'SOURCE_SILENT', atMs: T0 + 16_000 }]); // the backup's data is 6 s old
    const down = play([bothLive(T0 + 10_000), live('backup', T0 + 10_500, 'disconnected'), delivers('backup', T0 + 14_000, T0 + 14_000), tick(T0 + 15_000)]);
    expect(down.switches).toEqual([{ from: 'primary', to: undefined, reason: 'SOURCE_SILENT', atMs: T0 + 15_000 }]);
  });

  it('returns to the primary exactly when it has been healthy for the hold, not a millisecond before', () => {
    const outage = [bothLive(T0 + 10_000), delivers('backup', T0 + 11_000, T0 + 200_000), delivers('primary', T0 + 100_000, T0 + 200_000)];
    const before = play([...outage.map((steps) => steps.filter((s) => s.atMs < T0 + 100_000 + HOLD)), tick(T0 + 100_000 + HOLD - 1)]);
    expect(before.failover.active).toBe('backup');
    const { switches } = play([...outage, tick(T0 + 200_000)]);
    expect(switches).toEqual([
      { from: 'primary', to: 'backup', reason: 'SOURCE_SILENT', atMs: T0 + 15_000 },
      { from: 'backup', to: 'primary', reason: 'PRIMARY_RESTORED', atMs: T0 + 100_000 + HOLD },
    ]);
  });

  it('restarts the hold when the primary drops out or falls silent in between', () => {
    const { switches } = play([
      bothLive(T0 + 10_000),
      delivers('backup', T0 + 11_000, T0 + 300_000),
      delivers('primary', T0 + 100_000, T0 + 120_000),
      live('primary', T0 + 120_500, 'disconnected'),
      live('primary', T0 + 121_000),
      delivers('primary', T0 + 122_000, T0 + 140_000),
      delivers('primary', T0 + 145_000, T0 + 300_000), // 5 s without data breaks the run too
    ]);
    expect(switches.filter((s) => s.to === 'primary')).toEqual([{ from: 'backup', to: 'primary', reason: 'PRIMARY_RESTORED', atMs: T0 + 145_000 + HOLD }]);
  });

  it('moves on to the next healthy source in order, wrapping around', () => {
    const sources = ['a', 'b', 'c'];
    const { switches } = play(
      [sources.map((s) => live(s, T0)), delivers('a', T0, T0 + 1_000), delivers('c', T0, T0 + 22_000), delivers('a', T0 + 7_000, T0 + 30_000), live('c', T0 + 21_000, 'closed'), tick(T0 + 26_000)],
      sources,
    );
    expect(switches).toEqual([
      { from: 'a', to: 'c', reason: 'SOURCE_SILENT', atMs: T0 + 6_000 },
      { from: 'c', to: 'a', reason: 'SOURCE_DOWN', atMs: T0 + 26_000 },
    ]);
  });

  it('ignores a source it does not know and never moves its clock back', () => {
    const { failover } = play([bothLive(T0 + 10_000), delivers('backup', T0 + 11_000, T0 + 14_000), tick(T0 + 15_000)]);
    expect(failover.accepted('other', T0 + 15_000)).toBeUndefined();
    expect(failover.active).toBe('backup');
    expect(failover.accepted('backup', T0 + 1)).toBeUndefined(); // read as the latest time, 15 s
    expect(failover.tick(T0 + 15_000 + SILENCE - 1)).toBeUndefined();
    expect(failover.tick(T0 + 15_000 + SILENCE)).toEqual({ from: 'backup', to: undefined, reason: 'SOURCE_SILENT', atMs: T0 + 15_000 + SILENCE });
  });

  it('counts switches by reason and those that left no active source', () => {
    const { failover } = play([bothLive(T0 + 10_000), live('backup', T0 + 10_000, 'closed'), tick(T0 + 15_000), live('backup', T0 + 16_000), delivers('backup', T0 + 16_000, T0 + 16_000)]);
    expect(failover.counts()).toEqual({
      switches: 2,
      toNone: 1,
      byReason: { SOURCE_SILENT: 1, SOURCE_DOWN: 0, PRIMARY_RESTORED: 0, SOURCE_RECOVERED: 1 },
    });
  });

  it('refuses an empty or repeated list of sources', () => {
    expect(() => new SourceFailover({ sources: [], silenceMs: SILENCE, holdMs: HOLD, nowMs: T0 })).toThrow(RangeError);
    expect(() => new SourceFailover({ sources: ['a', 'a'], silenceMs: SILENCE, holdMs: HOLD, nowMs: T0 })).toThrow(RangeError);
  });
});
