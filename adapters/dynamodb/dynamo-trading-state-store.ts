// DynamoDB adapter for the TradingStateStore port: the account's trading state and the kill switch's record,
// both under ACCOUNT#<a>. A state change is conditional on the state just read and written with its audit
// entry in one transaction; a lost race re-reads and decides again.
import type { KillSwitchActivation, KillSwitchRecord, KillSwitchRelease, TradingStateRecord, TradingStateStore } from '../../shared/ports/trading-state-store';
import { keys } from '../../shared/storage/table-definition';
import { stateChangeAudit, type StateChangeOutcome, type TradingStateChange } from '../../shared/trading-state/state-change';
import { TradingStateSchema, type TradingState } from '../../shared/trading-state/trading-state';
import { jitteredBackoff } from '../../shared/retry/backoff';
import { anyTransactionConflict, conditionFailedAt, LostRace, type DynamoTable, type TransactItem } from './dynamo-table';
import { auditPut, str } from './items';

/**
 * A state change lost to a racing one this many times in a row is reported as a failure. Claims for
 * submission check the state item in their transactions, so a stop can meet a transaction conflict: it
 * tries again after a short jittered pause rather than fail.
 */
const STATE_CHANGE_ATTEMPTS = 8;

/** The state write, conditional on the state just read: a racing change makes this one re-read and decide again. */
const stateUpdate = (tableName: string, change: TradingStateChange, previous: TradingState | undefined): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.tradingState(change.account),
    UpdateExpression: 'SET #state = :to, updatedBy = :by, updatedAt = :at, reason = :reason',
    ConditionExpression: previous === undefined ? 'attribute_not_exists(#state)' : '#state = :previous',
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: {
      ':to': change.to,
      ':by': change.actor,
      ':at': change.at,
      ':reason': change.reason,
      ...(previous === undefined ? {} : { ':previous': previous }),
    },
  },
});

export class DynamoTradingStateStore implements TradingStateStore {
  constructor(private readonly table: DynamoTable) {}

  async getTradingState(account: string): Promise<TradingState | undefined> {
    return (await this.getTradingStateRecord(account)).state;
  }

  async getTradingStateRecord(account: string): Promise<TradingStateRecord> {
    const item = await this.table.get('GetItem', keys.tradingState(account));
    const parsed = TradingStateSchema.safeParse(item?.state);
    const updatedBy = str(item?.updatedBy);
    const updatedAt = str(item?.updatedAt);
    return { state: parsed.success ? parsed.data : undefined, ...(updatedBy ? { updatedBy } : {}), ...(updatedAt ? { updatedAt } : {}) };
  }

  async changeTradingState(change: TradingStateChange): Promise<StateChangeOutcome> {
    const what = 'TransactWrite (trading state)';
    return this.table.retryOnConflict(what, STATE_CHANGE_ATTEMPTS, async (last): Promise<StateChangeOutcome | LostRace> => {
      const previous = await this.getTradingState(change.account);
      if (change.onlyIfMissing && previous !== undefined) return previous === change.to ? { outcome: 'unchanged', previous } : { outcome: 'refused', previous };
      if (previous === change.to) return { outcome: 'unchanged', previous };
      if (change.from.length > 0 && (previous === undefined || !change.from.includes(previous))) return { outcome: 'refused', previous };
      const items = [stateUpdate(this.table.name, change, previous), auditPut(this.table.name, stateChangeAudit(change, previous))];
      return this.table.transact<StateChangeOutcome | LostRace>(what, items, { outcome: 'changed', previous }, (codes, error) => {
        if ((conditionFailedAt(codes, 0) || anyTransactionConflict(codes)) && !last) return new LostRace(error);
        // The change's audit entry exists: this very change was written before (a replay).
        if (conditionFailedAt(codes, 1)) return { outcome: 'unchanged', previous: change.to };
        return undefined;
      });
    }, (attempt) => jitteredBackoff(attempt));
  }

  /** First activator wins: a repeat (or a racing second activation) keeps the stored one. */
  async recordKillSwitch(account: string, record: KillSwitchActivation): Promise<'recorded' | 'exists'> {
    const applied = await this.table.putIf('PutItem (kill switch)', {
      Item: { ...keys.killSwitch(account), type: 'KILL_SWITCH', account, ...record },
      // A released activation is history: a new activation replaces it.
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(#release)',
      ExpressionAttributeNames: { '#release': 'release' },
    });
    return applied ? 'recorded' : 'exists';
  }

  async getKillSwitch(account: string): Promise<KillSwitchRecord | undefined> {
    const item = await this.table.get('GetItem', keys.killSwitch(account));
    if (!item) return undefined;
    return {
      account,
      activatedBy: String(item.activatedBy),
      reason: String(item.reason),
      at: String(item.at),
      requestId: String(item.requestId),
      ...(item.release ? { release: item.release as KillSwitchRelease } : {}),
    };
  }

  async releaseKillSwitch(account: string, release: KillSwitchRelease): Promise<'released' | 'not-active'> {
    const applied = await this.table.updateIf('UpdateItem (kill switch release)', {
      Key: keys.killSwitch(account),
      UpdateExpression: 'SET #release = :release',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#release)',
      ExpressionAttributeNames: { '#release': 'release' },
      ExpressionAttributeValues: { ':release': release },
    });
    return applied ? 'released' : 'not-active';
  }
}
