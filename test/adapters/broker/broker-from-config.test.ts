// Specification of the broker a deployed function gets: chosen from the environment configuration, built
// lazily from the credentials secret, and failing closed (ambiguous, never a refusal or an empty answer)
// while the credentials cannot be read. Secrets Manager is faked at the SDK boundary; Alpaca is the
// in-process fake server, reached through a fetch that records which host the adapter meant to call.
import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALPACA_LIVE_URL, ALPACA_PAPER_URL } from '../../../adapters/broker/alpaca/alpaca-broker';
import { ALPACA_BASE_URLS, createBroker } from '../../../adapters/broker/broker-from-config';
import { LazyBroker } from '../../../adapters/broker/lazy-broker';
import { loadEnvironmentConfig } from '../../../shared/config/environments';
import { BrokerCallError } from '../../../shared/broker/broker-call-error';
import { InfrastructureError } from '../../../shared/errors/errors';
import { BROKER_CALL_NAMES, type Broker } from '../../../shared/ports/broker';
import { brokerFailureOf, marketRequest } from '../../support/broker-requests';
import { FakeAlpaca } from '../../support/fake-alpaca';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:BrokerCredentialsSecret-AbCdEf';
const KEY_ID = 'PKLAZYBROKER000000042';
const SECRET = 'sk-lazy-do-not-leak-5e1c9a7b3d2f4e6a8c0b';

const secretsManager = mockClient(SecretsManagerClient);
let fake: FakeAlpaca;
/** Origins the adapter addressed, before the test fetch sent the request to the fake. */
let hosts: string[];

const toFake: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  hosts.push(url.origin);
  return fetch(`${fake.restUrl}${url.pathname}${url.search}`, init);
};

const secretValue = (value: object) => ({ SecretString: JSON.stringify(value) });

/** A fresh client per broker: credentials.ts caches per client instance, as one Lambda container would. */
const brokerFor = (envName: 'dev' | 'staging' | 'prod' = 'dev', options: { secretId?: string } = { secretId: SECRET_ID }): Broker =>
  createBroker(loadEnvironmentConfig(envName), { ...options, secrets: new SecretsManagerClient({ region: 'us-east-1' }), fetch: toFake });

const secretReads = () => secretsManager.commandCalls(GetSecretValueCommand).length;

beforeEach(async () => {
  hosts = [];
  secretsManager.reset();
  fake = await FakeAlpaca.start({ keyId: KEY_ID, secretKey: SECRET });
  secretsManager.on(GetSecretValueCommand).resolves(secretValue({ keyId: KEY_ID, secretKey: SECRET }));
});

afterEach(async () => {
  await fake.close();
});

describe('createBroker', () => {
  it('reads no credentials until the first broker call', () => {
    brokerFor();
    expect(secretReads()).toBe(0);
  });

  it('submits an order to Alpaca with the credentials from the secret', async () => {
    const order = await brokerFor().submitOrder(marketRequest('intent-lazy-1'));
    expect(order).toMatchObject({ clientOrderId: 'intent-lazy-1', symbol: 'AAPL', status: 'accepted' });
    expect(fake.orders().map((o) => o.client_order_id)).toEqual(['intent-lazy-1']);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
  });

  it('talks to the paper host in dev and staging and the live host in prod', async () => {
    for (const [envName, host] of [
      ['dev', ALPACA_PAPER_URL],
      ['staging', ALPACA_PAPER_URL],
      ['prod', ALPACA_LIVE_URL],
    ] as const) {
      hosts = [];
      await brokerFor(envName).getAccount();
      expect(hosts, envName).toEqual([host]);
    }
    expect(ALPACA_BASE_URLS).toEqual({ paper: 'https://paper-api.alpaca.markets', live: 'https://api.alpaca.markets' });
  });

  it('fetches the credentials once for concurrent first calls', async () => {
    const broker = brokerFor();
    await Promise.all([broker.getAccount(), broker.getPositions(), broker.listOpenOrders(), broker.getOrderByClientOrderId('intent-x')]);
    await broker.listFills({ after: '2026-01-01T00:00:00.000Z' });
    expect(secretReads()).toBe(1);
    expect(fake.requests).toHaveLength(5);
  });

  it('reports a failed credentials fetch as ambiguous and retries it on the next call', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('User is not authorized to perform: secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }))
      .resolves(secretValue({ keyId: KEY_ID, secretKey: SECRET }));
    const broker = brokerFor();

    const failure = await brokerFailureOf(broker.submitOrder(marketRequest('intent-lazy-2')));
    expect(failure.outcome).toBe('ambiguous');
    expect(failure.message).toContain('Alpaca (paper)');
    expect(failure.message).toContain(SECRET_ID);
    expect(failure.cause).toBeInstanceOf(InfrastructureError);
    expect((failure.cause as Error).cause).toMatchObject({ name: 'AccessDeniedException' });
    expect(fake.requests).toHaveLength(0);

    await expect(broker.submitOrder(marketRequest('intent-lazy-2'))).resolves.toMatchObject({ clientOrderId: 'intent-lazy-2' });
    expect(secretReads()).toBe(2);
  });

  it('answers every call with an ambiguous error, never an empty answer, while the credentials cannot be read', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(new Error('connect ETIMEDOUT'));
    const broker = brokerFor();
    const calls: Promise<unknown>[] = [
      broker.submitOrder(marketRequest('intent-lazy-3')),
      broker.getOrderByClientOrderId('intent-lazy-3'),
      broker.listOpenOrders(),
      broker.cancelOrder('order-1'),
      broker.cancelAllOrders(),
      broker.listFills({ after: '2026-01-01T00:00:00.000Z' }),
      broker.getPositions(),
      broker.getAccount(),
      broker.closeAllPositions(),
    ];
    for (const call of calls) expect((await brokerFailureOf(call)).outcome).toBe('ambiguous');
    expect(fake.requests).toHaveLength(0);
  });

  it('treats the placeholder the stack deploys (empty keyId) as a credentials failure, never quoting the secret', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secretValue({ keyId: '', secretKey: SECRET }));
    const failure = await brokerFailureOf(brokerFor().submitOrder(marketRequest('intent-lazy-4')));
    expect(failure.outcome).toBe('ambiguous');
    expect(failure.message).toContain('bad or missing: keyId');
    expect(inspect(failure, { depth: 8 })).not.toContain(SECRET);
    expect(JSON.stringify(failure)).not.toContain(SECRET);
    expect(fake.requests).toHaveLength(0);
  });

  it('passes Alpaca’s own answers through once built: a refusal stays a refusal', async () => {
    fake.inject('POST /v2/orders', { kind: 'status', status: 403, body: { code: 40310000, message: 'insufficient buying power' } });
    const failure = await brokerFailureOf(brokerFor().submitOrder(marketRequest('intent-lazy-5')));
    expect(failure.outcome).toBe('refused');
    expect(failure.detail).toMatchObject({ status: 403 });
  });

  it('refuses the simulated broker, which runs only locally', () => {
    expect(() => createBroker(loadEnvironmentConfig('local'), { secretId: SECRET_ID, secrets: new SecretsManagerClient({}) })).toThrow(
      /simulated broker, which runs only locally/,
    );
  });

  it('refuses Alpaca without a secret id, naming BROKER_SECRET_ID', () => {
    expect(() => brokerFor('prod', {})).toThrow(/Alpaca \(live\).*BROKER_SECRET_ID is not set/);
    expect(() => brokerFor('dev', { secretId: '' })).toThrow(/Alpaca \(paper\).*BROKER_SECRET_ID is not set/);
  });
});

describe('LazyBroker', () => {
  const METHODS = BROKER_CALL_NAMES;

  /** A broker whose every method records its name and arguments and answers with the name. */
  const recordingBroker = (calls: unknown[][]): Broker =>
    Object.fromEntries(
      METHODS.map((method) => [
        method,
        (...args: unknown[]) => {
          calls.push([method, ...args]);
          return Promise.resolve(method);
        },
      ]),
    ) as unknown as Broker;

  it('forwards every broker method with its arguments to the built broker', async () => {
    const calls: unknown[][] = [];
    const lazy = new LazyBroker({ label: 'test broker', build: async () => recordingBroker(calls) });
    const request = marketRequest('intent-lazy-6');
    const answers = await Promise.all([
      lazy.submitOrder(request),
      lazy.getOrderByClientOrderId('intent-lazy-6'),
      lazy.listOpenOrders(),
      lazy.cancelOrder('order-1'),
      lazy.cancelAllOrders(),
      lazy.listFills({ after: '2026-01-01T00:00:00.000Z', brokerOrderId: 'order-1' }),
      lazy.getPositions(),
      lazy.getAccount(),
      lazy.closeAllPositions(),
    ]);
    expect(calls).toEqual([
      ['submitOrder', request],
      ['getOrderByClientOrderId', 'intent-lazy-6'],
      ['listOpenOrders'],
      ['cancelOrder', 'order-1'],
      ['cancelAllOrders'],
      ['listFills', { after: '2026-01-01T00:00:00.000Z', brokerOrderId: 'order-1' }],
      ['getPositions'],
      ['getAccount'],
      ['closeAllPositions'],
    ]);
    expect(answers).toEqual(calls.map(([method]) => method));
  });

  it('builds once and keeps the built broker for every later call', async () => {
    let builds = 0;
    const lazy = new LazyBroker({ label: 'test broker', build: async () => (builds++, recordingBroker([])) });
    await Promise.all([lazy.getAccount(), lazy.getPositions()]);
    await lazy.listOpenOrders();
    expect(builds).toBe(1);
  });

  it('reports a build that throws synchronously or rejects with a non-error as an ambiguous broker error', async () => {
    const throwing = new LazyBroker({
      label: 'test broker',
      build: () => {
        throw new TypeError('bad base URL');
      },
    });
    const thrown = await brokerFailureOf(throwing.getAccount());
    expect(thrown).toBeInstanceOf(BrokerCallError);
    expect(thrown).toMatchObject({ outcome: 'ambiguous', message: expect.stringContaining('test broker is unavailable') });
    expect(thrown.cause).toBeInstanceOf(TypeError);

    const rejecting = new LazyBroker({ label: 'test broker', build: () => Promise.reject('nope') });
    expect(await brokerFailureOf(rejecting.getAccount())).toMatchObject({ outcome: 'ambiguous', cause: 'nope' });
  });
});
