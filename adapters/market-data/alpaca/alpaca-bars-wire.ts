// One page of Alpaca's historical bars (GET /v2/stocks/bars, Market Data API v2) read into the port's daily
// bars: `{"bars": {"AAPL": [{"t", "o", "h", "l", "c", "v", "n", "vw"}, …]}, "next_page_token": "…" | null}`.
// Invariants: a volume is taken only as a whole number of shares a JSON number holds exactly, a time only as
// RFC-3339; anything else refuses the page, naming the symbol, the bar, the field and the rule.
import * as z from 'zod';
import { InvalidInputError } from '../../../shared/errors/errors';
import type { DailyBar } from '../../../shared/ports/daily-volume-source';

/** The fields read; the prices, trade count and VWAP (`o`, `h`, `l`, `c`, `n`, `vw`) are not needed and not checked. */
const WireBarSchema = z.looseObject({ t: z.unknown(), v: z.unknown() });

export const AlpacaBarsPageSchema = z.object({
  /** Alpaca writes an empty object (or null) when no symbol has bars in the range. */
  bars: z.record(z.string(), z.array(WireBarSchema, { error: 'must be an array of bars' })).nullable(),
  next_page_token: z.string().nullable().optional(),
});

/** RFC-3339 as Alpaca writes it: 2022-02-28T05:00:00Z, with optional fractional seconds or an offset. */
const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const timeOf = (value: unknown): string | undefined => {
  if (typeof value !== 'string' || !RFC_3339.test(value)) return undefined;
  const ms = Date.parse(value);
  // Date.parse rolls 2026-02-30 over to March: the date part must survive the round trip.
  if (Number.isNaN(ms) || (value.endsWith('Z') && new Date(ms).toISOString().slice(0, 10) !== value.slice(0, 10))) return undefined;
  return new Date(ms).toISOString();
};

const shown = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

export interface BarsPage {
  bars: Record<string, DailyBar[]>;
  nextPageToken: string | undefined;
}

/**
 * Reads one page into daily bars of the symbols asked for (any other symbol is left out). Throws an
 * InvalidInputError whose issues name each offending bar's field (`bars.AAPL[3].v`) and rule.
 */
export const readBarsPage = (json: unknown, symbols: readonly string[]): BarsPage => {
  const parsed = AlpacaBarsPageSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidInputError(parsed.error.issues.map((issue) => ({ path: ['bars page', ...issue.path.map(String)].join('.'), rule: issue.message })), { cause: parsed.error });
  }
  const wanted = new Set(symbols);
  const issues: { path: string; rule: string }[] = [];
  const bars: Record<string, DailyBar[]> = {};
  for (const [symbol, wire] of Object.entries(parsed.data.bars ?? {})) {
    if (!wanted.has(symbol)) continue;
    const read: DailyBar[] = [];
    wire.forEach((bar, i) => {
      const path = `bars.${symbol}[${i}]`;
      const at = timeOf(bar.t);
      const volume = bar.v;
      if (at === undefined) issues.push({ path: `${path}.t`, rule: `must be an RFC-3339 time such as 2026-11-23T05:00:00Z (got ${shown(bar.t)})` });
      if (typeof volume !== 'number' || !Number.isSafeInteger(volume) || volume < 0) {
        issues.push({ path: `${path}.v`, rule: `must be a non-negative whole number of shares (got ${shown(volume)})` });
      }
      if (at === undefined || typeof volume !== 'number') return;
      const before = read.at(-1);
      if (before && before.at >= at) issues.push({ path: `${path}.t`, rule: `must be later than the bar before it (${before.at}): bars come in ascending time` });
      read.push({ at, volume: String(volume) });
    });
    bars[symbol] = read;
  }
  if (issues.length > 0) throw new InvalidInputError(issues);
  const token = parsed.data.next_page_token;
  return { bars, nextPageToken: token === null || token === undefined || token === '' ? undefined : token };
};
