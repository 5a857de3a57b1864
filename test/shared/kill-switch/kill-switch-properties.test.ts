// A property over the kill switch against DynamoDB Local: any sequence of activations and releases by any of
// three people, with reconciliations, recoveries and writes that fail before or after they land (a lost
// answer), never lets a person release their own kill, nor release against a reconciliation older than the
// kill. The truth is the audit trail: who wrote the KILLED a release lifted, and when.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { activateKillSwitch, releaseKillSwitch, type KillSwitchDeps } from '../../../shared/kill-switch/kill-switch';
import type { TradingStateStore } from '../../../shared/ports/trading-state-store';
import { freshStores } from '../../support/dynamo';
import { ManualClock, RecordingPager, scanAll } from '../../support/fixtures';
import { RecordingControlPlane } from '../../support/recording-control-plane';

const PEOPLE = ['alice', 'bob', 'carol'] as const;
type Person = (typeof PEOPLE)[number];
/** Where a command's first store write fails: not at all, before it lands, or after it landed (the answer lost). */
type Fault = 'none' | 'before' | 'after';

type Command =
  | { kind: 'activate'; who: Person; fault: Fault; pagerDown: boolean }
  | { kind: 'release'; who: Person; fault: Fault }
  | { kind: 'reconcile'; clean: boolean }
  | { kind: 'recover' };

const fault = fc.constantFrom<Fault>('none', 'none', 'before', 'after');
const person = fc.constantFrom(...PEOPLE);
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('activate' as const), who: person, fault, pagerDown: fc.boolean() }),
  fc.record({ kind: fc.constant('release' as const), who: person, fault }),
  fc.record({ kind: fc.constant('reconcile' as const), clean: fc.boolean() }),
  fc.record({ kind: fc.constant('recover' as const) }),
);

/** The trading-state port with its next write failing as told: before it is sent, or after it landed. */
const faulty = (inner: TradingStateStore, next: { fault: Fault }): TradingStateStore => {
  const write = async <T>(call: () => Promise<T>): Promise<T> => {
    const f = next.fault;
    next.fault = 'none';
    if (f === 'before') throw new Error('injected: write not sent');
    const result = await call();
    if (f === 'after') throw new Error('injected: answer lost');
    return result;
  };
  return {
    getTradingState: (a) => inner.getTradingState(a),
    getTradingStateRecord: (a) => inner.getTradingStateRecord(a),
    getKillSwitch: (a) => inner.getKillSwitch(a),
    changeTradingState: (change, killSwitch) => write(() => inner.changeTradingState(change, killSwitch)),
    markKillSwitchPaged: (a, id, at) => write(() => inner.markKillSwitchPaged(a, id, at)),
  };
};

let client: DynamoDBClient;
let tableName: string;
let stores: TradingStores;
let run = 0;

beforeAll(async () => {
  ({ client, tableName, stores } = await freshStores());
});

/** The account's state changes, oldest first, as the audit trail has them. */
const stateChanges = async (account: string): Promise<{ actor: string; at: string; to: string }[]> =>
  (await scanAll(client, tableName))
    .map((item) => unmarshall(item as never))
    .filter((i) => i.kind === 'TRADING_STATE_CHANGED' && i.account === account)
    .map((i) => ({ actor: String(i.actor), at: String(i.occurredAt), to: String((i.detail as { to: string }).to) }))
    .sort((a, b) => a.at.localeCompare(b.at));

describe('kill switch under any sequence of people and failures', () => {
  it('never lets a person release their own kill, nor release against a reconciliation older than the kill', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), async (commands) => {
        const account = `prop-${++run}`;
        const clock = new ManualClock();
        const pager = new RecordingPager();
        const next = { fault: 'none' as Fault };
        const deps: KillSwitchDeps = {
          ...stores,
          tradingStateStore: faulty(stores.tradingStateStore, next),
          controlPlane: new RecordingControlPlane(),
          pager,
          clock,
          cancelAll: async () => ({ requested: 0, canceledLocally: 0, waiting: 0 }),
          startRecovery: async () => undefined,
        };
        await stores.tradingStateStore.changeTradingState({ account, from: [], to: 'ACTIVE', actor: 'bring-up', reason: 'armed', correlationId: `arm-${account}`, at: new Date(clock.now()).toISOString() });
        let lastReconciliation: string | undefined;

        for (const [i, c] of commands.entries()) {
          clock.advance(1_000);
          const at = new Date(clock.now()).toISOString();
          const requestId = `req-${i}`;
          if (c.kind === 'activate') {
            next.fault = c.fault;
            pager.failing = c.pagerDown;
            await activateKillSwitch(deps, { account, principal: c.who, reason: 'stop', requestId });
          } else if (c.kind === 'release') {
            next.fault = c.fault;
            const result = await releaseKillSwitch(deps, { account, principal: c.who, reason: 'fixed', requestId }).catch(() => undefined);
            const changes = await stateChanges(account);
            const lifted = changes.findLast((s) => s.to === 'HALTED' && s.actor === c.who && s.at === at);
            if (result?.outcome === 'released' || lifted) {
              // Released (or landed with its answer lost): the KILLED it lifted is the last one before it.
              const kill = changes.filter((s) => s.at < at).findLast((s) => s.to === 'KILLED');
              expect(kill).toBeDefined();
              expect(kill?.actor).not.toBe(c.who);
              expect(lastReconciliation !== undefined && lastReconciliation >= (kill?.at ?? '')).toBe(true);
            }
          } else if (c.kind === 'reconcile') {
            const record = { account, runId: `run-${i}`, status: c.clean ? ('clean' as const) : ('breaks' as const), completedAt: at, breaks: [] };
            await stores.reconciliationStore.recordReconciliation(
              record,
              auditEntry({ account, occurredAt: at, kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: record.runId, causationId: 'test', detail: {} }),
            );
            lastReconciliation = c.clean ? at : undefined;
          } else {
            await stores.tradingStateStore.changeTradingState({ account, from: ['HALTED'], to: 'ACTIVE', actor: 'breaker', reason: 'recovered', correlationId: `rec-${i}`, at });
          }
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
