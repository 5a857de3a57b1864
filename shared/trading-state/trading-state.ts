// Trading states and what each allows for a new order. ACTIVE: everything; WARNING: sizes scaled down;
// REDUCING: only orders that reduce the position; HALTED: no new orders (cancels allowed); KILLED: only
// cancels, left only by a person's release. Anything unrecognised denies (fail closed).
import * as z from 'zod';
import type { DenialReason } from '../reasons/denial-reasons';

export const TradingStateSchema = z.enum(['ACTIVE', 'WARNING', 'REDUCING', 'HALTED', 'KILLED']);
export type TradingState = z.infer<typeof TradingStateSchema>;

/**
 * The states in which an account can trade, so the ones a halt moves it from: the breaker's halt (its own
 * and the ASL's SetHalted `from`) and the dead-man switch, which starts the breaker only for these.
 */
export const TRADABLE_STATES = ['ACTIVE', 'WARNING', 'REDUCING'] as const satisfies readonly TradingState[];
export type TradableState = (typeof TRADABLE_STATES)[number];

/** Whether a read state (or a stand-in such as 'NONE') is one an account can trade in. */
export const isTradable = (state: string | undefined): state is TradableState => TRADABLE_STATES.some((s) => s === state);

/** The denial a state imposes on every new order regardless of its side (null: the state may allow it). */
export const tradingStateDenial = (state: TradingState | undefined): DenialReason | null => {
  switch (state) {
    case 'ACTIVE':
    case 'WARNING':
    case 'REDUCING':
      return null;
    case 'HALTED':
      return 'TRADING_HALTED';
    case 'KILLED':
      return 'TRADING_KILLED';
    default:
      return 'TRADING_STATE_MISSING';
  }
};
