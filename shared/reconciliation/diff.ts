// Position diff between the broker (the source of truth) and the table. Pure: every symbol held on either
// side is compared exactly; a difference beyond the tolerance is a break.
import { dec, toDecimalString } from '../money/decimal';
import type { ReconciliationBreak } from '../events/reconciliation-events';

export const diffPositions = (
  broker: readonly { symbol: string; quantity: string }[],
  local: readonly { symbol: string; quantity: string }[],
  tolerance = '0',
): ReconciliationBreak[] => {
  const brokerBySymbol = new Map(broker.map((p) => [p.symbol, dec(p.quantity)]));
  const localBySymbol = new Map(local.map((p) => [p.symbol, dec(p.quantity)]));
  const symbols = [...new Set([...brokerBySymbol.keys(), ...localBySymbol.keys()])].sort();
  const breaks: ReconciliationBreak[] = [];
  for (const symbol of symbols) {
    const b = brokerBySymbol.get(symbol) ?? dec(0);
    const l = localBySymbol.get(symbol) ?? dec(0);
    if (b.minus(l).abs().gt(dec(tolerance))) {
      breaks.push({
        kind: 'QUANTITY_MISMATCH',
        symbol,
        brokerQuantity: toDecimalString(b),
        localQuantity: toDecimalString(l),
        message: `broker holds ${toDecimalString(b)} ${symbol}, the table ${toDecimalString(l)}`,
      });
    }
  }
  return breaks;
};
