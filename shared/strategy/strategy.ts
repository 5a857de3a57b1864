// The strategy plug-in interface. A strategy sees market ticks and proposes orders; it never talks to the
// broker or the queue. Its proposals are untrusted: the host validates them and every one becomes an intent
// that must pass the risk function like any other.
import * as z from 'zod';
import { PositiveDecimalStringSchema } from '../money/decimal';
import { SymbolSchema } from '../events/ids';
import { OrderTypeSchema, SideSchema, TimeInForceSchema } from '../events/order-events';
import type { MarketTick, StrategyContext } from '../ports/strategy-runner';

// What a strategy sees is what a runner carries to it, defined once with the runner's port.
export type { MarketTick, StrategyContext } from '../ports/strategy-runner';

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
