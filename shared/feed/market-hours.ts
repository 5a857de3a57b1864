// Whether a symbol's market is open now, and where its local day began, from the sessions the risk limits assign
// (a market per symbol, or the default): the feed reports a silent symbol only while its market is open, and the
// reference refresh counts only the daily bars of days that are over.
import { compileMarket, isMarketOpen, localDayStartMs, type CompiledCalendar, type MarketId } from '../calendar/trading-calendar';
import type { IsMarketOpen } from './silence-monitor';

export interface MarketSessions {
  defaultMarket: MarketId;
  bySymbol: Readonly<Record<string, MarketId>>;
}

/** Each symbol's compiled calendar, looked up on every call so a calendar installed later is the one used. */
const calendars =
  (sessions: MarketSessions): ((symbol: string) => CompiledCalendar) =>
  (symbol) =>
    compileMarket(sessions.bySymbol[symbol] ?? sessions.defaultMarket);

export const marketHours = (sessions: MarketSessions): IsMarketOpen => {
  const calendarOf = calendars(sessions);
  return (symbol, nowMs) => isMarketOpen(calendarOf(symbol), nowMs);
};

/** When the symbol's market's local day containing `nowMs` began (epoch ms). */
export type MarketDayStart = (symbol: string, nowMs: number) => number;

export const marketDayStart = (sessions: MarketSessions): MarketDayStart => {
  const calendarOf = calendars(sessions);
  return (symbol, nowMs) => localDayStartMs(calendarOf(symbol), nowMs);
};
