// The sectors the sector-concentration control groups symbols by: one closed list, shared by the operator's
// reference document (reference/sectors.json) and the local session's reference data, so both name them alike.
// Invariant: `UNCLASSIFIED` (the pool of symbols without a sector) is not on the list, so no symbol joins it by name.
import * as z from 'zod';

/**
 * The eleven GICS sectors, under the names the system used first, plus two groups GICS leaves out: `INDEX`
 * for a fund tracking a broad index (SPY), and `CRYPTO` for crypto pairs.
 */
export const SECTORS = [
  'COMMUNICATION', // GICS Communication Services
  'CONSUMER', // GICS Consumer Discretionary
  'CONSUMER_STAPLES', // GICS Consumer Staples
  'ENERGY',
  'FINANCIALS',
  'HEALTHCARE', // GICS Health Care
  'INDUSTRIALS',
  'MATERIALS',
  'REAL_ESTATE',
  'TECHNOLOGY', // GICS Information Technology
  'UTILITIES',
  'INDEX',
  'CRYPTO',
] as const;

export const SectorSchema = z.enum(SECTORS, { error: `must be one of ${SECTORS.join(', ')}` });
export type Sector = z.infer<typeof SectorSchema>;
