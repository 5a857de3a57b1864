// The local session's halt observer: it passes every call to the trading-state port it wraps and records
// the periods trading was stopped, from the moment HALTED or KILLED was written to the moment the write that
// let trading resume was issued.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HaltObserver } from '../../local/halt-observer';
import type { TradingStateStore } from '../../shared/ports/trading-state-store';
import type { StateChangeOutcome, TradingStateChange } from '../../shared/trading-state/state-change';
import { ACCOUNT } from '../support/fixtures';

/** The epoch ms Date.now() reports; every write the inner port makes takes WRITE_MS. */
let now: number;
const WRITE_MS = 10;

const change = (to: TradingStateChange['to']): TradingStateChange => ({ account: ACCOUNT, from: [], to, actor: 'breaker', reason: 'test', correlationId: `c-${to}`, at: '2026-11-23T15:00:00.000Z' });

/** A trading-state port whose changes take WRITE_MS and answer `outcome`; its other calls answer fixed values. */
const innerPort = (outcome: StateChangeOutcome['outcome'] = 'changed'): TradingStateStore => ({
  getTradingState: async () => 'ACTIVE',
  getTradingStateRecord: async () => ({ state: 'ACTIVE', updatedBy: 'test' }),
  changeTradingState: async () => {
    now += WRITE_MS;
    return { outcome, previous: 'ACTIVE' } as StateChangeOutcome;
  },
  getKillSwitch: async () => undefined,
  markKillSwitchPaged: async () => 'not-current',
});

beforeEach(() => {
  now = 1_000;
  vi.spyOn(Date, 'now').mockImplementation(() => now);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the halt observer', () => {
  it('opens a period when the halt was written and closes it when the resuming write was issued', async () => {
    const observer = new HaltObserver(innerPort());
    await observer.changeTradingState(change('HALTED'));
    now = 2_000;
    await observer.changeTradingState(change('ACTIVE'));
    expect(observer.haltPeriods).toEqual([{ issued: 1_000, from: 1_010, to: 2_000 }]);
    expect(observer.haltedAtMs).toBe(1_010);
    expect([1_010, 1_011, 1_999, 2_000].map((ms) => observer.stoppedAt(ms))).toEqual([false, true, true, false]);
  });

  it('keeps one open period across a second stop (HALTED then KILLED) and leaves it open until trading resumes', async () => {
    const observer = new HaltObserver(innerPort());
    await observer.changeTradingState(change('HALTED'));
    await observer.changeTradingState(change('KILLED'));
    expect(observer.haltPeriods).toEqual([{ issued: 1_000, from: 1_010 }]);
    expect(observer.stoppedAt(9_999_999)).toBe(true);
  });

  it('records nothing for a change that was refused or changed nothing', async () => {
    for (const outcome of ['refused', 'unchanged'] as const) {
      const observer = new HaltObserver(innerPort(outcome));
      await expect(observer.changeTradingState(change('HALTED'))).resolves.toMatchObject({ outcome });
      expect(observer.haltPeriods).toEqual([]);
      expect(observer.haltedAtMs).toBeUndefined();
    }
  });

  it('passes every other call to the port it wraps', async () => {
    const observer = new HaltObserver(innerPort());
    await expect(observer.getTradingState(ACCOUNT)).resolves.toBe('ACTIVE');
    await expect(observer.getTradingStateRecord(ACCOUNT)).resolves.toEqual({ state: 'ACTIVE', updatedBy: 'test' });
    await expect(observer.markKillSwitchPaged(ACCOUNT, 'q', '2026-11-23T15:00:00.000Z')).resolves.toBe('not-current');
    await expect(observer.getKillSwitch(ACCOUNT)).resolves.toBeUndefined();
  });
});
