// The strategy plug-in interface. A strategy sees market ticks and proposes orders; it never talks to the
// broker or the queue. Its proposals are untrusted: the host validates them and every one becomes an intent
// that must pass the risk function like any other.
import { z } from 'zod';
import { PositiveDecimalStringSchema } from '../money/decimal';
import { SymbolSchema } from '../events/ids';
import { OrderTypeSchema, SideSchema, TimeInForceSchema } from '../events/order-events';

export interface MarketTick {
  symbol: string;
  /** Decimal string. */
  price: string;
  /** UTC ISO-8601 with milliseconds. */
  at: string;
}

export const StrategyOrderSchema = z
  .object({
    symbol: SymbolSchema,
    side: SideSchema,
    quantity: PositiveDecimalStringSchema,
    orderType: OrderTypeSchema.default('market'),
    limitPrice: PositiveDecimalStringSchema.optional(),
    timeInForce: TimeInForceSchema.default('day'),
  })
  .strict();
export type StrategyOrder = z.input<typeof StrategyOrderSchema>;

export interface StrategyContext {
  account: string;
  /** Epoch milliseconds of the tick batch. */
  nowMs: number;
}

export interface Strategy {
  readonly name: string;
  onTicks(ticks: readonly MarketTick[], context: StrategyContext): StrategyOrder[] | Promise<StrategyOrder[]>;
}

export interface StrategyOptions {
  seed: number;
  symbols: readonly string[];
}

/** What a strategy module default-exports: a factory (preferred) or a ready strategy object. */
export type StrategyModule = { default: ((options: StrategyOptions) => Strategy) | Strategy };
