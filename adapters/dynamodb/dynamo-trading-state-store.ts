// DynamoDB adapter for the TradingStateStore port: the account's trading state and the kill switch's record,
// both under ACCOUNT#<a>. A state change is conditional on the state just read and written with its audit
// entry, and the kill switch's record when it explains the change, in one transaction; a lost race re-reads
// and decides again.
import type { KillSwitchRecord, KillSwitchRelease, KillSwitchWrite, TradingStateRecord, TradingStateStore } from '../../shared/ports/trading-state-store';
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

/**
 * The state write, conditional on the state just read (and, for a release, on its being the KILLED written at
 * `writtenAt`): a racing change makes this one re-read and decide again.
 */
const stateUpdate = (tableName: string, change: TradingStateChange, previous: TradingState | undefined, writtenAt?: string): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.tradingState(change.account),
    UpdateExpression: 'SET #state = :to, updatedBy = :by, updatedAt = :at, reason = :reason',
    ConditionExpression: `${previous === undefined ? 'attribute_not_exists(#state)' : '#state = :previous'}${writtenAt === undefined ? '' : ' AND updatedAt = :writtenAt'}`,
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: {
      ':to': change.to,
      ':by': change.actor,
      ':at': change.at,
      ':reason': change.reason,
      ...(previous === undefined ? {} : { ':previous': previous }),
      ...(writtenAt === undefined ? {} : { ':writtenAt': writtenAt }),
    },
  },
});

/** The kill switch's record as the change's third item: a fresh activation (replacing any older record), or the release of the one judged. */
const killSwitchItem = (tableName: string, account: string, write: KillSwitchWrite): TransactItem | undefined => {
  if (write.kind === 'activate') {
    return { Put: { TableName: tableName, Item: { ...keys.killSwitch(account), type: 'KILL_SWITCH', account, ...write.activation } } };
  }
  if (write.activationRequestId === undefined) return undefined;
  return {
    Update: {
      TableName: tableName,
      Key: keys.killSwitch(account),
      UpdateExpression: 'SET #release = :release',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#release) AND requestId = :activation',
      ExpressionAttributeNames: { '#release': 'release' },
      ExpressionAttributeValues: { ':release': write.release, ':activation': write.activationRequestId },
    },
  };
};

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

  async changeTradingState(change: TradingStateChange, killSwitch?: KillSwitchWrite): Promise<StateChangeOutcome> {
    const what = 'TransactWrite (trading state)';
    const release = killSwitch?.kind === 'release' ? killSwitch : undefined;
    return this.table.retryOnConflict(what, STATE_CHANGE_ATTEMPTS, async (last): Promise<StateChangeOutcome | LostRace> => {
      const { state: previous, updatedAt } = await this.getTradingStateRecord(change.account);
      if (change.onlyIfMissing && previous !== undefined) return previous === change.to ? { outcome: 'unchanged', previous } : { outcome: 'refused', previous };
      if (previous === change.to) return { outcome: 'unchanged', previous };
      if (change.from.length > 0 && (previous === undefined || !change.from.includes(previous))) return { outcome: 'refused', previous };
      // A release judged one KILLED; a later one (killed again meanwhile) was not judged, so it is not released.
      if (release && updatedAt !== release.killedAt) return { outcome: 'refused', previous };
      const record = killSwitch ? killSwitchItem(this.table.name, change.account, killSwitch) : undefined;
      const items = [
        stateUpdate(this.table.name, change, previous, release?.killedAt),
        auditPut(this.table.name, stateChangeAudit(change, previous)),
        ...(record ? [record] : []),
      ];
      return this.table.transact<StateChangeOutcome | LostRace>(what, items, { outcome: 'changed', previous }, (codes, error) => {
        if ((conditionFailedAt(codes, 0) || anyTransactionConflict(codes)) && !last) return new LostRace(error);
        // The change's audit entry exists: this very change was written before (a replay).
        if (conditionFailedAt(codes, 1)) return { outcome: 'unchanged', previous: change.to };
        // The activation the release judged was released or replaced meanwhile: nothing is written.
        if (conditionFailedAt(codes, 2)) return { outcome: 'refused', previous };
        return undefined;
      });
    }, (attempt) => jitteredBackoff(attempt));
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
      ...(item.pagedAt ? { pagedAt: String(item.pagedAt) } : {}),
    };
  }

  async markKillSwitchPaged(account: string, requestId: string, pagedAt: string): Promise<'marked' | 'not-current'> {
    const applied = await this.table.updateIf('UpdateItem (kill switch paged)', {
      Key: keys.killSwitch(account),
      UpdateExpression: 'SET pagedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND requestId = :activation',
      ExpressionAttributeValues: { ':at': pagedAt, ':activation': requestId },
    });
    return applied ? 'marked' : 'not-current';
  }
}
