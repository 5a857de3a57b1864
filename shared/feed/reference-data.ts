// Reference data from its sources, pure: each symbol's average daily volume from its daily bars, and its sector
// from the operator's document. Invariants: ADV is exact (decimal.js) and rounded down to whole shares, so it
// never overstates the volume; a symbol short of complete sessions gets no ADV, and one the document does not
// name gets no sector, so the risk function fails closed on it rather than on a guess.
import type { InstrumentReference } from '../market/marks';
import { dec, toDecimalString, ZERO } from '../money/decimal';
import type { DailyBar } from '../ports/daily-volume-source';
import { isoToEpochMs } from '../time/iso-time';

const DAY_MS = 86_400_000;
const WHOLE_SHARES = /^(0|[1-9]\d*)$/;

/**
 * The mean volume of the last `days` bars that began before `todayStartMs` (today's bar is still forming),
 * rounded down to whole shares; undefined when fewer than `days` such bars exist.
 */
export const averageDailyVolume = (bars: readonly DailyBar[], days: number, todayStartMs: number): string | undefined => {
  const complete: { atMs: number; volume: string }[] = [];
  bars.forEach((bar, i) => {
    const atMs = isoToEpochMs(bar.at);
    if (Number.isNaN(atMs)) throw new RangeError(`daily bar ${i}: time ${JSON.stringify(bar.at)} cannot be read`);
    if (!WHOLE_SHARES.test(bar.volume)) throw new RangeError(`daily bar ${i}: volume ${JSON.stringify(bar.volume)} must be a non-negative whole number of shares`);
    if (atMs < todayStartMs) complete.push({ atMs, volume: bar.volume });
  });
  if (complete.length < days) return undefined;
  complete.sort((a, b) => a.atMs - b.atMs);
  const total = complete.slice(-days).reduce((sum, bar) => sum.plus(dec(bar.volume)), ZERO);
  // divToInt truncates, exactly: a mean of whole shares rounded down.
  return toDecimalString(total.divToInt(days));
};

/**
 * The calendar days of bars to ask for so that `advDays` sessions fit: five sessions a week, plus two weeks
 * for holidays and a provider missing a day (about 29 sessions for 20).
 */
export const lookbackDays = (advDays: number): number => Math.ceil((advDays * 7) / 5) + 14;

/** The bars to ask for: from the lookback before the earliest symbol's today, to just before the latest today. */
export const barsRange = (todayStarts: readonly number[], advDays: number): { start: string; end: string } => {
  const earliest = Math.min(...todayStarts);
  const latest = Math.max(...todayStarts);
  return { start: new Date(earliest - lookbackDays(advDays) * DAY_MS).toISOString(), end: new Date(latest - 1).toISOString() };
};

export interface BuiltReference {
  /** Every subscribed symbol, with what could be established for it (possibly nothing). */
  reference: Record<string, InstrumentReference>;
  /** Symbols without an ADV (fewer complete bars than advDays) and without a sector (not in the document). */
  missing: { adv: string[]; sector: string[] };
}

export interface ReferenceInputs {
  symbols: readonly string[];
  bars: Readonly<Record<string, readonly DailyBar[]>>;
  sectors: Readonly<Record<string, string>>;
  advDays: number;
  /** When each symbol's market's today began (epoch ms). */
  todayStartMs: (symbol: string) => number;
}

/** A record's own entry only: a symbol named like a prototype member ("constructor") has none. */
const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

/** Each subscribed symbol's ADV and sector, and which symbols lack either. */
export const buildReference = (inputs: ReferenceInputs): BuiltReference => {
  const reference: Record<string, InstrumentReference> = {};
  const missing: BuiltReference['missing'] = { adv: [], sector: [] };
  for (const symbol of inputs.symbols) {
    let adv: string | undefined;
    try {
      adv = averageDailyVolume(own(inputs.bars, symbol) ?? [], inputs.advDays, inputs.todayStartMs(symbol));
    } catch (error) {
      throw new RangeError(`${symbol}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const sector = own(inputs.sectors, symbol);
    if (adv === undefined) missing.adv.push(symbol);
    if (sector === undefined) missing.sector.push(symbol);
    reference[symbol] = { ...(adv !== undefined ? { adv } : {}), ...(sector !== undefined ? { sector } : {}) };
  }
  return { reference, missing };
};
