// Trading states and what each allows. The skeleton knows ACTIVE, HALTED and KILLED; anything the gate does
// not recognise denies (fail closed).
import { z } from 'zod';
import type { DenialReason } from '../risk/reasons';

export const TradingStateSchema = z.enum(['ACTIVE', 'HALTED', 'KILLED']);
export type TradingState = z.infer<typeof TradingStateSchema>;

/** Whether a new order may proceed in this state; null means allowed. */
export const tradingStateDenial = (state: TradingState | undefined): DenialReason | null => {
  switch (state) {
    case 'ACTIVE':
      return null;
    case 'HALTED':
      return 'TRADING_HALTED';
    case 'KILLED':
      return 'TRADING_KILLED';
    default:
      return 'TRADING_STATE_MISSING';
  }
};
