// Kill-switch API events as API Gateway sends them (the request context of one test API and stage), and the
// operators the handler tests act as: people named by IAM users and per-person roles, each with every action.
import type { CallerAccess } from '../../functions/kill-switch/caller-access';
import type { TradingStores } from '../../adapters/dynamodb/dynamo-stores';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import type { KillSwitchHandlerDeps } from '../../functions/kill-switch/handler';
import { ACCOUNT, ManualClock, RecordingPager, silentLogger } from './fixtures';
import { RecordingControlPlane } from './recording-control-plane';
import { OPERATOR_ACTIONS, type Operator, type OperatorAction } from '../../shared/operators/operator-config';

/** The API the test handlers trust; an event naming another is refused. */
export const TEST_API = { apiId: 'testapi123', stage: 'dev', accountId: '123456789012' } as const;

export const ALICE = 'arn:aws:iam::123456789012:user/alice';
export const BOB = 'arn:aws:iam::123456789012:user/bob';
export const CAROL = 'arn:aws:iam::123456789012:user/carol';
export const DAVE_ROLE = 'arn:aws:iam::123456789012:role/trading-dave';

const every = (people: readonly string[], actions: readonly OperatorAction[] = OPERATOR_ACTIONS): Operator[] =>
  people.map((arn) => (arn.includes(':role/') ? { role: arn, actions: [...actions] } : { user: arn, actions: [...actions] }));

/** Alice, Bob, Carol (IAM users) and Dave (one role of his own), each allowed every action; `extra` adds people. */
export const testCallers = (extra: readonly Operator[] = []): CallerAccess => ({
  operators: { kind: 'listed', operators: [...every([ALICE, BOB, CAROL, DAVE_ROLE]), ...extra] },
  apiId: TEST_API.apiId,
  stage: TEST_API.stage,
});

/** A session of a role, as API Gateway reports it in requestContext.identity.userArn. */
export const sessionOf = (roleArn: string, sessionName: string): string => {
  const [, partition, account, name] = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn) ?? [];
  return `arn:${partition}:sts::${account}:assumed-role/${name}/${sessionName}`;
};

let requestNo = 0;

/** API Gateway's REST proxy request context for the test API, with `userArn` as the caller. */
export const gatewayContext = (method: string, userArn: string | null) => ({
  requestId: `req-${++requestNo}`,
  apiId: TEST_API.apiId,
  stage: TEST_API.stage,
  accountId: TEST_API.accountId,
  httpMethod: method,
  resourcePath: '/',
  identity: { userArn, accountId: TEST_API.accountId, sourceIp: '192.0.2.1' },
});

/** A REST proxy POST with a JSON body from `userArn`, as API Gateway sends it to the kill-switch function. */
export const postEvent = (path: string, body: unknown, userArn: string = ALICE) => ({
  resource: path,
  path,
  httpMethod: 'POST',
  headers: { 'content-type': 'application/json' },
  queryStringParameters: null,
  body: JSON.stringify(body),
  isBase64Encoded: false,
  requestContext: gatewayContext('POST', userArn),
});

/**
 * The kill-switch handler's dependencies for a test that exercises one route: the stores it is given, and for
 * everything else a stand-in that records (control plane, pager) or refuses what the test does not expect.
 */
export const quietKillSwitchDeps = (stores: TradingStores, over: Partial<KillSwitchHandlerDeps> = {}): KillSwitchHandlerDeps => ({
  ...stores,
  controlPlane: new RecordingControlPlane(),
  pager: new RecordingPager(),
  clock: new ManualClock(),
  cancelAll: async () => ({ requested: 0, canceledLocally: 0, waiting: 0 }),
  startRecovery: async () => undefined,
  approvals: { approve: () => Promise.reject(new Error('not expected')), reject: () => Promise.reject(new Error('not expected')) },
  telemetry: new InMemoryTelemetry(),
  logger: silentLogger,
  accounts: [ACCOUNT],
  callers: testCallers(),
  ...over,
});
