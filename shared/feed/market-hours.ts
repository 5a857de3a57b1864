// Whether a symbol's market is open now, from the sessions the risk limits assign (a market per symbol, or
// the default): the feed reports a silent symbol only while its market is open.
import { compileMarket, isMarketOpen, type CompiledCalendar, type MarketId } from '../calendar/trading-calendar';
import type { IsMarketOpen } from './silence-monitor';

export interface MarketSessions {
  defaultMarket: MarketId;
  bySymbol: Readonly<Record<string, MarketId>>;
}

export const marketHours = (sessions: MarketSessions): IsMarketOpen => {
  const calendars = new Map<MarketId, CompiledCalendar>();
  const calendarOf = (market: MarketId): CompiledCalendar => {
    let calendar = calendars.get(market);
    if (!calendar) calendars.set(market, (calendar = compileMarket(market)));
    return calendar;
  };
  return (symbol, nowMs) => isMarketOpen(calendarOf(sessions.bySymbol[symbol] ?? sessions.defaultMarket), nowMs);
};
