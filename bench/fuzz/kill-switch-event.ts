// Entry point 3: the kill-switch API's REST proxy events, sent to the real handler over DynamoDB Local with the
// real cancel-all against a simulated broker, and recording stand-ins for the control plane, the pager, the
// breaker's starter and its approvals (as the handler tests wire it). Valid events are every route with a
// body the exported schemas take. Accepted: 200 or 207. Rejected: a 400 naming the field and rule, or a coded
// 403, 404 or 409 with its message. Anything else (a 500, a 503, a throw) is a crash.
import fc from 'fast-check';
import { SimulatedBroker } from '../../adapters/broker/simulated-broker';
import { createKillSwitchHandler } from '../../functions/kill-switch/handler';
import { armSettingsFor } from '../../shared/config/arm-settings';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { startRecoveryWith } from '../../shared/kill-switch/release-trip';
import { cancelAllFrom } from '../../shared/order-service/cancellation';
import { ACCOUNT, RecordingPager } from '../../test/support/fixtures';
import { RecordingControlPlane } from '../../test/support/recording-control-plane';
import { ALICE, BOB, DAVE_ROLE, gatewayContext, sessionOf, testCallers } from '../../test/support/kill-switch-api';
import { garbageJson, garbageText, oneFieldWrong, type Json } from './mutate';
import { clearIssues, crashOf, mixOf, type FuzzTarget, type Verdict } from './runner';
import { TableWatch } from './table-watch';
import { quietLogger, seededEpoch, type Epoch } from './world';

const PEOPLE = [ALICE, BOB, sessionOf(DAVE_ROLE, 'dave'), 'arn:aws:sts::123456789012:assumed-role/operator/mallory'];
const ROUTES = [
  ['POST', '/kill-switch'],
  ['POST', '/kill-switch'],
  ['POST', '/kill-switch/release'],
  ['POST', '/breaker/approve'],
  ['POST', '/breaker/reject'],
  ['POST', '/arm'],
  ['POST', '/execution/reenable'],
  ['POST', '/flatten'],
  ['GET', '/status'],
  ['GET', '/status'],
] as const;

let requestNo = 0;

/** A REST proxy event as API Gateway sends it; the body stays an object until sent, so a field inside can be made wrong. */
export const validKillSwitchEvent: fc.Arbitrary<Json> = fc
  .record({
    route: fc.constantFrom(...ROUTES),
    person: fc.constantFrom(...PEOPLE),
    account: fc.constantFrom(ACCOUNT, ACCOUNT, ACCOUNT, 'paper1'),
    reason: fc.oneof(fc.constantFrom('runaway strategy', 'drill', 'reconciled, releasing'), fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '')),
  })
  .map(({ route: [method, path], person, account, reason }) => ({
    resource: path,
    path,
    httpMethod: method,
    headers: { 'content-type': 'application/json', host: 'api.example.com' },
    queryStringParameters: method === 'GET' ? { account } : null,
    body: method === 'GET' ? null : { account, reason },
    isBase64Encoded: false,
    requestContext: { ...gatewayContext(method, person), requestId: `req-${++requestNo}` },
  }));

const garbageEvent: fc.Arbitrary<Json> = fc.oneof(
  garbageJson as fc.Arbitrary<Json>,
  fc.tuple(validKillSwitchEvent, garbageText).map(([event, body]) => ({ ...(event as object), body }) as Json),
  fc.tuple(validKillSwitchEvent, fc.string({ maxLength: 30 }), fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'post', '')).map(([event, path, httpMethod]) => ({ ...(event as object), path, httpMethod }) as Json),
);

/** The event as API Gateway delivers it: the body as text. */
const encoded = (event: Json): unknown => {
  if (event === null || typeof event !== 'object' || Array.isArray(event) || !('body' in event)) return event;
  const body = event.body;
  return body === null || typeof body === 'string' ? event : { ...event, body: JSON.stringify(body) };
};

const answerOf = (body: string): Record<string, unknown> => {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** A status and body as the runner's verdict. */
export const killSwitchVerdict = (statusCode: number, body: string): Verdict => {
  const answer = answerOf(body);
  if (statusCode === 200 || statusCode === 207) return { kind: 'accepted', outcome: String(statusCode) };
  if (statusCode === 400) {
    const clear = clearIssues(answer.issues);
    return clear !== undefined ? { kind: 'rejected', error: clear } : { kind: 'crash', error: `400 without a field and rule: ${body.slice(0, 200)}` };
  }
  const coded = typeof answer.error === 'string' && answer.error !== '' && typeof answer.message === 'string' && answer.message.trim() !== '';
  if ([403, 404, 409].includes(statusCode) && coded) return { kind: 'rejected', error: `${statusCode} ${String(answer.error)}${answer.reason ? ` ${String(answer.reason)}` : ''}: ${String(answer.message)}` };
  return { kind: 'crash', error: `${statusCode}: ${body.slice(0, 300)}` };
};

export const killSwitchTarget = async (dynamoEndpoint: string): Promise<FuzzTarget<Json>> => {
  const watch = new TableWatch(dynamoEndpoint);
  const config = loadEnvironmentConfig('local');
  let epoch: Epoch | undefined;
  let broker: SimulatedBroker | undefined;
  const controlPlane = new RecordingControlPlane();
  const pager = new RecordingPager();
  const handler = createKillSwitchHandler(() => {
    if (!epoch || !broker) throw new Error('no epoch started');
    const { stores, bus, clock, telemetry } = epoch;
    const venue = broker;
    return {
      ...stores,
      controlPlane,
      pager,
      clock,
      cancelAll: cancelAllFrom({ ...stores, broker, bus, clock, telemetry, leaseMs: 30_000 }, 'kill-switch'),
      startRecovery: startRecoveryWith({ start: async () => 'started' }),
      approvals: { approve: async () => 'delivered', reject: async () => 'delivered' },
      telemetry,
      logger: quietLogger,
      accounts: [ACCOUNT],
      callers: testCallers(),
      flatten: { closeAllPositions: () => venue.closeAllPositions(), audit: stores.orderStore },
      arm: { ...armSettingsFor({ ...config, accounts: [ACCOUNT] }, ['AAPL', 'MSFT']), marketDataStore: stores.marketDataStore },
    };
  });
  return {
    name: 'kill-switch',
    arbitrary: mixOf(garbageEvent, validKillSwitchEvent, oneFieldWrong(validKillSwitchEvent)),
    epochSize: 200,
    startEpoch: async (n) => {
      epoch = await seededEpoch(watch, 'kill', n);
      broker = new SimulatedBroker({ priceOf: () => '100', clock: epoch.clock, seed: 11 });
      controlPlane.calls.length = 0;
      pager.pages.length = 0;
    },
    send: async (event): Promise<Verdict> => {
      epoch?.clock.advance(20);
      try {
        const response = await handler(encoded(event));
        return killSwitchVerdict(response.statusCode, response.body);
      } catch (error) {
        return crashOf(error);
      }
    },
    watch,
    close: () => watch.close(),
  };
};
