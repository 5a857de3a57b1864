// Chooses and builds the broker a deployed function talks to, from the environment configuration and the
// credentials secret. Invariants: the venue's host comes from the configuration alone (paper or live, never
// a URL from the environment); a configuration that cannot trade fails at construction, naming what is
// missing; credentials are read on the first broker call, not at cold start, through LazyBroker.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AlpacaVenue, EnvironmentConfig } from '../../shared/config/environments';
import { RUNTIME_ENV } from '../../shared/config/runtime-env';
import type { Broker } from '../../shared/ports/broker';
import { ALPACA_LIVE_URL, ALPACA_PAPER_URL, AlpacaBroker } from './alpaca/alpaca-broker';
import { credentialsFromSecretsManager } from './alpaca/credentials';
import { LazyBroker } from './lazy-broker';

export interface CreateBrokerOptions {
  /** The credentials secret's ARN or name (BROKER_SECRET_ID); required for Alpaca. */
  secretId?: string | undefined;
  secrets: SecretsManagerClient;
  /** For tests: the Alpaca adapter's fetch. */
  fetch?: typeof fetch;
}

export const ALPACA_BASE_URLS: Record<AlpacaVenue, string> = { paper: ALPACA_PAPER_URL, live: ALPACA_LIVE_URL };

/**
 * The configured broker. Throws when the configuration cannot trade in AWS: `simulated` (the simulated
 * broker lives in the local runtime only) or Alpaca without a secret id.
 */
export const createBroker = (config: EnvironmentConfig, options: CreateBrokerOptions): Broker => {
  const { broker } = config;
  switch (broker.kind) {
    case 'simulated':
      // Thrown rather than answering every call with an error: a function that fails on its first
      // invocation raises its error alarm, which rolls the deployment back and pages, where a broker that
      // refuses everything would leave a stack that looks healthy and can never trade.
      throw new Error(`environment ${config.name} is configured with the simulated broker, which runs only locally (npm start); deployed environments need broker kind "alpaca"`);
    case 'alpaca': {
      const { secretId, secrets } = options;
      if (!secretId) {
        throw new Error(
          `environment ${config.name} trades on Alpaca (${broker.venue}) but ${RUNTIME_ENV.brokerSecretId} is not set: it must hold the ARN of the credentials secret`,
        );
      }
      const baseUrl = ALPACA_BASE_URLS[broker.venue];
      return new LazyBroker({
        label: `Alpaca (${broker.venue})`,
        build: async () => {
          const credentials = await credentialsFromSecretsManager(secrets, secretId);
          return new AlpacaBroker({ baseUrl, credentials, ...(options.fetch ? { fetch: options.fetch } : {}) });
        },
      });
    }
  }
};
