// Trading states and what each allows for a new order. ACTIVE: everything; WARNING: sizes scaled down;
// REDUCING: only orders that reduce the position; HALTED: no new orders (cancels allowed); KILLED: only
// cancels, left only by a person's release. Anything unrecognised denies (fail closed).
import { z } from 'zod';
import type { DenialReason } from '../reasons/denial-reasons';

export const TradingStateSchema = z.enum(['ACTIVE', 'WARNING', 'REDUCING', 'HALTED', 'KILLED']);
export type TradingState = z.infer<typeof TradingStateSchema>;

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
