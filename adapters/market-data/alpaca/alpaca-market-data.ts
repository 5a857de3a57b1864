// Alpaca's real-time market data (stocks on IEX or SIP, crypto, the always-on test feed) as a market-data
// source. Each connection waits for the welcome, authenticates, subscribes to the symbols' trades and quotes
// and is live once the subscription is confirmed. Errors act as the wire's table says: a refusal (bad keys,
// the connection or symbol limit, the plan) is retried slowly, a spoilt connection is replaced. The key id
// and secret go only into the auth message: never into a status, an error or a log line.
import type { SocketProtocol, SocketSession } from '../../websocket/reconnecting-socket';
import type { AlpacaCredentials } from '../../broker/alpaca/credentials';
import { SocketMarketDataSource, snippet, type SocketSourceOptions, type SourceLink } from '../socket-market-data-source';
import {
  ALPACA_ERRORS,
  ALPACA_MARKET_DATA_URLS,
  alpacaErrorEffect,
  authMessage,
  readAlpacaFrame,
  subscribeMessage,
  unconfirmedSymbols,
  type AlpacaControl,
  type AlpacaFeed,
} from './alpaca-market-wire';

export interface AlpacaMarketDataOptions extends Omit<SocketSourceOptions, 'name' | 'url' | 'headers'> {
  feed: AlpacaFeed;
  credentials: AlpacaCredentials;
  /** Another endpoint speaking the same protocol (the local market server); default the feed's Alpaca URL. */
  url?: string;
  /** Default `alpaca-<feed>`. */
  name?: string;
}

type Stage = 'greeting' | 'authenticating' | 'subscribing' | 'live';

export class AlpacaMarketData extends SocketMarketDataSource {
  readonly feed: AlpacaFeed;
  readonly #credentials: AlpacaCredentials;

  constructor(options: AlpacaMarketDataOptions) {
    const { feed, credentials, url, name, ...rest } = options;
    super({ ...rest, name: name ?? `alpaca-${feed}`, url: url ?? ALPACA_MARKET_DATA_URLS[feed] });
    this.feed = feed;
    this.#credentials = credentials;
  }

  protected protocol(symbols: readonly string[], link: SourceLink): SocketProtocol {
    const subscribe = subscribeMessage(symbols);
    let stage: Stage = 'greeting';
    const control = (message: AlpacaControl, session: SocketSession): void => {
      if (message.T === 'error') return this.onError(message, session, link);
      if (message.T === 'success' && message.msg === 'connected' && stage === 'greeting') {
        stage = 'authenticating';
        session.send(authMessage(this.#credentials.keyId, this.#credentials.secretKey));
      } else if (message.T === 'success' && message.msg === 'authenticated' && stage === 'authenticating') {
        stage = 'subscribing';
        session.send(subscribe);
      } else if (message.T === 'subscription' && stage === 'subscribing') {
        stage = 'live';
        const missing = unconfirmedSymbols(message, symbols);
        if (missing.length > 0) link.warn(`subscription confirmed without the trades or quotes of ${missing.join(', ')}`);
        session.live();
      }
    };
    return {
      onOpen: () => {
        stage = 'greeting';
      },
      onFrame: (text, session, receivedAtMs) => {
        const frame = readAlpacaFrame(text, this.name, receivedAtMs);
        if ('problem' in frame) return link.malformed(`skipped a frame that is ${frame.problem}: ${snippet(text)}`);
        for (const problem of frame.malformed) link.malformed(`skipped ${problem}: ${snippet(text)}`);
        if (frame.ignored > 0) link.ignored(frame.ignored);
        for (const message of frame.controls) control(message, session);
        if (frame.messages.length > 0) link.deliver(frame.messages);
      },
    };
  }

  private onError(message: AlpacaControl, session: SocketSession, link: SourceLink): void {
    const code = message.code;
    const detail = typeof message.msg === 'string' ? message.msg : (typeof code === 'number' ? ALPACA_ERRORS[code]?.msg : undefined) ?? 'error';
    const effect = alpacaErrorEffect(code);
    if (effect === 'report') return link.warn(`error ${String(code)}: ${detail}`);
    session.end({ kind: effect === 'refused' ? 'refused' : 'disconnected', code: String(code), detail });
  }
}
